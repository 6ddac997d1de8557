import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A request hermes stops waiting for is called off at the server, the way its revision and
/// transport say (`notifications/cancelled` on stdio and on the `initialize` revisions over HTTP;
/// on 2026-07-28 over HTTP, closing the stream), and the streams that carry change notifications
/// are not cut by the per-request timeout: against the official SDK's server.
@Suite(.timeLimit(.minutes(2))) struct CancellationTests {
    static func task(_ entry: String, timeout: Int, connectTimeout: Int = 20) throws -> (MCPServerTask, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let yaml = "mcp_servers:\n  c:\n" + entry.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + "\n    connect_timeout: \(connectTimeout)\n    timeout: \(timeout)\n"
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        return (MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path))), dir)
    }

    @Test(arguments: ["dual", "legacy"])
    func aStdioCallThatTimesOutIsCalledOffAtTheServer(mode: String) async throws {
        let (command, args) = try EraPeer.stdio(mode: mode)
        let (task, dir) = try Self.task("command: \(command)\nargs: [\(args.joined(separator: ", "))]", timeout: 2)
        _ = try await task.connection()
        let answer = await MCPOperations(task: task).callTool("hang", arguments: [:])
        #expect(answer.contains("timed out"), "\(answer)")
        // Read while the server still runs: its shutdown would cancel the call too.
        let log = dir.file("logs/mcp-stderr.log")
        let heard = try await waitUntil(timeout: 10, poll: 0.1) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("hang was cancelled")
        }
        #expect(heard, "the server never heard the call was called off")
        await task.shutdown()
    }

    @Test(arguments: [("stateful", true), ("dual", false)])
    func anHTTPCallThatTimesOutIsCalledOffAsItsRevisionSays(mode: String, notifies: Bool) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)", timeout: 2)
        let answer = await MCPOperations(task: task).callTool("hang", arguments: [:])
        #expect(answer.contains("timed out"), "\(answer)")
        let cancelled = try await waitUntil(timeout: notifies ? 10 : 2, poll: 0.1) {
            try await peer.log().contains { $0.rpc == "notifications/cancelled" }
        }
        // 2026-07-28 over HTTP: the closed stream is the cancellation, and nothing is posted.
        #expect(cancelled == notifies)
        await task.shutdown()
    }

    /// The change stream of a server lasts as long as the server keeps it, not the few seconds a
    /// request may take (the larger of `timeout` and `connect_timeout`): cut and reopened, it would
    /// report every list changed each time.
    @Test(arguments: [("dual", "subscriptions/listen"), ("stateful", "GET")])
    func theChangeStreamOutlivesTheRequestTimeout(mode: String, opened: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)", timeout: 2, connectTimeout: 3)
        let heard = Recorded<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        func opens() async throws -> Int {
            try await peer.log().filter { $0.rpc == opened || ($0.method == opened && $0.rpc == nil) }.count
        }
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { try await opens() == 1 })
        try await Task.sleep(nanoseconds: 7_000_000_000)
        #expect(try await opens() == 1, "the stream was opened again")
        #expect(heard.values.isEmpty, "\(heard.values)")
        await task.shutdown()
    }
}
