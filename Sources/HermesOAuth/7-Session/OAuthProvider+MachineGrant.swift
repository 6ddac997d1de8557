import Foundation

/// The grants without a person (`oauth.grant: client_credentials`, `jwt_bearer`,
/// `identity_assertion`): a token is obtained whenever none is held, the one held is about to
/// expire, or the MCP server refused it. Such a server never needs a login; only a refusal of its
/// credentials is reported as one, with the server's words, and recorded for `status`.
extension OAuthProvider {
    func machineAccessToken() async throws(OAuthFailure) -> String {
        let current = tokens()
        if let current, !current.needsRefresh(now: clock()) { return current.accessToken }
        do {
            return try await obtained(replacing: nil, force: false).accessToken
        } catch {
            // A token obtained early for a passing reason leaves the current one usable.
            if let current, !current.isExpired(now: clock()), error.isTransient { return current.accessToken }
            throw error
        }
    }

    /// One token request in flight per server in this process; `force` after a 401 with
    /// `failedToken`.
    func obtained(replacing failedToken: String?, force: Bool) async throws(OAuthFailure) -> OAuthTokens {
        if let running = obtainTask { return try await Self.value(of: running) }
        let task = Task(executorPreference: QueueExecutor.bridge) { try await self.performObtain(replacing: failedToken, force: force) }
        obtainTask = task
        defer { obtainTask = nil }
        return try await Self.value(of: task)
    }

    /// Under the server's refresh lock, so that processes sharing the home make one request: a
    /// token another process obtained meanwhile is adopted instead.
    private func performObtain(replacing failedToken: String?, force: Bool) async throws(OAuthFailure) -> OAuthTokens {
        let lock = try await refreshLock()
        defer { lock.unlock() }
        let now = clock()
        if let disk = store.tokens(), TokenBinding.problem(metadata: store.metadata(), server: server) == nil,
           failedToken == nil || disk.accessToken != failedToken,
           !(force && failedToken == nil), !(force ? disk.isExpired(now: now) : disk.needsRefresh(now: now)) {
            cell.set(disk)
            return disk
        }
        let (metadata, discovered) = try await machineMetadata()
        var grant = MachineGrant(serverName: server.name, settings: server.settings, transport: transport, timeout: tokenTimeout, dpop: try dpopForTokenRequest(metadata),
                                 environment: { ProcessInfo.processInfo.environment })
        if server.settings.grant == .identityAssertion, server.settings.identityProvider.usesLogin {
            grant.loggedInIdentity = { try await self.identityToken() }
        }
        let fresh: OAuthTokens
        do {
            fresh = try await grant.obtain(metadata: metadata, resource: resource(metadata), now: now)
        } catch {
            if case .needsLogin(_, let reason) = error { record(.clientRejected, reason, about: store.tokens()) }
            throw error
        }
        // The metadata file is written when discovery made it, not again with every token.
        keep(fresh, now: now, metadata: discovered ? metadata : nil)
        return fresh
    }

    /// The authorization server's metadata: as recorded (when it belongs to this server's URL),
    /// else discovered from the MCP server, checked for the grant and the token endpoint methods.
    private func machineMetadata() async throws(OAuthFailure) -> (AuthorizationServerMetadata, discovered: Bool) {
        let grant = server.settings.grant
        if let known = metadataCache ?? store.metadata(), TokenBinding.problem(metadata: known, server: server) == nil {
            try Discoverer.validate(known, grant: grant)
            metadataCache = known
            return (known, false)
        }
        // The configured credentials belong to one authorization server: the one `oauth.issuer`
        // names, else the one they were first used with (recorded even when the URL changed).
        let bound = server.settings.issuer ?? store.metadata()?.issuer
        let challenge = try await ChallengeProbe.firstChallenge(url: server.url, headers: server.headers, transport: transport,
                                                                timeout: server.connectTimeout, sse: server.legacySSE)
        let discovery = try await Discoverer(transport: transport, grant: grant).discover(serverURL: server.url, challenge: challenge,
                                                                                          preferredIssuer: bound)
        if let bound, bound != discovery.authorizationServer.issuer {
            let named = ServerText.clean(discovery.authorizationServer.issuer.prefix(200))
            throw .configuration("the credentials configured for '\(server.name)' belong to the authorization server \(ServerText.clean(bound.prefix(200))), but the server now names \(named); hermes will not present them there. If that authorization server is right, set oauth.issuer: \(named) for '\(server.name)' in config.yaml")
        }
        return (remember(discovery), true)
    }

    private var identityProviderLogin: IdentityProviderLogin {
        IdentityProviderLogin(serverName: server.name, settings: server.settings.identityProvider, transport: transport, timeout: tokenTimeout)
    }

    /// The user's identity token from the last login at the identity provider, refreshed there
    /// when it is about to expire; without one, a person must log in (`hermes mcp login`).
    func identityToken() async throws(OAuthFailure) -> String {
        var held = store.identityTokens()
        // Tokens of another identity provider than the one configured now are no one's to send.
        if let issued = held?.issuer, issued != server.settings.identityProvider.issuer {
            HermesLog.storage.warning("'\(server.name)': the held identity token was issued by \(ServerText.clean(issued.prefix(200))), not by oauth.idp.issuer; it is not used")
            held = nil
        }
        if let held, held.usable(now: Date().timeIntervalSince1970) { return held.idToken }
        guard let held, held.refreshToken != nil else {
            throw .needsLogin(server: server.name, reason: held == nil
                ? "no login at the identity provider is held"
                : "the identity provider's login has expired and gave no refresh token")
        }
        let fresh = try await identityProviderLogin.refresh(held)
        do { try store.save(identityTokens: fresh) } catch {
            HermesLog.storage.error("could not store the identity token of '\(server.name)': \(error)")
        }
        return fresh.idToken
    }

    /// `hermes mcp login` for such a server: a new token now, checked against the MCP server as a
    /// login's is. No browser, except for the login at the identity provider that
    /// `grant: identity_assertion` without an identity token file or variable needs.
    func machineLogin(interaction: LoginInteraction) async throws(OAuthFailure) -> LoginReport {
        cell.markStale()
        metadataCache = nil
        if server.settings.grant == .identityAssertion, server.settings.identityProvider.usesLogin {
            let identity = try await identityProviderLogin.login(interaction: interaction, loginTimeout: server.settings.timeout)
            do { try store.save(identityTokens: identity) } catch { throw .storage("the login worked but its result could not be stored: \(error)") }
        }
        interaction.say("  Obtaining a token with the \(server.settings.grant.rawValue) grant\(server.settings.grant == .identityAssertion ? "" : " (no browser)").")
        let tokens = try await obtained(replacing: tokens()?.accessToken, force: true)
        let answer = try await serverAccepts(tokens)
        guard (200..<300).contains(answer.status) else { throw answer.failureAfterLogin }
        return LoginReport(tokens: tokens, issuer: metadataCache?.issuer ?? store.metadata()?.issuer ?? "", registration: .preRegistered, stepUps: 0)
    }
}
