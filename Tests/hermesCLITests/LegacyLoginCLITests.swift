import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// What `hermes mcp login` says about MCP 2025-03-26 servers and about servers that do not offer
/// the authorization code grant.
@Suite(.timeLimit(.minutes(2))) struct LegacyLoginCLITests {
    let dir = TemporaryDirectory("hermes-legacy-login")

    func login(_ peer: OAuthPeer) async throws -> ProgramResult {
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
            """)
        return try await run(Build.product("hermes"), ["mcp", "login", "demo"],
                             environment: Build.environment(home: dir.path, extra: Peers.browser(record: dir.file("browser.log"))))
    }

    @Test func aLoginByTheDefaultEndpointsSaysSo() async throws {
        let peer = try await OAuthPeer(settings: ["prm_location": "none", "prm_in_header": false, "asm_location": "none"])
        defer { peer.stop() }
        let result = try await login(peer)
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("using the legacy MCP 2025-03-26 default endpoints /authorize, /token and /register on its own origin"))
        #expect(result.stdout.contains("Legacy MCP 2025-03-26 authorization was used (2025-03-26 default endpoints)."))
    }

    @Test func addingAServerWithOnlyOriginMetadataSaysSo() async throws {
        let peer = try await OAuthPeer(settings: ["prm_location": "none", "prm_in_header": false])
        defer { peer.stop() }
        let result = try await run(Build.product("hermes"), ["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--all-tools"],
                                   environment: Build.environment(home: dir.path, extra: Peers.browser()))
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("The server publishes no protected resource metadata: using the legacy MCP 2025-03-26 rules"))
        #expect(result.stdout.contains("Legacy MCP 2025-03-26 authorization was used (2025-03-26 origin metadata)."))
        #expect(result.stdout.contains("✓ Saved 'demo' to"))
    }

    @Test func aServerWithoutTheAuthorizationCodeGrantGetsAPlainRefusal() async throws {
        let peer = try await OAuthPeer(settings: ["asm_overrides": ["grant_types_supported": ["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"]]])
        defer { peer.stop() }
        let result = try await login(peer)
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not offer the authorization_code grant that hermes logs in with (it offers: client_credentials, urn:ietf:params:oauth:grant-type:jwt-bearer)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("browser.log")))
    }
}
