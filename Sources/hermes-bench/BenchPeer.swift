import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// What the bench needs to stand up its peers, kept here rather than borrowed from the tests'
// HermesTestSupport: a shipped program must not link test support.

/// The package root (for the Python peers) and the build's products directory (for
/// hermes-test-helper, built next to this program).
enum BenchPaths {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static let products: String = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().path

    static func peerScript(_ name: String) -> String { packageRoot + "/Tests/PythonPeers/" + name }

    /// `$BROWSER`: the peers' script that approves the authorization at once.
    static var browser: [String: String] { ["BROWSER": peerScript("browser.sh")] }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// A fresh directory under the system temp dir, removed when released.
final class BenchDirectory {
    let path: String

    init(_ label: String) {
        var bytes = Array((NSTemporaryDirectory() + "/\(label).XXXXXX").utf8CString)
        guard let made = mkdtemp(&bytes) else { fatalError("mkdtemp failed") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        chmod(path + "/" + name, 0o600)
    }
}

/// Tests/PythonPeers/oauth_server.py (the MCP Python SDK's OAuth-protected server) on loopback. It
/// prints `READY {json}` once listening and exits when its stdin closes. Its state is set once in
/// `init`; `stop` only closes and signals.
final class BenchOAuthPeer: @unchecked Sendable {
    let mcpURL: String
    private let admin: String
    private let process = Process()
    private let stdin = Pipe()

    init() throws {
        let python = BenchPaths.packageRoot + "/.peers/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BenchError(description: "\(python) is missing: run scripts/peers.sh")
        }
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [BenchPaths.peerScript("oauth_server.py"), "--config", "{}"]
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        // Line by line until READY: the peer keeps its stdout open, so reading to the end would wait forever.
        var line: [UInt8] = []
        var info: [String: Any]?
        let fd = out.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(30)
        while info == nil, Date() < deadline, process.isRunning {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { break }
            guard byte == 0x0A else { line.append(byte); continue }
            let text = String(decoding: line, as: UTF8.self)
            line = []
            if text.hasPrefix("READY ") {
                info = try? JSONSerialization.jsonObject(with: Data(text.dropFirst(6).utf8)) as? [String: Any]
            }
        }
        mcpURL = info?["mcp_url"] as? String ?? ""
        admin = info?["admin"] as? String ?? ""
        guard !mcpURL.isEmpty, !admin.isEmpty else {
            stop()
            throw BenchError(description: "the OAuth peer did not start")
        }
    }

    deinit { stop() }

    /// Closes stdin (the peer exits on EOF), then SIGTERM, then SIGKILL, each with a deadline.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        for signal in [Int32(0), SIGTERM, SIGKILL] where process.isRunning {
            if signal != 0 { kill(process.processIdentifier, signal) }
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning, Date() < deadline { usleep(10_000) }
        }
        if process.processIdentifier != 0 { process.waitUntilExit() }
    }

    /// POSTs an admin action such as "/revoke-access".
    func call(_ path: String) async throws { _ = try await request("POST", path) }

    /// How many refresh-token grants the token endpoint has seen.
    func refreshCount() async throws -> Int {
        let entries = try JSONSerialization.jsonObject(with: try await request("GET", "/log")) as? [[String: Any]] ?? []
        return entries.filter { entry in
            let form = entry["form"] as? [String: String] ?? [:]
            let query = entry["query"] as? [String: String] ?? [:]
            return entry["path"] as? String == "/token" && (query["grant_type"] ?? form["grant_type"]) == "refresh_token"
        }.count
    }

    private func request(_ method: String, _ path: String) async throws -> Data {
        var request = URLRequest(url: URL(string: admin + path)!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw BenchError(description: "admin \(path) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}
