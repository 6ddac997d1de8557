import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// The scope strategy where the conformance suite's scope scenarios test it: the first scope from
/// the first 401 (even one that comes after an anonymous `initialize`), and step-up on a 403
/// `insufficient_scope` remembered across processes and asked for as a union.
@Suite(.timeLimit(.minutes(2))) struct ScopeStepUpTests {
    /// The conformance suite's step-up server: `initialize` and notifications need no token.
    static var anonymousHandshake: [String: Any] { ["open_methods": ["initialize", "notifications/"]] }

    func challenge(_ scope: String) -> AuthChallenge {
        AuthChallenge(scheme: "Bearer", parameters: ["error": "insufficient_scope", "scope": scope], token68: nil)
    }

    func authorizeScopes(_ f: Fixture) async throws -> [String?] {
        try await f.requests("GET", "/authorize").map { $0["scope"] }
    }

    /// auth/scope-step-up's first check: the scope of the 401 that `tools/list` answers, not the
    /// resource's scopes_supported, although `initialize` went through without a token.
    @Test func theFirstScopeComesFromTheFirst401AfterAnAnonymousInitialize() async throws {
        var settings = Self.anonymousHandshake
        settings["challenge_scope"] = "write"
        settings["prm_scopes"] = ["admin"]
        let f = try await Fixture(settings: settings)
        _ = try await f.provider().login(interaction: f.interaction())
        #expect(try await authorizeScopes(f) == ["write"])
        // The anonymous session that found it was closed again.
        #expect(try await f.peer.log().contains { $0.method == "DELETE" && $0.bearer == nil })
    }

    /// Without any challenge the resource's scopes_supported, and a configured scope over both.
    @Test func withoutAChallengeScopesSupportedAndConfigWinsOverBoth() async throws {
        let f = try await Fixture(settings: Self.anonymousHandshake)
        _ = try await f.provider().login(interaction: f.interaction())
        try await f.peer.configure(["challenge_scope": "write"])
        _ = try await f.provider([ConfigPair(key: "scope", value: .string("admin"))]).login(interaction: f.interaction())
        #expect(try await authorizeScopes(f) == ["read write", "admin"])
    }

    /// In the background a 403 is answered with the missing scope and written beside the tokens;
    /// a later login (another provider: another process) asks for what it held and that scope,
    /// and once granted the demand is gone.
    @Test func aDemandIsRememberedAndTheNextLoginAsksForTheUnion() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        await expectFailure({ _ = try await f.provider().stepUp(challenge: challenge("admin"), interaction: nil) }) {
            if case .needsLogin(_, let reason) = $0 { return reason.contains("requires the scope 'admin'") } else { return false }
        }
        #expect(f.store.challengedScope() == "admin")
        #expect(f.store.tokens() != nil)   // nothing taken away on the way
        try await f.peer.configure(["challenge_scope": "read"])
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(try await authorizeScopes(f) == ["read write", "read write admin"])
        #expect(Set((report.tokens.scope ?? "").split(separator: " ")) == ["read", "write", "admin"])
        #expect(f.store.challengedScope() == nil)
        #expect(f.store.metadata()?.issuer == f.peer.issuer)
    }

    /// A server naming new scopes on every background call: the remembered demand stays within one
    /// challenge's bounds (32 scopes, 1024 characters), the newest kept, and the reason an agent
    /// reads stays short.
    @Test func aServerNamingNewScopesEveryTimeCannotGrowTheDemand() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        var lastReason = ""
        for call in 0..<40 {
            let names = (0..<32).map { "c\(call)-" + String(repeating: "x", count: 24) + "\($0)" }.joined(separator: " ")
            await expectFailure({ _ = try await f.provider().stepUp(challenge: challenge(names), interaction: nil) }) {
                if case .needsLogin(_, let reason) = $0 { lastReason = reason; return true } else { return false }
            }
        }
        let pending = f.store.challengedScope() ?? ""
        let scopes = pending.split(separator: " ")
        #expect(!scopes.isEmpty && scopes.count <= 32 && pending.utf8.count <= 1024, "\(scopes.count) scopes, \(pending.utf8.count) bytes")
        #expect(scopes.first?.hasPrefix("c39-") == true, "the newest demand comes first: \(pending.prefix(80))")
        #expect(lastReason.count < 400, "\(lastReason.count) characters: \(lastReason)")
    }

    @Test func interactiveStepUpAuthorizesTheUnionOnce() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        _ = try await provider.login(interaction: f.interaction())
        let tokens = try await provider.stepUp(challenge: challenge("admin"), interaction: f.interaction())
        #expect(try await authorizeScopes(f) == ["read write", "read write admin"])
        #expect(Set((tokens.scope ?? "").split(separator: " ")) == ["read", "write", "admin"])
        #expect(f.store.challengedScope() == nil)
    }

    /// A token that already carries what the server names would be refused again: no browser.
    @Test func aTokenThatCarriesTheScopeIsNotAuthorizedAgain() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        _ = try await provider.login(interaction: f.interaction())
        await expectFailure({ _ = try await provider.stepUp(challenge: challenge("write"), interaction: f.interaction()) }) {
            if case .denied(let m) = $0 { return m.contains("already carries") } else { return false }
        }
        #expect(try await authorizeScopes(f).count == 1)
    }

    @Test func logoutForgetsTheDemand() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        f.store.remember(scope: "admin")
        _ = try await f.provider().logout(keepRegistration: true)
        #expect(f.store.challengedScope() == nil)
        #expect(f.store.metadata() != nil)
    }

    /// What a server says is requested again and written to disk: only scope tokens, bounded.
    @Test func aServersScopeIsReducedToScopeTokens() {
        #expect(OAuthProvider.scopeFromServer("read \u{1B}[31mx write \"q\" read back\\slash") == "read write")
        #expect(OAuthProvider.scopeFromServer(String(repeating: "s ", count: 5000))?.count == 1)
        let many = (0..<100).map { "scope\($0)" }.joined(separator: " ")
        #expect(OAuthProvider.scopeFromServer(many)?.split(separator: " ").count == OAuthProvider.maxScopes)
        #expect(OAuthProvider.scopeFromServer(String(repeating: "x", count: 2000)) == nil)
        #expect(OAuthProvider.missing("read write", "write admin") == "admin")
        #expect(OAuthProvider.missing("read write", "write") == nil)
    }
}

extension TokenStore {
    /// A pending demand written as a 403 would have it written.
    func remember(scope: String) {
        #expect((try? save(challengedScope: scope)) == true)
    }
}
