import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import HermesMCP

/// The runtime's reload reports, for a test to wait on.
final class ReloadLog: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [MCPRuntime.ReloadReport] = []
    func add(_ r: MCPRuntime.ReloadReport) { lock.withLock { all.append(r) } }
    var reports: [MCPRuntime.ReloadReport] { lock.withLock { all } }

    /// Bounded polling until there are more than `n` reports.
    func wait(beyond n: Int, seconds: Double = 20) async -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if reports.count > n { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return reports.count > n
    }
}

/// config.yaml reaches the runtime through the manager's watcher of the home, as events: no
/// thread of the runtime's own, nothing polled, nothing left running after `shutdown()`.
@Suite(.timeLimit(.minutes(2))) struct RuntimeWatchTests {
    func stdio(_ name: String) throws -> String {
        "  \(name):\n    command: \(try Peers.python)\n    args: [\(Peers.script("plain_stdio_server.py"))]\n"
    }

    @Test func renamesInPlaceEditsAndRecreationAreNoticedWithoutAThreadOfItsOwn() async throws {
        let dir = TemporaryDirectory("hermes-runtime-watch")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n" + (try stdio("a")))
        let manager = OAuthManager(home: home)
        let runtime = MCPRuntime(home: home, manager: manager)
        let log = ReloadLog()
        await runtime.onReload { log.add($0) }
        #expect(manager.watcherThreadID == nil)
        try await runtime.start()
        let watcher = try #require(manager.watcherThreadID)
        #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(watcher)"))

        // Replaced by rename (an editor's atomic save, hermes-agent's writer).
        try dir.write("config.yaml.new", "mcp_servers:\n" + (try stdio("a")) + (try stdio("b")))
        #expect(rename(dir.file("config.yaml.new"), home.configPath) == 0)
        #expect(await log.wait(beyond: 0))
        #expect(log.reports.last?.added == ["b"])

        // Edited in place, in a burst of writes: one reload.
        for _ in 0..<10 { writeInPlace(home.configPath, "mcp_servers:\n" + (try stdio("b"))) }
        #expect(await log.wait(beyond: 1))
        #expect(log.reports.last?.removed == ["a"])
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(log.reports.count == 2)

        // Deleted, then created again.
        unlink(home.configPath)
        #expect(await log.wait(beyond: 2))
        #expect(log.reports.last?.removed == ["b"])
        writeInPlace(home.configPath, "mcp_servers:\n" + (try stdio("c")))
        #expect(await log.wait(beyond: 3))
        #expect(log.reports.last?.added == ["c"])
        #expect(await runtime.serverNames() == ["c"])

        await runtime.shutdown()
        // The manager had no other use for its watcher: the thread was joined.
        #expect(manager.watcherThreadID == nil)
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(watcher)"))
    }

    @Test func aRuntimeThatCannotLoadItsConfigLeavesNoWatcherBehind() async throws {
        let dir = TemporaryDirectory("hermes-runtime-watch-bad")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers: [unclosed\n")
        let manager = OAuthManager(home: home)
        let runtime = MCPRuntime(home: home, manager: manager)
        await #expect(throws: ConfigError.self) { try await runtime.start() }
        #expect(manager.watcherThreadID == nil)
    }
}
