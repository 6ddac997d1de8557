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

    /// The SDK's stdio server of the initialize revisions (Hostile2026StreamTests covers 2026-07-28
    /// on stdio).
    @Test(arguments: ["legacy"])
    func aStdioCallThatTimesOutIsCalledOffAtTheServer(mode: String) async throws {
        let (command, args) = try await EraPeer.stdio(mode: mode)
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
        // Connecting gets 6 s (a slow CI host); the stream used to be cut at 6 s and 12 s.
        let (task, _) = try Self.task("url: \(peer.url)", timeout: 2, connectTimeout: 6)
        let heard = Recorded<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        func opens() async throws -> Int {
            try await peer.log().filter { $0.rpc == opened || ($0.method == opened && $0.rpc == nil) }.count
        }
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { try await opens() == 1 })
        try await Task.sleep(nanoseconds: 13_000_000_000)
        #expect(try await opens() == 1, "the stream was opened again")
        #expect(heard.values.isEmpty, "\(heard.values)")
        await task.shutdown()
    }
}

/// What a stdio connection leaves behind per call, and a request made on one that already ended.
@Suite(.timeLimit(.minutes(2))) struct StdioConnectionLifetimeTests {
    /// Every call waits on its connection's "closed" signal; a wait that outlived its call kept the
    /// call's tasks alive (about 12 KB a call) until the server exited.
    @Test func callsLeaveNoWaitersOnTheConnection() async throws {
        let (task, _) = try CancellationTests.task("command: \(try Peers.python)\nargs: [\(Peers.script("plain_stdio_server.py"))]", timeout: 20)
        let ops = MCPOperations(task: task)
        for i in 0..<100 {
            #expect(await ops.callTool("echo", arguments: ["text": .string("\(i)")]) == #"{"result": "\#(i)"}"#)
        }
        let transport = try #require(try await task.connection().transport as? StdioMCPTransport)
        // The connection's own watch (the upkeep's) may wait; no call's does.
        let left = try await waitUntil(timeout: 5, poll: 0.05) { transport.closed.waiting <= 1 }
        #expect(left, "\(transport.closed.waiting) waiters after 100 calls")
        await task.shutdown()
    }

    /// The reason a connection ended belongs to the request that saw it (here a 64 MiB line); a
    /// later request is told the connection is gone, which the runtime answers by connecting again
    /// (it was told the first request's fault, and gave up).
    @Test func aRequestOnAnEndedSessionFindsItLost() async throws {
        let (task, _) = try CancellationTests.task("command: \(try Peers.python)\nargs: [\(Peers.script("hostile_mcp_stdio.py")), endless-line, ping]", timeout: 20)
        let session = try await task.connection().session
        await #expect {
            _ = try await session.request("ping", params: [:])
        } throws: { "\($0)".contains("so hermes stopped it") }
        await #expect {
            _ = try await session.request("tools/list", params: [:])
        } throws: { MCPErrors.isSessionLost($0) && !MCPErrors.isServerFault($0) }
        await task.shutdown()
    }
}

/// A stdio server that stops reading its input: the pipe fills, and a large request waits for
/// room only as long as its call does (it blocked a thread forever before, past every timeout).
@Suite(.timeLimit(.minutes(2))) struct DeafStdioServerTests {
    @Test func aServerThatStopsReadingCostsTheCallItsTimeoutAndNothingMore() async throws {
        let (task, _) = try CancellationTests.task("command: \(try Peers.python)\nargs: [\(Peers.script("hostile_mcp_stdio.py")), deaf, tools/list]", timeout: 3)
        _ = try await task.connection()
        let ops = MCPOperations(task: task)
        let start = ContinuousClock.now
        // Far more than a pipe holds (64 KiB): the write cannot finish while nobody reads.
        let answer = await ops.callTool("echo", arguments: ["text": .string(String(repeating: "a", count: 400_000))])
        let spent = ContinuousClock.now - start
        #expect(answer.contains("\"error\""), "\(answer)")
        #expect(spent < .seconds(10), "took \(spent)")
        await task.shutdown()
    }
}
