import Foundation
import HermesMCP
import HermesOAuth
import MCP

/// `hermes-bench mcp-calls URL COUNT [--ca FILE] [--tool NAME] [--arguments JSON]`: COUNT sequential
/// calls of one tool through the runtime (`MCPServerTask`, as `hermes mcp call` and the agent make
/// them) in this one process, to a streamable HTTP server; `--ca` is the entry's `ssl_ca:`. Prints
/// one JSON line: calls, answers that succeeded, each call's milliseconds, the first failure, and
/// this process's peak RSS. The connect (discovery or initialize) is made before the first timed call.
/// bench/mcp_calls.sh runs it, and ConnectionReuseTests run it behind a proxy (`HTTPS_PROXY` reaches
/// only this process).
enum MCPCalls {
    static func run(_ arguments: [String]) async throws {
        guard arguments.count >= 2, let count = Int(arguments[1]) else {
            throw BenchError(description: "usage: hermes-bench mcp-calls URL COUNT [--ca FILE] [--tool NAME] [--arguments JSON]")
        }
        var options: [String: String] = [:]
        var rest = arguments.dropFirst(2).makeIterator()
        while let flag = rest.next() {
            guard flag.hasPrefix("--"), let value = rest.next() else { throw BenchError(description: "\(flag) needs a value") }
            options[String(flag.dropFirst(2))] = value
        }
        let tool = options["tool"] ?? "echo"
        let toolArguments = try decode(options["arguments"] ?? #"{"text": "bench"}"#)

        let home = BenchDirectory("hermes-bench-calls")
        var entry = "mcp_servers:\n  bench:\n    url: \(arguments[0])\n    connect_timeout: 30\n    timeout: 120\n"
        if let ca = options["ca"] { entry += "    ssl_ca: \(ca)\n" }
        guard let config = try ConfigFile(path: home.path + "/config.yaml", text: entry).servers(environment: [:]).first else {
            throw BenchError(description: "no server in \(entry)")
        }
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
        let operations = MCPOperations(task: task)
        var connectFailure: String?
        do { _ = try await task.connection() } catch { connectFailure = "\(error)" }

        var milliseconds: [Double] = []
        var succeeded = 0
        var firstFailure = connectFailure
        // The client's own cost: CPU this process spent on the calls (the server's is not in it).
        let cpuStart = Self.cpuSeconds()
        for _ in 0..<count where connectFailure == nil {
            let start = TokenCell.now()
            let answer = await operations.call(tool: tool, arguments: toolArguments)
            milliseconds.append((TokenCell.now() - start) * 1000)
            if case .success = answer { succeeded += 1 } else if firstFailure == nil { firstFailure = String(answer.json.prefix(400)) }
        }
        let cpuMilliseconds = (Self.cpuSeconds() - cpuStart) * 1000
        await task.shutdown()
        var report: [String: Any] = ["calls": count, "ok": succeeded, "ms": milliseconds, "peak_rss_kib": peakRSS() ?? -1,
                                     "cpu_ms": cpuMilliseconds]
        if let firstFailure { report["first_failure"] = firstFailure }
        let line = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: line, as: UTF8.self))
    }

    private static func decode(_ text: String) throws -> [String: Value] {
        try JSONDecoder().decode([String: Value].self, from: Data(text.utf8))
    }

    /// CPU time of this process so far (all threads), in seconds.
    private static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// VmHWM from /proc/self/status, in KiB.
    private static func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
}
