import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// What a 2026-07-28 server's answer to the `server/discover` probe means when it is not a
/// revision hermes can speak statelessly (hostile_mcp_2026.py): a modern answer is never read as
/// "an older server" (transports, "Backward Compatibility": a recognized modern error means
/// "retry … or correct the request, rather than falling back"; stdio: a DiscoverResult means the
/// server is modern). Each server would agree to `initialize`, so falling back would "work".
@Suite(.timeLimit(.minutes(2))) struct DiscoverVerdictTests {
    static func probe(_ attack: String) async throws -> (MCPRuntimeHostileTests.Outcome, [String: Int]) {
        let peer = try await Hostile2026Tests.peer(attack)
        defer { peer.stop() }
        let outcome = try await MCPRuntimeHostileTests.mcpTest(try Hostile2026Tests.home(peer), server: "h")
        return (outcome, try await Hostile2026Tests.requests(peer))
    }

    @Test func aDiscoverResultNamingOnlyUnknownVersionsIsOneClearError() async throws {
        let (outcome, asked) = try await Self.probe("discover-unknown")
        #expect(!outcome.connected)
        #expect(outcome.error.contains("'h' speaks only MCP 2099-01-01, 1999-01-01, hermes speaks MCP 2026-07-28, 2025-11-25"), "\(outcome.json)")
        #expect(asked["server/discover"] == 1 && asked["initialize"] == nil, "\(asked)")
    }

    /// A server of both eras that lists an `initialize` revision hermes speaks: `initialize`, offering it.
    @Test func aDiscoverResultNamingAnInitializeRevisionIsSpokenToInIt() async throws {
        let (outcome, asked) = try await Self.probe("discover-future-and-old")
        #expect(outcome.connected, "\(outcome.json)")
        #expect(outcome.json["protocol_version"] as? String == "2025-06-18", "\(outcome.json)")
        #expect(asked["server/discover"] == 1 && asked["initialize"] == 1, "\(asked)")
    }

    @Test(arguments: [("discover-mismatch", "refused the HTTP headers of hermes' server/discover (-32020 header mismatch: Mcp-Method header does not match"),
                      ("discover-capability", "requires client capabilities hermes does not offer it (")])
    func aModernErrorToTheProbeIsSaidNotReadAsAnOlderServer(attack: String, says: String) async throws {
        let (outcome, asked) = try await Self.probe(attack)
        #expect(!outcome.connected)
        #expect(outcome.error.contains(says), "\(outcome.json)")
        if attack == "discover-capability" { #expect(outcome.error.contains("sampling"), "\(outcome.json)") }
        for raw in Hostile2026Tests.rawInjections { #expect(!outcome.error.contains(raw), "\(outcome.error.debugDescription)") }
        #expect(asked["server/discover"] == 1 && asked["initialize"] == nil, "\(asked)")
    }
}
