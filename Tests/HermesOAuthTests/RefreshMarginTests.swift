import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// The refresh-ahead margin: a minute at most, never more than half the token's lifetime.
@Suite(.timeLimit(.minutes(2))) struct RefreshMarginTests {
    static let issued = 1_800_000_000.0

    /// A token as the token endpoint hands it over, issued at `issued` for `lifetime` seconds.
    static func issuedToken(lifetime: Int?) throws -> OAuthTokens {
        var object: [String: JSONValue] = ["access_token": .string("at"), "token_type": .string("Bearer")]
        if let lifetime { object["expires_in"] = .int(Int64(lifetime)) }
        return try OAuthTokens(json: object, issuedAt: issued)
    }

    @Test(arguments: [(10, 5.0), (30, 15.0), (60, 30.0), (120, 60.0), (3600, 60.0)])
    func theMarginIsAMinuteAtMostAndHalfTheLifetimeAtMost(lifetime: Int, margin: Double) throws {
        let tokens = try Self.issuedToken(lifetime: lifetime)
        #expect(tokens.lifetime == Double(lifetime))
        #expect(tokens.refreshMargin == margin)
        let due = Self.issued + Double(lifetime) - margin
        // Fresh from the token endpoint it is used, not refreshed: half its life at least.
        #expect(!tokens.needsRefresh(now: Self.issued))
        #expect(!tokens.needsRefresh(now: Self.issued + Double(lifetime) / 2 - 0.5))
        #expect(!tokens.needsRefresh(now: due - 0.5))
        #expect(tokens.needsRefresh(now: due))
        #expect(tokens.needsRefresh(now: Self.issued + Double(lifetime) + 1))
        // The hot path applies the same rule.
        let cell = TokenCell()
        cell.set(tokens)
        #expect(cell.freshAccessToken(now: Self.issued) == "at")
        #expect(cell.freshAccessToken(now: due - 0.5) == "at")
        #expect(cell.freshAccessToken(now: due) == nil)
    }

    @Test func aTokenWithoutExpiryIsNeverRefreshedAhead() throws {
        let tokens = try Self.issuedToken(lifetime: nil)
        #expect(tokens.expiresAt == nil && tokens.lifetime == nil)
        #expect(!tokens.needsRefresh(now: Self.issued + 1e9))
        let cell = TokenCell()
        cell.set(tokens)
        #expect(cell.freshAccessToken(now: Self.issued + 1e9) == "at")
    }

    /// Tokens built in code without a lifetime keep the full minute (the rule before lifetimes).
    @Test func anUnknownLifetimeKeepsTheFullMinute() {
        let tokens = OAuthTokens(accessToken: "at", expiresAt: Self.issued + 30)
        #expect(tokens.lifetime == nil && tokens.refreshMargin == 60)
        #expect(tokens.needsRefresh(now: Self.issued))
    }

    /// The lifetime survives the file: a restarted process refreshes on the same schedule.
    @Test func theLifetimeIsStoredAsExpiresInBesideExpiresAt() throws {
        let dir = TemporaryDirectory("hermes-margin")
        let store = TokenStore(home: HermesHome(path: dir.path), serverName: "s")
        let tokens = try Self.issuedToken(lifetime: 30)
        // Written a few seconds after it was issued (a login stores after its checks).
        try store.save(tokens: tokens, now: Self.issued + 3)
        let object = try JSONObject.decode(try #require(FileManager.default.contents(atPath: store.tokensPath)))
        #expect(object["expires_in"] == .int(30))
        #expect(object["expires_at"]?.number == Self.issued + 30)
        let loaded = try #require(store.tokens())
        #expect(loaded == tokens)
        #expect(loaded.refreshMargin == 15)
    }

    /// hermes-agent writes the response's expires_in and expires_at = time() + expires_in; read at
    /// any later time, the lifetime is expires_in, not what is left.
    @Test func hermesAgentFilesGiveTheirLifetime() throws {
        let dir = TemporaryDirectory("hermes-margin")
        let now = Date().timeIntervalSince1970
        try dir.write("mcp-tokens/agent.json", """
            {"access_token": "a", "token_type": "bearer", "expires_in": 3600, "expires_at": \(now + 30)}
            """)
        let agent = try #require(TokenStore(home: HermesHome(path: dir.path), serverName: "agent").tokens())
        #expect(agent.lifetime == 3600 && agent.refreshMargin == 60)
        #expect(agent.needsRefresh(now: now))   // an hour's token with 30 s left is refreshed
        // Without expires_in, the file's age when written: expires_at − mtime.
        try dir.write("mcp-tokens/bare.json", """
            {"access_token": "a", "token_type": "Bearer", "expires_at": \(Self.issued + 30)}
            """)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Self.issued)],
                                              ofItemAtPath: dir.path + "/mcp-tokens/bare.json")
        let bare = try #require(TokenStore(home: HermesHome(path: dir.path), serverName: "bare").tokens())
        #expect(bare.lifetime.map { abs($0 - 30) < 1 } == true)
        #expect(!bare.needsRefresh(now: Self.issued + 10) && bare.needsRefresh(now: Self.issued + 16))
    }

    @Test func hostileLifetimesStayInRange() throws {
        for value in ["-5", "1e308", "0"] {
            let object = try JSONObject.decode(Data(#"{"access_token":"a","token_type":"Bearer","expires_in":\#(value)}"#.utf8))
            let tokens = try OAuthTokens(json: object, issuedAt: Self.issued)
            let lifetime = try #require(tokens.lifetime)
            #expect(lifetime >= 0 && lifetime <= OAuthTokens.longestLifetime)
            #expect((0...60).contains(tokens.refreshMargin))
            _ = JSONObject.encode(tokens.json(now: Self.issued))   // no overflow writing it back
        }
    }

    /// The real authorization server issuing 30 s tokens: a token just obtained is used as it is
    /// (the old fixed minute refreshed before every request, each refresh rotating the refresh
    /// token), and one past half its life is refreshed once, not once per request.
    @Test func thirtySecondTokensAreRefreshedAtMostOnce() async throws {
        let f = try await Fixture(settings: ["access_ttl": 30])
        let manager = try f.manager()
        let login = try await manager.login("peer", interaction: f.interaction())
        #expect(login.tokens.lifetime == 30)
        for _ in 0..<4 { #expect(try await manager.accessToken(for: "peer") == login.tokens.accessToken) }
        #expect(try await f.refreshRequests() == 0)

        f.clock.advance(16)
        let refreshed = try await manager.accessToken(for: "peer")
        #expect(refreshed != login.tokens.accessToken)
        for _ in 0..<4 { #expect(try await manager.accessToken(for: "peer") == refreshed) }
        #expect(try await f.refreshRequests() == 1)
        #expect(try await f.probe(refreshed) == 200)
    }
}
