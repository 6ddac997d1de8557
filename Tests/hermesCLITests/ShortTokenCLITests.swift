import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Access tokens of 30 s from the real authorization server: one `hermes mcp call` refreshes at
/// most once (the fixed 60 s margin refreshed before every request, four times per call, each
/// refresh rotating the refresh token), and a token just obtained is not refreshed at all.
@Suite(.timeLimit(.minutes(2))) struct ShortTokenCLITests {
    let dir = TemporaryDirectory("hermes-short")
    var home: String { dir.path }
    var store: TokenStore { TokenStore(home: HermesHome(path: home), serverName: "demo") }

    func hermes(_ args: [String]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: Peers.browser()))
    }

    func refreshes(_ peer: OAuthPeer) async throws -> Int {
        try await peer.log().filter { $0.path.hasSuffix("/token") && $0["grant_type"] == "refresh_token" }.count
    }

    @Test func aThirtySecondTokenIsUsedNotRefreshedAndRefreshedOncePerCallWhenDue() async throws {
        let peer = try await OAuthPeer(settings: ["access_ttl": 30])
        try dir.write("config.yaml", "mcp_servers:\n  demo:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
        let login = try await hermes(["mcp", "login", "demo"])
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        let issued = try #require(store.tokens())
        #expect(issued.lifetime == 30)

        // Right after the login: the token is used as it is.
        let call = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"hi"}"#])
        #expect(call.status == 0, "\(call.stdout)\(call.stderr)")
        #expect(try await refreshes(peer) == 0)
        #expect(store.tokens()?.accessToken == issued.accessToken)

        // `status` calls it what it is: valid, not expiring or expired, no login needed.
        let status = try await hermes(["mcp", "status", "demo"])
        #expect(status.stdout.contains("expires in ") && !status.stdout.contains("expired"), "\(status.stdout)")
        #expect(!(status.stdout + status.stderr).contains("hermes mcp login"), "\(status.stdout)\(status.stderr)")
        let json = try await hermes(["mcp", "status", "demo", "--json"])
        let row = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(row["needs_login"] as? Bool == false && (row["expires_in"] as? Int ?? 0) > 0, "\(json.stdout)")

        // Past half its life (10 s left of 30): one refresh for the whole call, not one per request.
        var due = issued
        due.expiresAt = Date().timeIntervalSince1970 + 10
        try store.save(tokens: due)
        let second = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"again"}"#])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(try await refreshes(peer) == 1)
        #expect(store.tokens()?.accessToken != issued.accessToken)
        #expect(store.tokens()?.lifetime == 30)
    }
}
