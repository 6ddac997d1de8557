import Foundation
import HermesOAuth

/// How the manager's cost grows with the number of configured OAuth servers. Each size runs in a
/// fresh process (`hermes-bench scale-one N`) so memory is that process's own.
enum Scaling {
    /// The child: a home with N servers and N token files; prints
    /// "N startup_ms peak_rss_kib inotify_watches change_p50_ms change_p99_ms".
    static func one(_ n: Int) async throws {
        let root = NSTemporaryDirectory() + "hermes-scale-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let home = HermesHome(path: root)
        var config = "mcp_servers:\n"
        for i in 0..<n { config += "  s\(i):\n    url: https://mcp\(i).example.com/mcp\n    auth: oauth\n" }
        try config.write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        for i in 0..<n {
            try TokenStore(home: home, serverName: "s\(i)")
                .save(tokens: OAuthTokens(accessToken: "access-\(i)-" + String(repeating: "x", count: 40), refreshToken: "r\(i)",
                                          expiresAt: Date().timeIntervalSince1970 + 86400))
        }

        let arrivals = Arrivals()
        let start = now()
        let manager = OAuthManager(home: home)
        _ = manager.subscribe { event in arrivals.add(now()) }
        for i in 0..<n { _ = try await manager.accessToken(for: "s\(i)") }
        let startup = now() - start

        // One external change at a time, to a random server, until the subscriber hears of it.
        var latencies: [Double] = []
        let data = JSONObject.encode(OAuthTokens(accessToken: "changed", expiresAt: Date().timeIntervalSince1970 + 86400).json())
        for _ in 0..<200 {
            let name = "s\(Int.random(in: 0..<n))"
            let path = TokenStore(home: home, serverName: name).tokensPath
            let tmp = home.tokenDirectory + "/.scale.tmp"
            _ = FileManager.default.createFile(atPath: tmp, contents: data)
            let before = arrivals.count
            let t = now()
            rename(tmp, path)
            while arrivals.count == before {
                if arrivals.signal.wait(timeout: .now() + 2) == .timedOut { break }
            }
            if let arrived = arrivals.last, arrivals.count > before { latencies.append(arrived - t) }
        }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").dropFirst().first ?? "0"
        print("\(n) \(String(format: "%.2f", startup * 1e3)) \(hwm) \(inotifyWatches()) "
              + "\(String(format: "%.3f", percentile(latencies, 0.5) * 1e3)) \(String(format: "%.3f", percentile(latencies, 0.99) * 1e3))")
    }

    /// Watches held by this process's inotify instances (one "inotify wd:" line each in fdinfo).
    static func inotifyWatches() -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var watches = 0
        for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == "anon_inode:inotify" {
            let info = (try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8)) ?? ""
            watches += info.split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
        }
        return watches
    }

    /// The parent: runs each size in its own process and prints the table.
    static func table(sizes: [Int]) throws {
        print("## Scaling: N configured OAuth servers, each with a token file\n")
        print("| servers | start-up (manager, all tokens loaded, watcher on) | peak RSS | inotify watches | one external change → subscriber p50 | p99 |")
        print("| --- | --- | --- | --- | --- | --- |")
        for n in sizes {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            p.arguments = ["scale-one", "\(n)"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let f = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            guard f.count == 6, let kib = Double(f[2]) else { print("| \(n) | failed: \(text) | | | | |"); continue }
            print("| \(n) | \(f[1]) ms | \(String(format: "%.1f", kib / 1024)) MiB | \(f[3]) | \(f[4]) ms | \(f[5]) ms |")
        }
        print("")
    }
}

final class Arrivals: @unchecked Sendable {
    let lock = NSLock()
    var times: [Double] = []
    let signal = DispatchSemaphore(value: 0)
    func add(_ t: Double) { lock.withLock { times.append(t) }; signal.signal() }
    var count: Int { lock.withLock { times.count } }
    var last: Double? { lock.withLock { times.last } }
}
