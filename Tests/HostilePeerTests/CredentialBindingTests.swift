import CHermesOAuthABI
import Foundation
import HermesOAuth
import HermesOAuthC
import HermesTestSupport
import Testing

/// Items 1 and 2 of the hostile-peer campaign: tokens, registrations and configured secrets stay
/// with the MCP server and authorization server they were issued for, whatever config.yaml or a
/// server says later.
@Suite(.timeLimit(.minutes(3))) struct CredentialBindingTests {
    static func entry(_ name: String, url: String, oauth: String = "") -> String {
        "mcp_servers:\n  \(name):\n    url: \(url)\n    auth: oauth\n" + (oauth.isEmpty ? "" : "    oauth:\n" + oauth)
    }

    func store(_ home: HostileHome, _ name: String = "good") -> TokenStore {
        TokenStore(home: HermesHome(path: home.path), serverName: name)
    }

    /// Rewrites the stored tokens as expired, leaving the refresh token and everything else.
    func expire(_ store: TokenStore) throws {
        var tokens = try #require(store.tokens())
        tokens.expiresAt = Date().timeIntervalSince1970 - 10
        try store.save(tokens: tokens)
    }

    @Test func tokensNeverFollowAnEditedURL() async throws {
        let home = HostileHome()
        let good = try await OAuthPeer()
        let evil = try await HostileOAuthServer(["accept_any": true])
        try home.config(Self.entry("good", url: good.mcpURL))
        let login = try await home.hermes(["mcp", "login", "good"])
        try #require(login.status == 0, "\(login.stdout)\n\(login.stderr)")
        let tokens = try #require(store(home).tokens())

        try home.config(Self.entry("good", url: evil.mcpURL))
        let test = try await home.hermes(["mcp", "test", "good"])
        #expect(test.status != 0)
        #expect((test.stdout + test.stderr).contains("URL changed"), "\(test.stdout)\n\(test.stderr)")
        let call = try await home.hermes(["mcp", "call", "good", "echo", "{}"])
        #expect(call.stdout.contains("needs_reauth") && call.stdout.contains("URL changed"), "\(call.stdout)\n\(call.stderr)")

        let status = try await home.hermes(["mcp", "status", "good"])
        #expect(status.stdout.contains("Tokens held but not used") && status.stdout.contains("URL changed"), "\(status.stdout)")

        // An expired token: the old code refreshed at the first server and sent the new token on.
        try expire(store(home))
        _ = try await home.hermes(["mcp", "call", "good", "echo", "{}"])
        let refreshes = try await good.log().filter { $0["grant_type"] == "refresh_token" }
        #expect(refreshes.isEmpty, "the old authorization server was asked to refresh for another URL")
        let seen = try await evil.credentialsSeen()
        #expect(seen.isEmpty, "the other server received credentials: \(seen.map { Secret.mask($0) })")
        #expect(!seen.contains { $0.contains(tokens.accessToken) })

        // Back at the URL the tokens were issued for, they work again (nothing was deleted).
        try home.config(Self.entry("good", url: good.mcpURL))
        #expect(try await home.hermes(["mcp", "test", "good"]).status == 0)
    }

    @Test func addingTheNameAgainWithAnotherURLDoesNotCarryTheTokens() async throws {
        let home = HostileHome()
        let good = try await OAuthPeer()
        let evil = try await HostileOAuthServer(["accept_any": true])
        try home.config(Self.entry("good", url: good.mcpURL))
        try #require(try await home.hermes(["mcp", "login", "good"]).status == 0)
        let tokens = try #require(store(home).tokens())

        _ = try await home.hermes(["mcp", "add", "good", "--url", evil.mcpURL, "--auth", "oauth", "--yes", "--all-tools"])
        let seen = try await evil.credentialsSeen()
        #expect(!seen.contains { $0.contains(tokens.accessToken) }, "the first server's access token went to the new URL")
        #expect(!seen.contains { $0.contains(tokens.refreshToken ?? "-") })
    }

    @Test func theCAPIRefusesTokensOnceTheURLChanged() async throws {
        let home = HostileHome()
        let good = try await OAuthPeer()
        let evil = try await HostileOAuthServer()
        try home.config(Self.entry("good", url: good.mcpURL))
        try #require(try await home.hermes(["mcp", "login", "good"]).status == 0)

        var handle: UnsafeMutablePointer<hermes_oauth>?
        try #require(hermes_oauth_open(home.path, &handle) == 0)
        defer { hermes_oauth_close(handle) }
        var token: UnsafeMutablePointer<CChar>?
        #expect(hermes_oauth_access_token(handle, "good", &token) == HermesStatus.ok.rawValue)
        hermes_free(token)
        var url: UnsafeMutablePointer<CChar>?
        #expect(hermes_oauth_server_url(handle, "good", &url) == HermesStatus.ok.rawValue)
        #expect(url.map { String(cString: $0) } == good.mcpURL)
        hermes_free(url)

        // Replaced the way editors and hermes itself do it: a new file renamed over the old one.
        try home.dir.write("config.yaml.new", Self.entry("good", url: evil.mcpURL))
        rename(home.dir.file("config.yaml.new"), home.dir.file("config.yaml"))
        var status = HermesStatus.ok.rawValue
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            status = hermes_oauth_access_token(handle, "good", &token)
            if status != HermesStatus.ok.rawValue { break }
            hermes_free(token)
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(status == HermesStatus.needsLogin.rawValue, "a token for the old URL was still handed out")
        #expect(hermes_last_error().map { String(cString: $0) }?.contains("URL changed") == true)
        #expect(hermes_oauth_server_url(handle, "good", &url) == HermesStatus.needsLogin.rawValue)
    }

    @Test func anOAuthTokenGoesOnlyToHTTPSOrLoopback() async throws {
        let home = HostileHome()
        let evil = try await HostileOAuthServer(["accept_any": true])
        let port = try #require(URL(string: evil.origin)?.port)
        // hermes-agent's files carry no binding; the URL policy still applies to them.
        try store(home, "loose").save(tokens: OAuthTokens(accessToken: "at_loose_secret_token", expiresAt: Date().timeIntervalSince1970 + 3600))
        try home.config(Self.entry("loose", url: "http://127.1:\(port)/mcp"))
        let test = try await home.hermes(["mcp", "test", "loose"])
        #expect(test.status != 0)
        // Refused as configuration (config.yaml:line since the entry check), before any connection.
        #expect(test.stderr.contains("config.yaml:") && test.stderr.contains("must be an https:// URL for auth: oauth"), "\(test.stdout)\n\(test.stderr)")
        #expect(try await evil.credentialsSeen().isEmpty)
    }

    // MARK: item 2

    static let secret = "cfg-secret-0123456789"

    func preRegisteredLogin(_ home: HostileHome, first: HostileOAuthServer, issuer: String? = nil) async throws {
        var oauth = "      client_id: cfg-client\n      client_secret: \(Self.secret)\n"
        if let issuer { oauth += "      issuer: \(issuer)\n" }
        try home.config(Self.entry("good", url: first.mcpURL, oauth: oauth))
        let login = try await home.hermes(["mcp", "login", "good"])
        try #require(login.status == 0, "\(login.stdout)\n\(login.stderr)")
    }

    @Test func aConfiguredSecretStaysWithItsFirstIssuer() async throws {
        let home = HostileHome()
        let first = try await HostileOAuthServer()
        let other = try await HostileOAuthServer()
        try await preRegisteredLogin(home, first: first)
        #expect(try await first.credentialsSeen().contains("client_secret=\(Self.secret)"))

        try await first.configure(["authorization_server": other.origin])
        let again = try await home.hermes(["mcp", "login", "good"])
        #expect(again.status != 0)
        #expect((again.stdout + again.stderr).contains("oauth.issuer"), "\(again.stdout)\n\(again.stderr)")
        #expect(!(try await other.credentialsSeen()).contains { $0.contains(Self.secret) })

        // Naming the new issuer is the person's explicit consent.
        try await first.configure(["accept_any": true])
        var config = try String(contentsOfFile: home.dir.file("config.yaml"), encoding: .utf8)
        config += "      issuer: \(other.origin)\n"
        try home.config(config)
        let consented = try await home.hermes(["mcp", "login", "good"])
        #expect(consented.status == 0, "\(consented.stdout)\n\(consented.stderr)")
    }

    @Test func aRefreshWithoutMetadataNeverRediscoversTowardsAnotherIssuer() async throws {
        let home = HostileHome()
        let first = try await HostileOAuthServer()
        let other = try await HostileOAuthServer()
        try await preRegisteredLogin(home, first: first)
        let tokens = try #require(store(home).tokens())
        unlink(store(home).metadataPath)
        try expire(store(home))
        try await first.configure(["authorization_server": other.origin])

        let test = try await home.hermes(["mcp", "test", "good"])
        #expect(test.status != 0)
        let seen = try await other.credentialsSeen()
        #expect(!seen.contains { $0.contains(Self.secret) }, "the configured secret went to another issuer")
        #expect(!seen.contains { $0.contains(tokens.refreshToken ?? "-") }, "the refresh token went to another issuer")
        #expect(try await other.log().allSatisfy { $0.path != "/token" })
    }

    @Test func aStoredRegistrationWithoutIssuerIsNotSpentAtANewIssuer() async throws {
        // hermes-agent writes client.json without `issuer`; with meta.json gone, nothing binds it.
        let home = HostileHome()
        let first = try await HostileOAuthServer()
        let other = try await HostileOAuthServer()
        try home.config(Self.entry("good", url: first.mcpURL))
        try #require(try await home.hermes(["mcp", "login", "good"]).status == 0)
        let s = store(home)
        var client = try #require(s.readClient().value)
        client.issuer = nil
        try s.save(client: client)
        unlink(s.metadataPath)
        try expire(s)
        try await first.configure(["authorization_server": other.origin])

        _ = try await home.hermes(["mcp", "test", "good"])
        #expect(try await other.log().allSatisfy { $0.path != "/token" }, "a refresh went to an authorization server nothing bound")
    }
}
