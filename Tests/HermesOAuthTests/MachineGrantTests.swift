import Foundation
import HermesTestSupport
import Testing
@testable import HermesOAuth

/// The grants without a person and DPoP, against Tests/PythonPeers/oauth_server.py with its
/// client credentials, workload, identity provider and DPoP settings: the manager obtains and
/// renews tokens itself, refusals are said in the server's words, and a bound token goes out only
/// with a fresh proof by its key.
@Suite(.timeLimit(.minutes(2))) struct MachineGrantTests {
    let dir = TemporaryDirectory("hermes-grants")
    var home: HermesHome { HermesHome(path: dir.path) }

    func configure(_ peer: OAuthPeer, _ oauth: String, env: String = "") throws {
        try dir.write("config.yaml", "mcp_servers:\n  svc:\n    url: \(peer.mcpURL)\n    auth: oauth\n    oauth:\n" + oauth)
        if !env.isEmpty { try dir.write(".env", env) }
    }

    /// Whether the MCP server takes `credential` (an `initialize` with it).
    func accepted(_ peer: OAuthPeer, _ credential: Credential) async throws -> Bool {
        try await MCPProbe.initialize(url: URL(string: peer.mcpURL)!, credential: credential, headers: [:],
                                      transport: CurlTransport.shared, timeout: 10).status == 200
    }

    func failure(_ body: () async throws -> Void) async -> String {
        do { try await body(); return "" } catch { return "\(error)" }
    }

    @Test func clientCredentialsRenewAcrossAnExpiryAndOneRequestServesA401Storm() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["reports": ["secret": "s3cret"]], "cc_expires_in": 2])
        defer { peer.stop() }
        try configure(peer, "      grant: client_credentials\n      client_id: reports\n      client_secret: ${REPORTS_SECRET}\n",
                      env: "REPORTS_SECRET=s3cret\n")
        let manager = OAuthManager(home: home)
        let first = try await manager.credential(for: "svc")
        #expect(try await accepted(peer, first))
        var requests = try await peer.tokenRequests()
        #expect(requests.count == 1 && requests[0].grantType == "client_credentials" && requests[0].clientAuth == "client_secret_basic",
                "\(requests.map { ($0.grantType, $0.clientAuth) })")
        #expect(requests[0]["client_secret"] == nil, "the secret went into the form as well")
        // 2 s tokens are renewed after half their life, with nobody involved.
        try await Task.sleep(nanoseconds: 1_300_000_000)
        let second = try await manager.credential(for: "svc")
        #expect(second.token != first.token)
        #expect(try await peer.tokenRequests().count == 2)
        // The server forgets every token: 64 callers that all saw the 401 make one token request.
        try await peer.call("/revoke-access")
        #expect(try await !accepted(peer, second))
        let answers = await withTaskGroup(of: RecoveryAnswer.self) { group in
            for _ in 0..<64 { group.addTask { await manager.handle401(server: "svc", failedToken: second.token) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let refusals = answers.compactMap { $0.failure.map { "\($0)" } }
        #expect(answers.allSatisfy { $0.retry }, "\(refusals)")
        requests = try await peer.tokenRequests()
        #expect(requests.count == 3, "\(requests.count) token requests for 64 callers")
        #expect(try await accepted(peer, try await manager.credential(for: "svc")))
        // Never a login, never a browser: nothing but token requests reached the authorization server.
        #expect(try await peer.log().allSatisfy { !$0.path.hasSuffix("/authorize") && !$0.path.hasSuffix("/register") })
    }

    @Test func privateKeyJWTSignsWithTheConfiguredKeyAndRefusesOneOthersMayRead() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let key = try await peer.newKey(alg: "RS256")
        try await peer.configure(["client_credentials": ["bot": ["public_key_pem": key.publicPEM, "kid": "k9"]]])
        let pem = dir.file("bot.pem")
        try key.privatePEM.write(toFile: pem, atomically: false, encoding: .utf8)
        chmod(pem, 0o640)
        try configure(peer, "      grant: client_credentials\n      client_id: bot\n      private_key: \(pem)\n      key_id: k9\n")
        let manager = OAuthManager(home: home)
        let refused = await failure { _ = try await manager.accessToken(for: "svc") }
        #expect(refused.contains("other users may read or change it (mode 0640); chmod 600 it"), "\(refused)")
        #expect(try await peer.tokenRequests().isEmpty)
        chmod(pem, 0o600)
        let token = try await manager.accessToken(for: "svc")
        #expect(try await accepted(peer, Credential(token: token)))
        let request = try #require(try await peer.tokenRequests().last)
        #expect(request.clientAuth == "private_key_jwt" && request.status == 200, "\(request.clientAuth ?? "-") \(request.error ?? "")")
    }

    @Test func aGrantTheServerDoesNotOfferIsRefusedBeforeAnyRequest() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, "      grant: client_credentials\n      client_id: bot\n      client_secret: x\n")
        let said = await failure { _ = try await OAuthManager(home: home).accessToken(for: "svc") }
        #expect(said.contains("does not offer the client_credentials grant that oauth.grant: client_credentials needs (it offers: authorization_code, refresh_token"), "\(said)")
        #expect(try await peer.tokenRequests().isEmpty)
    }

    @Test func refusedCredentialsNeedAPersonAndSaySoInTheServersWords() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["reports": ["secret": "right"]]])
        defer { peer.stop() }
        try configure(peer, "      grant: client_credentials\n      client_id: reports\n      client_secret: wrong\n")
        let manager = OAuthManager(home: home)
        let result: Result<String, OAuthFailure> = await { () async -> Result<String, OAuthFailure> in
            do { return .success(try await manager.accessToken(for: "svc")) } catch { return .failure(OAuthFailure.from(error)) }
        }()
        guard case .failure(.needsLogin(_, let reason)) = result else {
            Issue.record("not a refusal needing a person: \(result)")
            return
        }
        #expect(reason.contains("refused the client_credentials grant (HTTP 401 invalid_client"), "\(reason)")
        #expect(reason.contains("check oauth.client_id and oauth.client_secret"))
        #expect(manager.storedState(of: "svc").verdict?.kind == .clientRejected)
        #expect(try await peer.tokenRequests().count == 1)
    }

    @Test func theWorkloadTokenIsReadAtEachUseAndAnExpiredOneIsNeverSent() async throws {
        let peer = try await OAuthPeer(settings: ["workload": [String: Any]()])
        defer { peer.stop() }
        let file = dir.file("workload.jwt")
        try await peer.mintWorkloadJWT(sub: "ci-job-1").write(toFile: file, atomically: true, encoding: .utf8)
        try configure(peer, "      grant: jwt_bearer\n      assertion_file: \(file)\n")
        let manager = OAuthManager(home: home)
        let first = try await manager.accessToken(for: "svc")
        #expect(try await accepted(peer, Credential(token: first)))
        let request = try #require(try await peer.tokenRequests().last)
        #expect(request.grantType == GrantTypes.jwtBearer && request.clientAuth == "none" && request["scope"] == nil)
        // The platform rotates the file; the server drops the token: the new file is what is sent.
        try await peer.mintWorkloadJWT(sub: "ci-job-1", ttl: -60).write(toFile: file, atomically: true, encoding: .utf8)
        try await peer.call("/revoke-access")
        let answer = await manager.handle401(server: "svc", failedToken: first)
        #expect(!answer.retry)
        #expect("\(answer.failure.map { "\($0)" } ?? "")".contains("the token in oauth.assertion_file \(file) for 'svc' expired at"), "\(String(describing: answer.failure))")
        #expect(try await peer.tokenRequests().count == 1, "an expired workload token was sent")
        try await peer.mintWorkloadJWT(sub: "ci-job-2").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await manager.handle401(server: "svc", failedToken: first).retry)
        #expect(try await peer.tokenRequests().count == 2)
    }

    @Test func anIdentityTokenIsExchangedForAnIDJAGThenForTokens() async throws {
        let peer = try await OAuthPeer(settings: ["idjag_clients": ["crm-client": "crm-secret"], "idp": ["client_id": "hermes-idp"]])
        defer { peer.stop() }
        let idp = URLPolicy.origin(URL(string: peer.issuer)!) + "/idp"
        let idToken = dir.file("id_token")
        try await peer.mintIDToken(sub: "ana@example.com").write(toFile: idToken, atomically: true, encoding: .utf8)
        try configure(peer, """
              grant: identity_assertion
              client_id: crm-client
              client_secret: ${CRM_SECRET}
              idp:
                issuer: \(idp)
                client_id: hermes-idp
                id_token_file: \(idToken)

        """, env: "CRM_SECRET=crm-secret\n")
        let token = try await OAuthManager(home: home).accessToken(for: "svc")
        #expect(try await accepted(peer, Credential(token: token)))
        let exchanges = try await peer.log().filter { $0.path == "/idp/token" }
        #expect(exchanges.count == 1 && exchanges[0].grantType == GrantTypes.tokenExchange && exchanges[0].status == 200,
                "\(exchanges.map { ($0.status, $0.error ?? "") })")
        #expect(exchanges.first?["requested_token_type"] == GrantTypes.idJAGTokenType && exchanges.first?["audience"] == peer.issuer)
        let grant = try #require(try await peer.tokenRequests().last)
        #expect(grant.grantType == GrantTypes.jwtBearer && grant.status == 200 && grant.clientAuth == "client_secret_basic",
                "\(grant.clientAuth ?? "-") \(grant.error ?? "")")
    }

    @Test func dpopBindsTokensAndEveryRequestCarriesAFreshProofWithTheNoncesAsked() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["reports": ["secret": "s"]], "dpop": "allowed",
                                                  "dpop_nonce_as": "as-nonce-1", "dpop_nonce_rs": "rs-nonce-1"])
        defer { peer.stop() }
        try configure(peer, "      grant: client_credentials\n      client_id: reports\n      client_secret: s\n")
        let manager = OAuthManager(home: home)
        let credential = try await manager.credential(for: "svc")
        #expect(credential.scheme == "DPoP")
        let store = TokenStore(home: home, serverName: "svc")
        #expect(store.tokens()?.isDPoPBound == true)
        var st = stat()
        #expect(stat(store.dpopKeyPath, &st) == 0 && st.st_mode & 0o777 == 0o600)
        // The authorization server asked for its nonce once; the retry carried it with a new proof.
        let tokenRequests = try await peer.tokenRequests()
        #expect(tokenRequests.map(\.status) == [400, 200], "\(tokenRequests.map { ($0.status, $0.error ?? "") })")
        #expect(tokenRequests.last?.dpop?["nonce"] as? String == "as-nonce-1")
        #expect(Set(tokenRequests.compactMap { $0.dpop?["jti"] as? String }).count == 2)
        // The MCP server: one nonce challenge, then every request with a valid proof of its own.
        for _ in 0..<3 { #expect(try await accepted(peer, credential)) }
        // (The discovery probe before the first token carried no credential.)
        let mcp = try await peer.log().filter { $0.path == "/mcp" && $0.method == "POST" && $0.scheme != nil }
        #expect(mcp.allSatisfy { $0.scheme == "DPoP" })
        #expect(mcp.filter { $0.status == 401 }.count == 1, "\(mcp.map(\.status))")
        #expect(mcp.filter { $0.status == 200 }.allSatisfy { $0.dpopValid && $0.dpop?["nonce"] as? String == "rs-nonce-1" })
        let jtis = mcp.compactMap { $0.dpop?["jti"] as? String }
        #expect(Set(jtis).count == jtis.count && jtis.count == mcp.count)
        let bindings = try await peer.state()["dpop_bindings"] as? [String: String] ?? [:]
        #expect(bindings[credential.token] == credential.prover?.thumbprint)
        // Bearer is never tried with a bound token.
        #expect(try await !accepted(peer, Credential(token: credential.token)))
    }

    @Test func dpopRequiredOfAServerWithoutItIsAClearErrorAndOffNeverSendsAProof() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["reports": ["secret": "s"]]])
        defer { peer.stop() }
        try configure(peer, "      grant: client_credentials\n      client_id: reports\n      client_secret: s\n      dpop: true\n")
        let said = await failure { _ = try await OAuthManager(home: home).accessToken(for: "svc") }
        #expect(said.contains("sets oauth.dpop: true, but the authorization server \(peer.issuer) does not accept ES256 DPoP proofs (it offers: none)"), "\(said)")
        try await peer.configure(["dpop": "allowed"])
        try configure(peer, "      grant: client_credentials\n      client_id: reports\n      client_secret: s\n      dpop: false\n")
        let credential = try await OAuthManager(home: home).credential(for: "svc")
        #expect(credential.scheme == "Bearer")
        #expect(try await peer.tokenRequests().allSatisfy { $0.dpop?["present"] as? Bool != true })
    }

    /// A person's login with DPoP (a public client, dynamically registered): the code exchange is
    /// proven, the refresh token is bound too, and the refresh after a 401 is proven by the same key.
    @Test func aLoginBindsTheRefreshTokenAndTheRefreshUsesTheSameKey() async throws {
        let f = try await Fixture(settings: ["dpop": "allowed", "dpop_nonce_as": "as-nonce"])
        defer { f.peer.stop() }
        let provider = f.provider()
        _ = try await provider.login(interaction: f.interaction())
        let tokens = try #require(f.store.tokens())
        #expect(tokens.isDPoPBound && tokens.refreshToken != nil)
        let key = try #require(try provider.prover(create: false))
        try await f.peer.call("/revoke-access")
        let refreshed = try await provider.recover(failedToken: tokens.accessToken)
        #expect(refreshed != tokens.accessToken)
        let refreshes = try await f.peer.tokenRequests().filter { $0.grantType == "refresh_token" }
        #expect(refreshes.last?.status == 200 && refreshes.last?.dpopValid == true, "\(refreshes.map { ($0.status, $0.dpop ?? [:]) })")
        #expect(refreshes.allSatisfy { $0.dpop?["jkt"] as? String == key.thumbprint })
        #expect(f.store.tokens()?.isDPoPBound == true)
        // Without its key the bound refresh token is useless: a login is needed, and said so.
        unlink(f.store.dpopKeyPath)
        try await f.peer.call("/revoke-access")
        do {
            _ = try await provider.recover(failedToken: refreshed)
            Issue.record("a bound refresh token was spent without its key")
        } catch {
            #expect("\(error)".contains("bound to a DPoP key that is no longer in"), "\(error)")
        }
    }

    /// Without an identity token file, `hermes mcp login` logs the person in at the identity
    /// provider (OpenID Connect, PKCE, the loopback listener); the identity token it gives is then
    /// exchanged, and refreshed at the provider when it is about to expire, with nobody involved.
    @Test func aLoginAtTheIdentityProviderGivesTheIdentityTokenAndItsRefreshKeepsItGoing() async throws {
        let peer = try await OAuthPeer(settings: ["idjag_clients": ["crm-client": "crm-secret"],
                                                  "idp": ["client_id": "hermes-idp", "id_token_ttl": 20]])
        defer { peer.stop() }
        let idp = URLPolicy.origin(URL(string: peer.issuer)!) + "/idp"
        try configure(peer, """
              grant: identity_assertion
              client_id: crm-client
              client_secret: crm-secret
              idp:
                issuer: \(idp)
                client_id: hermes-idp

        """)
        let manager = OAuthManager(home: home)
        let before = await failure { _ = try await manager.accessToken(for: "svc") }
        #expect(before.contains("no login at the identity provider is held"), "\(before)")
        var env = ProcessInfo.processInfo.environment
        for (k, v) in Peers.browser() { env[k] = v }
        let said = Transcript()
        let interaction = LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { said.add($0) }
        _ = try await manager.login("svc", interaction: interaction)
        let identity = try #require(TokenStore(home: home, serverName: "svc").identityTokens())
        #expect(identity.refreshToken != nil)
        let idpRequests = try await peer.log().filter { $0.path.hasPrefix("/idp/") }
        #expect(idpRequests.contains { $0.path == "/idp/authorize" && $0["code_challenge_method"] == "S256" && ($0["scope"] ?? "").contains("openid") })
        #expect(idpRequests.contains { $0.path == "/idp/token" && $0.grantType == "authorization_code" && $0.status == 200 })
        #expect(idpRequests.contains { $0.path == "/idp/token" && $0.grantType == GrantTypes.tokenExchange && $0.status == 200 })
        let token = try await manager.accessToken(for: "svc")
        #expect(try await accepted(peer, Credential(token: token)))
        // The identity token is within 30 s of its end (20 s tokens): the next exchange refreshes it
        // at the provider first, with no browser.
        try await peer.call("/revoke-access")
        let answer = await manager.handle401(server: "svc", failedToken: token)
        #expect(answer.retry, "\(String(describing: answer.failure))")
        #expect(try await peer.log().contains { $0.path == "/idp/token" && $0.grantType == "refresh_token" && $0.status == 200 })
        #expect(TokenStore(home: home, serverName: "svc").identityTokens()?.idToken != identity.idToken)
        #expect(try await peer.log().filter { $0.path == "/idp/authorize" }.count == 1)
    }

    /// The configured secret belongs to the authorization server it was first used with: an edited
    /// URL whose server names another never receives it, nor an unset `${VAR}` in its place.
    @Test func theSecretNeverGoesToAnotherAuthorizationServerOrAsAnUnsetVariable() async throws {
        let first = try await OAuthPeer(settings: ["client_credentials": ["bot": ["secret": "s1"]]])
        let second = try await OAuthPeer(settings: ["client_credentials": ["bot": ["secret": "s1"]]])
        defer { first.stop(); second.stop() }
        try configure(first, "      grant: client_credentials\n      client_id: bot\n      client_secret: s1\n")
        _ = try await OAuthManager(home: home).accessToken(for: "svc")
        try configure(second, "      grant: client_credentials\n      client_id: bot\n      client_secret: s1\n")
        let said = await failure { _ = try await OAuthManager(home: home).accessToken(for: "svc") }
        #expect(said.contains("belong to the authorization server \(first.issuer), but the server now names \(second.issuer)"), "\(said)")
        #expect(try await second.tokenRequests().isEmpty)
        try configure(first, "      grant: client_credentials\n      client_id: bot\n      client_secret: ${HERMES_TEST_UNSET_\(getpid())}\n")
        _ = try TokenStore(home: home, serverName: "svc").removeTokensOnly()
        let unset = await failure { _ = try await OAuthManager(home: home).accessToken(for: "svc") }
        #expect(unset.contains("refers to ${HERMES_TEST_UNSET_\(getpid())}, which is set neither in .env nor in the environment"), "\(unset)")
        #expect(try await first.tokenRequests().count == 1)
    }
}
