import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// MCP 2025-03-26 servers (no protected resource metadata) and `grant_types_supported`, against
/// the Python SDK's OAuth server bent into each layout (the conformance suite's
/// auth/2025-03-26-oauth-metadata-backcompat and auth/2025-03-26-oauth-endpoint-fallback).
@Suite(.timeLimit(.minutes(2))) struct LegacyAuthorizationTests {
    /// No metadata of any kind: the SDK's endpoints sit at /authorize, /token, /register of the origin.
    static var noMetadata: [String: Any] { ["prm_location": "none", "prm_in_header": false, "asm_location": "none"] }

    /// No protected resource metadata; the authorization server's metadata at the origin's root
    /// (issuer: the origin) and its endpoints under /oauth, so that a client ignoring the metadata
    /// and guessing the default paths finds nothing.
    static func originMetadata(_ overrides: [String: Any] = [:]) async throws -> Fixture {
        let f = try await Fixture(arguments: ["--issuer-path", "/oauth"],
                                  settings: ["prm_location": "none", "prm_in_header": false, "asm_location": "root",
                                             "iss_mode": "missing", "advertise_iss": false])
        try await f.peer.configure(["asm_overrides": overrides.merging(["issuer": f.origin]) { a, _ in a }])
        return f
    }

    @Test func withoutAnyMetadataTheDefaultEndpointsOfTheOriginAreUsedAndRefreshedAt() async throws {
        let f = try await Fixture(settings: Self.noMetadata)
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(report.legacy == .defaultEndpoints && report.issuer == f.origin)
        #expect(f.transcript.text.contains("legacy MCP 2025-03-26 default endpoints"))
        let log = try await f.peer.log()
        #expect(log.map { "\($0.method) \($0.path)" } == [
            "POST /mcp", "GET /.well-known/oauth-protected-resource/mcp", "GET /.well-known/oauth-protected-resource",
            "GET /.well-known/oauth-authorization-server", "GET /.well-known/openid-configuration",
            "POST /register", "GET /authorize", "POST /token", "POST /mcp",
        ])
        let authorize = try #require(log.first { $0.path == "/authorize" })
        // PKCE S256 although nothing advertised it.
        #expect(authorize["code_challenge_method"] == "S256" && authorize["code_challenge"] != nil)
        // No protected resource metadata names a resource: the canonical server URL, as ever.
        #expect(authorize["resource"] == f.peer.mcpURL)
        #expect(try #require(log.first { $0.path == "/token" })["code_verifier"] != nil)
        // What a restarted process needs to refresh without discovery.
        let stored = try #require(f.store.readMetadata().value)
        #expect(stored.tokenEndpoint == f.origin + "/token" && stored.issuer == f.origin)
        #expect(stored.legacyDiscovery == .defaultEndpoints && stored.fields["hermes_resource"] == .string(f.peer.mcpURL))

        try await f.peer.call("/clear-log")
        f.clock.advance(3600 + 120)
        let fresh = try await f.provider().accessToken()   // a new provider: reads meta.json
        #expect(fresh != report.tokens.accessToken)
        #expect(try await f.probe(fresh) == 200)
        let refresh = try await f.requests("POST", "/token")
        #expect(refresh.map(\.path) == ["/token"] && refresh.first?["grant_type"] == "refresh_token")
        #expect(try await f.peer.log().allSatisfy { !$0.path.contains("well-known") })
    }

    @Test func metadataAtTheOriginIsFollowedAndRefreshedAt() async throws {
        let f = try await Self.originMetadata()
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(report.legacy == .originMetadata && report.issuer == f.origin)
        #expect(f.transcript.text.contains("legacy MCP 2025-03-26 rules"))
        let paths = try await f.peer.log().map { "\($0.method) \($0.path)" }
        #expect(paths.contains("POST /oauth/register") && paths.contains("GET /oauth/authorize") && paths.contains("POST /oauth/token"))
        #expect(!paths.contains("GET /authorize") && !paths.contains("POST /token"))
        #expect(f.store.readMetadata().value?.legacyDiscovery == .originMetadata)

        try await f.peer.call("/clear-log")
        f.clock.advance(3600 + 120)
        _ = try await f.provider().accessToken()
        let refresh = try await f.requests("POST", "/token")
        #expect(refresh.map(\.path) == ["/oauth/token"] && refresh.first?["grant_type"] == "refresh_token")
    }

    /// Without protected resource metadata nothing vouches for another host: an endpoint there
    /// is refused, never called, and no browser opens.
    @Test(arguments: ["authorization_endpoint", "token_endpoint", "registration_endpoint"])
    func anEndpointOnAnotherOriginIsRefused(key: String) async throws {
        let elsewhere = try await OAuthPeer()
        defer { elsewhere.stop() }
        let f = try await Self.originMetadata([key: elsewhere.issuer + "/elsewhere"])
        // A short wait for the browser: a client that followed the authorization_endpoint would wait for nothing.
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction(), timeout: 5) }) {
            if case .protocolViolation(let m) = $0 { m.contains("is not on \(f.origin)") && m.contains(key) } else { false }
        }
        #expect(try await elsewhere.log().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.browserLog) && f.store.tokens() == nil)
    }

    /// Where metadata exists it must still advertise S256, and a server cannot pass its own
    /// document off as the 2025-03-26 defaults (which need not) with a hermes_* key.
    @Test(arguments: [
        #"{"code_challenge_methods_supported": null}"#,
        #"{"code_challenge_methods_supported": ["plain"]}"#,
        #"{"code_challenge_methods_supported": null, "hermes_discovery": "2025-03-26 default endpoints"}"#,
    ])
    func originMetadataWithoutS256IsRefused(overrides: String) async throws {
        let f = try await Self.originMetadata(try JSONSerialization.jsonObject(with: Data(overrides.utf8)) as! [String: Any])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .protocolViolation(let m) = $0 { m.contains("S256") } else { false }
        }
        #expect(try await f.requests("GET", "/authorize").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.browserLog))
    }

    @Test func aServerWithoutTheAuthorizationCodeGrantIsNotSentABrowser() async throws {
        let hostile = "client_credentials\u{1B}[31m, " + String(repeating: "x", count: 500)
        let f = try await Fixture(settings: ["asm_overrides": ["grant_types_supported": [hostile]]])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            guard case .protocolViolation(let m) = $0 else { return false }
            return m.contains("does not offer the authorization_code grant") && m.contains("client_credentials")
                && !m.contains("\u{1B}") && m.count < 600
        }
        #expect(try await f.requests("POST", "/register").isEmpty)
        #expect(try await f.requests("GET", "/authorize").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.browserLog))
    }

    /// A server listing its grants without refresh_token never receives a refresh request, even
    /// holding a refresh token: the expired token needs a login, and registration asks for no
    /// refresh grant either.
    @Test func withoutTheRefreshGrantNoRefreshIsAttempted() async throws {
        let f = try await Fixture(settings: ["asm_overrides": ["grant_types_supported": ["authorization_code"]],
                                             "register_any_grants": true])
        let report = try await f.provider().login(interaction: f.interaction())
        let register = try #require(try await f.requests("POST", "/register").first)
        #expect(register.json["grant_types"] as? [String] == ["authorization_code"])
        #expect(report.tokens.refreshToken != nil)   // the peer issues one regardless

        f.clock.advance(3600 + 120)
        let provider = f.provider()
        await expectFailure({ _ = try await provider.accessToken() }) {
            if case .needsLogin(_, let reason) = $0 { reason.contains("does not offer the refresh_token grant") } else { false }
        }
        await expectFailure({ _ = try await provider.recover(failedToken: report.tokens.accessToken) }) {
            if case .needsLogin = $0 { true } else { false }
        }
        #expect(try await f.requests("POST", "/token").filter { $0["grant_type"] == "refresh_token" }.isEmpty)
        #expect(f.store.tokens()?.refreshToken == report.tokens.refreshToken)   // nothing deleted
    }

    /// RFC 8414's default for an absent list is authorization_code and implicit; hermes still
    /// refreshes when the server issued a refresh token (its own evidence that it takes one).
    @Test func anAbsentGrantListAllowsLoginAndRefresh() async throws {
        let f = try await Fixture(settings: ["asm_overrides": ["grant_types_supported": NSNull()]])
        _ = try await f.provider().login(interaction: f.interaction())
        let register = try #require(try await f.requests("POST", "/register").first)
        #expect(register.json["grant_types"] as? [String] == ["authorization_code", "refresh_token"])
        f.clock.advance(3600 + 120)
        _ = try await f.provider().accessToken()
        #expect(try await f.requests("POST", "/token").contains { $0["grant_type"] == "refresh_token" })
    }
}

extension Fixture {
    /// The MCP server's origin: under MCP 2025-03-26, also its authorization server.
    var origin: String { URLPolicy.origin(URL(string: peer.mcpURL)!) }
}
