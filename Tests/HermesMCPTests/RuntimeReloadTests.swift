import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import HermesMCP

final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [MCPRuntime.ReloadReport] = []
    func add(_ r: MCPRuntime.ReloadReport) { lock.withLock { all.append(r) } }
    /// The reports that say something happened: the watcher may also report the config written
    /// before the runtime started, a reload that changed nothing.
    private var changes: [MCPRuntime.ReloadReport] { all.filter { $0 != MCPRuntime.ReloadReport() } }
    var last: MCPRuntime.ReloadReport? { lock.withLock { changes.last } }
    var count: Int { lock.withLock { changes.count } }

    func wait(beyond n: Int, seconds: Double = 20) async -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if count > n { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return count > n
    }
}

@Suite(.timeLimit(.minutes(2))) struct RuntimeReloadTests {
    func stdio(_ name: String, _ extra: String = "") throws -> String {
        "  \(name):\n    command: \(try Peers.python)\n    args: [\(Peers.script("plain_stdio_server.py"))]\n\(extra)"
    }

    @Test func anEditedConfigReloadsOnlyWhatChangedInTheBackground() async throws {
        let dir = TemporaryDirectory("hermes-reload")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n" + (try stdio("a")) + (try stdio("b")))
        let runtime = MCPRuntime(home: home, manager: OAuthManager(home: home))
        let reports = Reports()
        await runtime.onReload { reports.add($0) }
        try await runtime.start()
        let a = try #require(await runtime.operations(for: "a"))
        let b = try #require(await runtime.operations(for: "b"))
        #expect(await a.callTool("echo", arguments: ["text": "a1"]) == #"{"result": "a1"}"#)
        #expect(await b.callTool("echo", arguments: ["text": "b1"]) == #"{"result": "b1"}"#)
        let bPid = try await (b.task.connection().transport as? StdioMCPTransport)?.process.pid ?? 0

        // Edit through hermes' own writer (an atomic rename), as `hermes mcp add` would.
        try ConfigFile.update(home: home) { file in
            try file.removeServer(named: "b")
            try file.setServer(named: "c", try #require(try ConfigFile(path: "/x", text: "mcp_servers:\n" + (try stdio("c"))).rawServer(named: "c")))
        }
        #expect(await reports.wait(beyond: 0))
        let report = try #require(reports.last)
        #expect(report.added == ["c"] && report.removed == ["b"] && report.reconnected.isEmpty && !report.timedOut)
        #expect(await runtime.serverNames() == ["a", "c"])
        // The unchanged server kept its session; the removed one's process is gone.
        #expect(try await a.task.connection().generation == 1)
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(bPid > 0 && kill(bPid, 0) != 0)
        let c = try #require(await runtime.operations(for: "c"))
        #expect(await c.callTool("add", arguments: ["a": 1, "b": 1]) == #"{"result": "2"}"#)
        await runtime.shutdown()
    }

    /// An edit that leaves config.yaml unusable changes nothing: the servers go on as they were,
    /// and the report (and a warning) says why the edit was refused.
    @Test func anUnusableEditKeepsTheServersAndSaysWhy() async throws {
        let dir = TemporaryDirectory("hermes-reload")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n" + (try stdio("a")))
        let runtime = MCPRuntime(home: home, manager: OAuthManager(home: home))
        let reports = Reports()
        await runtime.onReload { reports.add($0) }
        try await runtime.start()
        let a = try #require(await runtime.operations(for: "a"))
        #expect(await a.callTool("echo", arguments: ["text": "a1"]) == #"{"result": "a1"}"#)
        writeInPlace(dir.file("config.yaml"), "mcp_servers:\n  a: [unclosed\n")
        #expect(await reports.wait(beyond: 0))
        #expect(reports.last?.refused?.contains("config.yaml") == true, "\(String(describing: reports.last))")
        #expect(await runtime.serverNames() == ["a"])
        #expect(await a.callTool("echo", arguments: ["text": "a2"]) == #"{"result": "a2"}"#)
        await runtime.shutdown()
    }

    @Test func aReloadThatHangsIsAbandonedAndNothingWaitsForIt() async throws {
        let dir = TemporaryDirectory("hermes-reload-hang")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n" + (try stdio("a")))
        let runtime = MCPRuntime(home: home, manager: OAuthManager(home: home), reloadTimeout: 1)
        let reports = Reports()
        await runtime.onReload { reports.add($0) }
        try await runtime.start()
        let a = try #require(await runtime.operations(for: "a"))
        #expect(await a.callTool("echo", arguments: ["text": "x"]) == #"{"result": "x"}"#)
        // A server that never answers `initialize`, with a duration no other test's `sleep` has,
        // so the search for it below finds this one alone.
        let seconds = "59.\(Int.random(in: 100_000...999_999))"
        try dir.write("config.yaml", "mcp_servers:\n" + (try stdio("a")) + "  stuck:\n    command: sleep\n    args: ['\(seconds)']\n    connect_timeout: 60\n")
        let start = Date()
        #expect(await a.callTool("echo", arguments: ["text": "during"]) == #"{"result": "during"}"#)
        #expect(await reports.wait(beyond: 0))
        #expect(reports.last?.timedOut == true)
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(await a.callTool("echo", arguments: ["text": "after"]) == #"{"result": "after"}"#)
        await runtime.shutdown()
        // The server that never answered is stopped with the rest.
        try await Task.sleep(nanoseconds: 300_000_000)
        let left = try await run("/usr/bin/env", ["pgrep", "-f", "bin/sleep \(seconds)$"])
        #expect(left.stdout.isEmpty, "left behind: \(left.stdout)")
    }
}
