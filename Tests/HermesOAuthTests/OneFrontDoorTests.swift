import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// The CLI logs in and out through the manager with the entry it holds: one provider, one token
/// cell and one single-flight guard per server in a process, whoever asks.
@Suite(.timeLimit(.minutes(2))) struct OneFrontDoorTests {
    @Test func aLoginForAHeldEntryLandsInTheCellEveryReaderUses() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let server = try OAuthServer(config: f.config())
        // `--timeout` is an option of the login, not another server: it must not replace the provider.
        let report = try await manager.login(server, interaction: f.interaction(), timeout: 120)
        let provider = try #require(manager.cachedProvider(named: "peer"))
        #expect(try manager.provider(named: "peer") === provider)
        #expect(provider.cell.snapshot().0?.accessToken == report.tokens.accessToken)

        let requests = try await f.peer.log().count
        #expect(try await manager.accessToken(for: "peer") == report.tokens.accessToken)
        #expect(try await f.peer.log().count == requests)   // from the cell, not another request
        #expect(manager.storedTokens(of: "peer")?.accessToken == report.tokens.accessToken)
    }

    @Test func aLogoutForAHeldEntryEmptiesThatSameCell() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let server = try OAuthServer(config: f.config())
        _ = try await manager.login(server, interaction: f.interaction())
        let provider = try #require(manager.cachedProvider(named: "peer"))
        let report = try await manager.logout(server, keepRegistration: false)
        #expect(!report.removed.isEmpty)
        #expect(manager.cachedProvider(named: "peer") === provider)
        #expect(provider.cell.snapshot().0 == nil)
        #expect(manager.cachedAccessToken(for: "peer") == nil)
        #expect(manager.storedTokens(of: "peer") == nil)
        await expectFailure({ _ = try await manager.accessToken(for: "peer") }) {
            if case .needsLogin = $0 { return true } else { return false }
        }
    }
}
