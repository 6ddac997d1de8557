import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A server redeployed in another era while hermes is connected (era_server.py `become`): the
/// refusal of the revision hermes spoke (-32022, or the 400 of a server that now speaks only the
/// other lifecycle) makes hermes forget what it remembered, negotiate again and resend once
/// (2026-07-28 basic/versioning: "select a mutually supported version … and retry"); a pinned
/// revision is not renegotiated but ends in a sentence saying so.
@Suite(.timeLimit(.minutes(2))) struct EraChangeTests {
    @Test(arguments: [("modern", "2026-07-28", "stateful", "2025-11-25"), ("stateful", "2025-11-25", "modern", "2026-07-28")])
    func aServerRedeployedInTheOtherEraIsNegotiatedWithAgain(from: String, first: String, to: String, then: String) async throws {
        let peer = try await EraPeer(mode: from)
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "before"]) == #"{"result": "before"}"#)
        #expect(try await task.connection().protocolVersion == first)
        try await peer.become(to)
        let answer = await ops.callTool("echo", arguments: ["text": "after"])
        #expect(answer == #"{"result": "after"}"#, "\(answer)")
        #expect(try await task.connection().protocolVersion == then)
        // And it stays: the next call goes straight to the new revision.
        #expect(await ops.callTool("echo", arguments: ["text": "again"]) == #"{"result": "again"}"#)
        await task.shutdown()
        let calls = try await peer.log().filter { $0.rpc == "tools/call" }.map { $0.headers["mcp-protocol-version"] ?? "" }
        #expect(calls == [first, first, then, then], "\(calls)")
    }

    /// A reconnection (after a lost session, an idle stop, max_lifetime) remembers an `initialize`
    /// revision; refused with -32022, hermes takes the revision the refusal names at once.
    @Test func aRememberedRevisionRefusedOnReconnectIsForgotten() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        let first = try await task.connection()
        try await peer.become("modern")
        let second = try await task.reconnect(after: first.generation)
        #expect(second.protocolVersion == "2026-07-28")
        #expect(second.generation == first.generation + 1, "connected in one try")
        await task.shutdown()
    }

    @Test func aPinnedRevisionRefusedLaterIsOneClearFailure() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)\nprotocol_version: 2025-11-25")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "before"]) == #"{"result": "before"}"#)
        try await peer.become("modern")
        let answer = await ops.callTool("echo", arguments: ["text": "after"])
        #expect(answer.contains("pinned protocol_version 2025-11-25") && answer.contains("this server speaks only 2026-07-28"), "\(answer)")
        await task.shutdown()
        let log = try await peer.log()
        #expect(!log.contains { $0.rpc == "server/discover" }, "a pinned revision was renegotiated")
        #expect(log.filter { $0.rpc == "initialize" }.count == 1)
    }
}
