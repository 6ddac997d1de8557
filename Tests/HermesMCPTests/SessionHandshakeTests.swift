import Foundation
import HermesMCP
import HermesOAuth
import HermesTestSupport
import Testing

/// The streamable-HTTP handshake against the official SDK's server: `notifications/initialized`
/// must carry the session id the initialize response named. It used to race that header (the SDK
/// sends the notification as soon as it sees the result, which arrived before the exchange's
/// headers were read): about one connect in eight got a 400 and was tried again a second later.
@Suite(.timeLimit(.minutes(2))) struct SessionHandshakeTests {
    static let key = "handshake-key-0123456789"

    @Test func everyConnectSucceedsOnItsFirstTry() async throws {
        let peer = try await OAuthPeer(settings: ["static_bearer": Self.key])
        defer { peer.stop() }
        let dir = TemporaryDirectory()
        // The handshake exists only before 2026-07-28, which this peer would otherwise speak.
        let yaml = "mcp_servers:\n  h:\n    url: \(peer.mcpURL)\n    protocol_version: 2025-11-25\n    headers:\n      Authorization: Bearer \(Self.key)\n"
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        let manager = OAuthManager(home: HermesHome(path: dir.path))
        var retried: [Int] = []
        for round in 1...40 {
            let task = MCPServerTask(config: config, manager: manager)
            _ = try await task.connection()
            if await task.connectionAttempts != 1 { retried.append(round) }
            await task.shutdown()
        }
        #expect(retried.isEmpty, "connects that needed more than one try: \(retried)")
        // And the server was asked to initialize once per connect, never again after a refusal.
        let initializes = try await peer.log().filter { $0.method == "POST" && $0.json["method"] as? String == "initialize" }
        #expect(initializes.count == 40, "\(initializes.count) initialize requests for 40 connects")
    }
}
