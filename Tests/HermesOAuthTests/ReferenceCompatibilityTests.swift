import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// Files travel both ways between hermes and hermes-agent: checked with the MCP SDK's own pydantic
/// models (`OAuthToken`, `OAuthClientInformationFull`, `OAuthMetadata`), read and written the way
/// hermes-agent's storage does.
@Suite struct ReferenceCompatibilityTests {
    let dir = TemporaryDirectory("hermes-compat")
    var home: HermesHome { HermesHome(path: dir.path) }

    @Test func filesHermesWritesValidateInTheReference() async throws {
        let store = TokenStore(home: home, serverName: "shared")
        let saved = Date()
        let expiry = saved.timeIntervalSince1970 + 1800
        // An hour's token with half an hour left: the file's expires_in is the lifetime (3600), as
        // hermes-agent writes it, and the reference takes what is left from expires_at.
        try store.save(tokens: OAuthTokens(accessToken: "sw-access-0123456789", refreshToken: "sw-refresh-0123456789",
                                           scope: "read write", expiresAt: expiry, lifetime: 3600))
        var client = ClientRegistration(clientID: "sw-client", redirectURIs: ["http://127.0.0.1:45555/callback"],
                                        tokenEndpointAuthMethod: "none", issuer: "http://127.0.0.1:8765")
        client.fields["grant_types"] = .array([.string("authorization_code"), .string("refresh_token")])
        try store.save(client: client)
        try store.save(metadata: try AuthorizationServerMetadata(json: [
            "issuer": .string("http://127.0.0.1:8765"),
            "authorization_endpoint": .string("http://127.0.0.1:8765/authorize"),
            "token_endpoint": .string("http://127.0.0.1:8765/token"),
            "response_types_supported": .array([.string("code")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
        ]))

        let result = try await run(try Peers.python, [Peers.script("reference_storage.py"), "read", home.tokenDirectory, store.stem])
        #expect(result.status == 0, "the reference rejected hermes' files: \(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let token = try #require(parsed?["token"] as? [String: Any])
        #expect(token["access_token"] as? String == "sw-access-0123456789")
        #expect(token["refresh_token"] as? String == "sw-refresh-0123456789")
        #expect(token["token_type"] as? String == "Bearer")
        #expect(token["scope"] as? String == "read write")
        let expiresIn = try #require(token["expires_in"] as? Int)
        // 1800 s less the time the reference took to read it (its start-up included, which a
        // loaded machine can stretch to seconds), rounded as it rounds.
        let elapsed = Int(Date().timeIntervalSince(saved).rounded(.up))
        #expect((1800 - elapsed - 1...1800).contains(expiresIn), "expires_in \(expiresIn) after \(elapsed) s")
        #expect((parsed?["client"] as? [String: Any])?["client_id"] as? String == "sw-client")
        #expect((parsed?["meta"] as? [String: Any])?["token_endpoint"] as? String == "http://127.0.0.1:8765/token")
    }

    @Test func filesTheReferenceWritesLoadInHermes() async throws {
        let result = try await run(try Peers.python, [Peers.script("reference_storage.py"), "write", home.tokenDirectory, "srv"])
        #expect(result.status == 0, "\(result.stderr)")
        let store = TokenStore(home: home, serverName: "srv")
        let tokens = try #require(store.readTokens().value)
        #expect(tokens.accessToken == "py-access-0123456789abcdef")
        #expect(tokens.refreshToken == "py-refresh-0123456789abcdef")
        #expect(tokens.scope == "read write")
        #expect(abs((tokens.expiresAt ?? 0) - Date().timeIntervalSince1970 - 3600) < 30)
        let client = try #require(store.readClient().value)
        #expect(client.clientID == "py-client" && client.clientSecret == "py-secret")
        #expect(client.tokenEndpointAuthMethod == "client_secret_post")
        #expect(client.redirectURIs == ["http://127.0.0.1:43123/callback"])
        let meta = try #require(store.readMetadata().value)
        #expect(meta.tokenEndpoint == "http://127.0.0.1:8765/token")
        #expect(meta.scopesSupported == ["read", "write"])
    }
}
