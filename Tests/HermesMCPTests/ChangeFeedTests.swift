import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A host that subscribed hears of a server's changed lists, on every lifecycle and transport:
/// the 2026-07-28 `subscriptions/listen` stream (HTTP and stdio), the standalone GET stream of the
/// older revisions, and a stdio server's output; the task's tool list is brought up to date first.
@Suite(.timeLimit(.minutes(2))) struct ChangeFeedTests {
    func followsAnAddedTool(_ entry: String, expected: String) async throws {
        let (task, _) = try ProtocolEraTests.task(entry)
        let heard = Recorded<[MCPChange]>()
        await task.onChange { heard.record($0) }
        let connection = try await task.connection()
        #expect(connection.protocolVersion == expected)
        #expect(!connection.tools.contains { $0.name == "fresh" })
        // The stream is opened in the background: a tool added before it is in place would be
        // announced to nobody, so the change is asked for until it is heard.
        let ops = MCPOperations(task: task)
        var round = 0
        let ok = try await waitUntil(timeout: 30, poll: 0.5) {
            // [.tools] alone is the server's notification; a stream opened again reports every list.
            if heard.values.contains([.tools]) { return true }
            round += 1
            _ = await ops.callTool("add_tool", arguments: ["name": .string("fresh\(round)")])
            return false
        }
        #expect(ok, "no change heard: \(heard.values)")
        #expect(!heard.values.contains([.tools, .prompts, .resources]), "the stream broke: \(heard.values)")
        #expect(try await task.connection().tools.contains { $0.name.hasPrefix("fresh") })
        await task.shutdown()
    }

    @Test(arguments: [("dual", "2026-07-28"), ("stateful", "2025-11-25")])
    func overHTTP(mode: String, expected: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        try await followsAnAddedTool("url: \(peer.url)", expected: expected)
        let log = try await peer.log()
        if expected == "2026-07-28" {
            #expect(log.contains { $0.rpc == "subscriptions/listen" })
        } else {
            #expect(log.contains { $0.method == "GET" })
        }
    }

    @Test(arguments: [("dual", "2026-07-28"), ("legacy", "2025-11-25")])
    func overStdio(mode: String, expected: String) async throws {
        let (command, args) = try await EraPeer.stdio(mode: mode)
        try await followsAnAddedTool("command: \(command)\nargs: [\(args.joined(separator: ", "))]", expected: expected)
    }
}

/// The standalone GET stream of a 2025-11-25 session that the server closes is opened again with
/// `Last-Event-ID`, and what the server sent meanwhile is replayed to the host.
@Suite(.timeLimit(.minutes(2))) struct StandaloneStreamResumptionTests {
    @Test func aClosedGETStreamIsTakenUpWhereItEnded() async throws {
        let peer = try await EraPeer(mode: "stateful", arguments: ["--resumable"])
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        let heard = Recorded<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { try await peer.log().contains { $0.method == "GET" } })
        // An event on the stream first: the SDK's GET stream has no priming event, so a place to
        // resume from exists only once something was sent on it.
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("add_tool", arguments: ["name": "first"]) == #"{"result": "tool first added"}"#)
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { heard.values.contains([.tools]) }, "\(heard.values)")
        let before = heard.values.filter { $0 == [.tools] }.count
        #expect(await ops.callTool("drop_listen", arguments: [:]) == #"{"result": "dropped"}"#)
        let resumed = try await waitUntil(timeout: 15, poll: 0.1) {
            try await peer.log().contains { $0.method == "GET" && $0.headers["last-event-id"] != nil }
        }
        let gets = try await peer.log().filter { $0.method == "GET" }.map(\.headers)
        #expect(resumed, "GETs: \(gets)")
        // The change announced while the stream was down arrives as the server's own notification.
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { heard.values.filter { $0 == [.tools] }.count > before }, "\(heard.values)")
        await task.shutdown()
    }
}
