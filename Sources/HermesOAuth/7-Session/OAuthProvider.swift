import Foundation

/// The OAuth state of one MCP server: its current tokens, refresh, recovery after a 401, step-up
/// after a 403, login and logout. One instance per server; every operation is single-flight
/// within the process, refreshes and logins are serialised across processes with `flock`, and
/// nothing on disk is removed or replaced unless a new, working state replaces it.
public actor OAuthProvider {
    public nonisolated let server: OAuthServer
    public nonisolated let store: TokenStore
    nonisolated let transport: any HTTPTransport
    /// Token, refresh and revocation requests give up after the server's `connect_timeout`, and
    /// never wait more than 30 s: a hung authorization server must not hang the agent behind it.
    nonisolated var tokenTimeout: Double { min(server.connectTimeout, 30) }
    nonisolated let clock: @Sendable () -> Double

    /// How long to wait for another process's refresh before giving up.
    public static let refreshLockTimeout: Double = 30

    /// Current tokens, shared with the manager's hot path and the file watcher.
    public nonisolated let cell = TokenCell()
    /// The DPoP key bound tokens are presented with (`OAuthProvider+DPoP`).
    nonisolated let dpopCache = DPoPCache()
    private nonisolated let executor: QueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var metadataCache: AuthorizationServerMetadata?
    /// Why the stored tokens may not go to `server.url` (the entry's URL changed since the login).
    private var bindingProblem: String?
    private var refreshTask: Task<OAuthTokens, any Error>?
    private var loginTask: Task<OAuthTokens, any Error>?
    /// The token request of a grant without a person in flight (`OAuthProvider+MachineGrant`).
    var obtainTask: Task<OAuthTokens, any Error>?

    public init(server: OAuthServer, home: HermesHome, transport: any HTTPTransport = CurlTransport.shared,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.server = server
        self.store = TokenStore(home: home, serverName: server.name)
        self.transport = transport.trusting(server.trust)
        self.clock = clock
        self.executor = QueueExecutor(label: "hermes.provider.\(server.name)")
    }

    /// The next read goes to disk (tokens changed there, or may have). Callable from any thread.
    public nonisolated func markStale() {
        cell.markStale()
    }

    /// The metadata file changed: forget the copy in memory.
    public func forgetMetadata() {
        metadataCache = nil
    }

    /// The tokens as last known, read from disk when stale. Tokens issued for another server URL
    /// than the entry names now are not tokens for this server: nil, with `bindingProblem` saying why.
    public func tokens() -> OAuthTokens? {
        let (tokens, stale) = cell.snapshot()
        guard stale else { return tokens }
        var fresh = store.tokens()
        bindingProblem = fresh == nil ? nil : TokenBinding.problem(metadata: store.metadata(), server: server)
        if bindingProblem != nil { fresh = nil }
        cell.set(fresh)
        return fresh
    }

    /// Why there is nothing to send: no tokens, or tokens that belong to another URL.
    private func missingTokens(_ otherwise: String) -> OAuthFailure {
        .needsLogin(server: server.name, reason: bindingProblem ?? otherwise)
    }

    /// The URL the stored tokens may be sent to (this entry's), or why none may be sent anywhere.
    public func boundURL() throws(OAuthFailure) -> URL {
        cell.markStale()
        _ = tokens()
        if let bindingProblem { throw .needsLogin(server: server.name, reason: bindingProblem) }
        return server.url
    }

    // MARK: tokens for requests

    /// A valid access token, refreshed first when expired or about to expire. Never interactive:
    /// without usable tokens it fails with `.needsLogin`.
    public func accessToken() async throws(OAuthFailure) -> String {
        if server.settings.grant.isMachine { return try await machineAccessToken() }
        guard let current = tokens() else { throw missingTokens("no tokens are stored") }
        let now = clock()
        if !current.needsRefresh(now: now) { return current.accessToken }
        guard current.refreshToken != nil else {
            // Nothing to refresh with: the token serves until it really expires.
            if !current.isExpired(now: now) { return current.accessToken }
            throw .needsLogin(server: server.name, reason: "the access token expired and no refresh token is held")
        }
        if let reason = refreshNotOffered() {
            if !current.isExpired(now: now) { return current.accessToken }
            throw .needsLogin(server: server.name, reason: reason)
        }
        do {
            return try await refreshed(from: current, force: false).accessToken
        } catch {
            // A refresh ahead of expiry that failed for a passing reason leaves a usable token.
            if !current.isExpired(now: clock()), error.isTransient { return current.accessToken }
            throw error
        }
    }

    /// After the server answered 401 to `failedToken`: a token worth retrying with (someone else's
    /// newer token, or a refreshed one), or `.needsLogin`. Never opens a browser.
    public func recover(failedToken: String?) async throws(OAuthFailure) -> String {
        if server.settings.grant.isMachine { return try await obtained(replacing: failedToken, force: true).accessToken }
        cell.markStale()
        guard let current = tokens() else { throw missingTokens("no tokens are stored") }
        if let failedToken, current.accessToken != failedToken, !current.isExpired(now: clock()) {
            return current.accessToken
        }
        guard current.refreshToken != nil else {
            let reason = "the MCP server refused the access token and no refresh token is held"
            record(.tokenRejected, reason, about: current)
            throw .needsLogin(server: server.name, reason: reason)
        }
        if let reason = refreshNotOffered() {
            record(.tokenRejected, "the MCP server refused the access token; " + reason, about: current)
            throw .needsLogin(server: server.name, reason: reason)
        }
        return try await refreshed(from: current, force: true).accessToken
    }

    // MARK: the servers' verdict

    /// Writes down a refusal that only a login can answer, beside the tokens it is about, for
    /// `status` in any process. Only ever on a path that already failed: the hot path never comes here.
    func record(_ kind: TokenVerdict.Kind, _ reason: String, about tokens: OAuthTokens?) {
        do {
            try store.save(verdict: TokenVerdict(kind: kind, reason: reason, at: clock(), about: tokens?.accessToken))
        } catch {
            HermesLog.storage.warning("could not record the refusal for '\(server.name)': \(error)")
        }
    }

    /// The MCP server refused `token` although it was just obtained (a retry after a refresh): no
    /// refresh will help, so the stored tokens are recorded as refused.
    public func tokenRefused(_ token: String?) {
        cell.markStale()
        guard let current = tokens(), token == nil || current.accessToken == token else { return }
        record(.tokenRejected, "the MCP server refused a freshly obtained access token", about: current)
    }

    func forgetVerdict() {
        do { try store.removeVerdict() } catch {
            HermesLog.storage.warning("could not remove the recorded refusal of '\(server.name)': \(error)")
        }
    }

    // MARK: refresh

    private func refreshed(from current: OAuthTokens, force: Bool) async throws(OAuthFailure) -> OAuthTokens {
        if let running = refreshTask { return try await Self.value(of: running) }
        let task = Task(executorPreference: QueueExecutor.bridge) { try await self.performRefresh(replacing: current, force: force) }
        refreshTask = task
        defer { refreshTask = nil }
        return try await Self.value(of: task)
    }

    /// Under the server's refresh lock: adopt a token another process already refreshed, or spend
    /// the refresh token. A rotated refresh token is written before the lock is released.
    private func performRefresh(replacing current: OAuthTokens, force: Bool) async throws(OAuthFailure) -> OAuthTokens {
        let lock = try await refreshLock()
        defer { lock.unlock() }

        let now = clock()
        let onDisk = store.tokens()
        // The file, not the copy in memory: another process may have logged in for another URL
        // and rewritten the tokens and the metadata a moment ago.
        if let problem = TokenBinding.problem(metadata: store.metadata(), server: server) {
            throw .needsLogin(server: server.name, reason: problem)
        }
        if let disk = onDisk, disk.accessToken != current.accessToken, !(force ? disk.isExpired(now: now) : disk.needsRefresh(now: now)) {
            cell.set(disk)
            return disk
        }
        let base = onDisk ?? current
        guard base.refreshToken != nil else {
            throw .needsLogin(server: server.name, reason: "no refresh token is held")
        }
        let metadata = try await grantMetadata()
        if let reason = Self.refreshNotOffered(by: metadata) { throw .needsLogin(server: server.name, reason: reason) }
        let registrar = Registrar(transport: transport, store: store, settings: server.settings)
        guard let choice = try registrar.existing(metadata: metadata, redirectURI: nil, now: now) else {
            throw .needsLogin(server: server.name, reason: "no client registration is stored for \(ServerText.clean(metadata.issuer))")
        }
        // A bound refresh token is spent with a proof by the key it is bound to (RFC 9449 §5).
        let dpop: DPoPProver?
        if base.isDPoPBound {
            guard let bound = try prover(create: false) else {
                throw .needsLogin(server: server.name, reason: "the tokens are bound to a DPoP key that is no longer in \(store.dpopKeyPath)")
            }
            dpop = bound
        } else {
            dpop = try dpopForTokenRequest(metadata)
        }
        let fresh: OAuthTokens
        do {
            fresh = try await TokenEndpoint(transport: transport, timeout: tokenTimeout, dpop: dpop, dpopRequired: server.settings.dpop == .required).refresh(base, client: choice.registration, metadata: metadata,
                                                                          resource: resource(metadata), now: now)
        } catch let failure {
            if failure.isInvalidClient {
                if choice.kind == .dynamic { try? registrar.discardStored(reason: "the token endpoint answered invalid_client") }
                record(.clientRejected, "the authorization server no longer knows this client (invalid_client)", about: base)
                throw .needsLogin(server: server.name, reason: "the authorization server no longer knows this client; a new registration will be made at login")
            }
            switch failure {
            case .rejected(_, let error, let description):
                let detail = ServerText.clean(error) + (description.map { ": " + ServerText.clean($0.prefix(120)) } ?? "")
                let reason = "the authorization server refused the refresh token (\(detail))"
                record(.refreshRejected, reason, about: base)
                throw .needsLogin(server: server.name, reason: reason)
            case .unavailable(let reason):
                throw .temporarilyUnavailable("refreshing the tokens of '\(server.name)' failed; nothing was changed: \(reason)")
            case .malformed(let reason):
                throw .protocolViolation("refreshing the tokens of '\(server.name)' failed: \(reason)")
            }
        }
        keep(fresh, now: now)
        return fresh
    }

    /// Tokens a token request just gave (with the metadata discovery just made, when it did):
    /// written, held, and the recorded refusal forgotten. A failed write is logged and the tokens
    /// used anyway: the grant that gave them (a rotated refresh token) may be spent already.
    func keep(_ fresh: OAuthTokens, now: Double, metadata: AuthorizationServerMetadata? = nil) {
        do {
            if let metadata { try store.save(metadata: metadata) }
            try store.save(tokens: fresh, now: now)
        } catch {
            HermesLog.storage.error("could not store the new tokens of '\(server.name)': \(error)")
        }
        cell.set(fresh, written: FileIdentity.of(store.tokensPath))
        forgetVerdict()
    }

    // MARK: metadata

    /// The authorization server that stored grants (a refresh token, tokens to revoke, the stored
    /// or configured client) may be spent at: from memory, then `<name>.meta.json` (whose binding
    /// must name this server), then discovery, whose result is used only when it names the issuer
    /// those credentials are known to belong to. A server that now points elsewhere never receives
    /// them: that takes a login, where a person sees where they are sent.
    private func grantMetadata() async throws(OAuthFailure) -> AuthorizationServerMetadata {
        if let metadataCache { return metadataCache }
        if let stored = store.metadata() {
            if let problem = TokenBinding.problem(metadata: stored, server: server) {
                throw .needsLogin(server: server.name, reason: problem)
            }
            metadataCache = stored
            return stored
        }
        let known = server.settings.clientID == nil ? store.client(forIssuer: nil)?.issuer : server.settings.issuer
        guard let known else {
            throw .needsLogin(server: server.name, reason: "no record says which authorization server issued the stored tokens, so they are not sent to the one the server names now")
        }
        let answer = try await MCPProbe.initialize(url: server.url, credential: nil, headers: server.headers,
                                                   transport: transport, timeout: server.connectTimeout, sse: server.legacySSE)
        let discovery = try await Discoverer(transport: transport).discover(serverURL: server.url, challenge: answer.challenge,
                                                                            preferredIssuer: known)
        guard discovery.authorizationServer.issuer == known else {
            throw .needsLogin(server: server.name, reason: "the server now names the authorization server \(discovery.authorizationServer.issuer.prefix(200)), not \(known.prefix(200)), which issued the stored tokens")
        }
        let metadata = remember(discovery)
        do { try store.save(metadata: metadata) } catch {
            HermesLog.storage.warning("could not store the authorization server metadata of '\(server.name)': \(error)")
        }
        return metadata
    }

    /// The metadata with what the login was for recorded beside it (`hermes_server_url`,
    /// `hermes_resource`), so a refresh after a restart sends the same `resource` without discovery
    /// and nothing is ever sent to a URL the entry names later.
    func remember(_ discovery: DiscoveryResult) -> AuthorizationServerMetadata {
        var metadata = discovery.authorizationServer
        TokenBinding.record(&metadata, server: server, resource: discovery.resource)
        metadataCache = metadata
        return metadata
    }

    /// Why no refresh may be attempted, when the authorization server lists its grants without
    /// `refresh_token`: the expired token then needs a login, and the server never sees a request
    /// it said it does not take. Only what is known already (memory, `meta.json`); nothing is fetched.
    private func refreshNotOffered() -> String? {
        (metadataCache ?? store.metadata()).flatMap(Self.refreshNotOffered(by:))
    }

    private static func refreshNotOffered(by metadata: AuthorizationServerMetadata) -> String? {
        guard metadata.refusesRefreshGrant else { return nil }
        return "the authorization server \(ServerText.clean(metadata.issuer.prefix(200))) does not offer the refresh_token grant, so the access token cannot be refreshed"
    }

    func resource(_ metadata: AuthorizationServerMetadata) -> String {
        metadata.fields[TokenBinding.resourceKey]?.string ?? server.canonicalResource
    }

    // MARK: login

    /// The result of a login that the server accepted.
    public struct LoginReport: Sendable {
        public let tokens: OAuthTokens
        public let issuer: String
        public let registration: RegistrationKind
        public let stepUps: Int
        /// The MCP 2025-03-26 rule the login followed, for a server without protected resource metadata.
        public var legacy: LegacyDiscovery? = nil
    }

    /// Runs the authorization code flow and checks that the MCP server accepts the new token,
    /// stepping up (at most twice) when it asks for more scope. A second call while one runs joins it.
    /// `timeout` overrides `oauth.timeout` for this login only (the CLI's `--timeout`): an option of
    /// the call rather than another server, so the provider and its tokens stay the manager's one.
    public func login(interaction: LoginInteraction, scope: String? = nil, newClient: Bool = false,
                      timeout: Double? = nil) async throws(OAuthFailure) -> LoginReport {
        if server.settings.grant.isMachine { return try await machineLogin(interaction: interaction) }
        var tokens = try await authorize(interaction: interaction, scope: scope, newClient: newClient, timeout: timeout)
        var stepUps = 0
        while true {
            // One request of the lifecycle only (`server/discover`, else `initialize`; the stream's
            // GET for HTTP+SSE): a request past it may be the one a server counts or acts on (the
            // conformance suite's migration server switches authorization servers after the first
            // verified one). A later 403 on another request is stepped up where it comes (`stepUp`).
            let answer = try await serverAccepts(tokens)
            // Not when the token already carries what the server names: it would refuse the next one too.
            if answer.status == 403, let challenge = answer.challenge, challenge.error == "insufficient_scope", stepUps < Self.stepUpLimit,
               !Self.alreadyCarries(tokens.scope, challenge) {
                stepUps += 1
                interaction.say("  The server asks for more access (scope \(ServerText.clean(challenge.scope ?? "?"))); authorizing again.")
                tokens = try await authorize(interaction: interaction, scope: Self.union(tokens.scope, Self.scopeFromServer(challenge.scope)), newClient: false, timeout: timeout)
                continue
            }
            if (200..<300).contains(answer.status) {
                let metadata = metadataCache
                var report = LoginReport(tokens: tokens, issuer: metadata?.issuer ?? "", registration: lastRegistrationKind, stepUps: stepUps)
                report.legacy = lastLegacy
                return report
            }
            throw answer.failureAfterLogin
        }
    }

    /// The MCP server's answer to one request of its lifecycle with `tokens` (the HTTP+SSE stream's
    /// GET for `transport: sse`), presented as they must be (Bearer or DPoP).
    func serverAccepts(_ tokens: OAuthTokens) async throws(OAuthFailure) -> MCPProbe.Answer {
        let presented = try credential(for: tokens)
        return server.legacySSE
            ? try await MCPProbe.initialize(url: server.url, credential: presented, headers: server.headers,
                                            transport: transport, timeout: server.connectTimeout, sse: true)
            : try await MCPProbe.accepts(url: server.url, credential: presented, headers: server.headers,
                                         transport: transport, timeout: server.connectTimeout)
    }

    private var lastRegistrationKind: RegistrationKind = .dynamic
    /// Kept apart from `metadataCache`, which the file watcher may clear once meta.json is written.
    private var lastLegacy: LegacyDiscovery?

    func authorize(interaction: LoginInteraction, scope: String?, newClient: Bool, timeout: Double?) async throws(OAuthFailure) -> OAuthTokens {
        if let running = loginTask { return try await Self.value(of: running) }
        let task = Task(executorPreference: QueueExecutor.bridge) {
            // Read as `oauth.timeout` would be (bounded, a nonsense value is the default).
            let seconds = timeout.map { self.server.settings.with(timeout: $0).timeout } ?? self.server.settings.timeout
            return try await self.performLogin(interaction: interaction, scope: scope, newClient: newClient, timeout: seconds)
        }
        loginTask = task
        defer { loginTask = nil }
        return try await Self.value(of: task)
    }

    private func performLogin(interaction: LoginInteraction, scope requested: String?, newClient: Bool, timeout: Double) async throws(OAuthFailure) -> OAuthTokens {
        let lock = try fileLock(store.loginLockPath)
        if !((try? lock.tryLock()) ?? false) {
            interaction.say("  Another hermes process is logging in to '\(server.name)'; waiting for it to finish...")
            do { try await lock.lock(timeout: timeout + 30) } catch {
                throw .loginTimedOut("another login for '\(server.name)' did not finish in time")
            }
            cell.markStale()
            if let tokens = tokens(), !tokens.isExpired(now: clock()), Self.covers(tokens.scope, requested) {
                lock.unlock()
                return tokens
            }
        }
        defer { lock.unlock() }

        let challenge = try await ChallengeProbe.firstChallenge(url: server.url, headers: server.headers,
                                                                transport: transport, timeout: server.connectTimeout, sse: server.legacySSE)
        let discovery = try await Discoverer(transport: transport).discover(serverURL: server.url, challenge: challenge,
                                                                            preferredIssuer: server.settings.issuer)
        let metadata = discovery.authorizationServer
        if let legacy = discovery.legacy { interaction.say("  " + legacy.explanation) }
        let scope = withPendingDemand(Self.chooseScope(requested: requested ?? server.settings.scope, challenge: challenge?.scope,
                                                       protectedResource: discovery.protectedResource, metadata: metadata))
        let registrar = Registrar(transport: transport, store: store, settings: server.settings)
        let endpoint = TokenEndpoint(transport: transport, timeout: tokenTimeout, dpop: try dpopForTokenRequest(metadata),
                                     dpopRequired: server.settings.dpop == .required)
        var forceNewClient = newClient

        for round in 0..<2 {
            let listener = try bindListener(registrar: registrar, issuer: metadata.issuer, newClient: forceNewClient, interaction: interaction)
            defer { listener.stop() }
            let redirectURI = server.settings.redirectURI ?? listener.redirectURI
            var choice = forceNewClient ? nil : try registrar.existing(metadata: metadata, redirectURI: redirectURI, now: clock())
            if choice == nil {
                do { choice = try await registrar.register(metadata: metadata, redirectURI: redirectURI, scope: scope) } catch {
                    throw OAuthFailure.from(error)
                }
            }
            guard let choice else { throw .protocolViolation("no client identity") }
            let canHeal = round == 0 && choice.kind == .dynamic

            let pkce: PKCEPair
            do { pkce = try PKCEPair.generate() } catch { throw .storage("\(error)") }
            let attempt = AuthorizationAttempt(serverName: server.name, metadata: metadata, client: choice.registration,
                                               redirectURI: redirectURI, resource: discovery.resource, scope: scope,
                                               extraParameters: server.settings.authorizationParameters, listener: listener,
                                               timeout: timeout, interaction: interaction)
            switch try await attempt.run(pkce: pkce) {
            case .refused(let error, let description):
                let detail = error + (description.map { ": \($0)" } ?? "")
                if error == "access_denied" { throw .denied("authorization for '\(server.name)' was denied (\(detail))") }
                if canHeal, ["invalid_client", "unauthorized_client", "invalid_scope"].contains(error) {
                    interaction.say("  The authorization server refused this client (\(error)); registering a new one.")
                    forceNewClient = true
                    continue
                }
                throw .protocolViolation("authorization for '\(server.name)' failed (\(detail))")
            case .code(let code):
                let tokens: OAuthTokens
                do {
                    tokens = try await endpoint.exchange(code: code, verifier: pkce.verifier, redirectURI: redirectURI,
                                                         client: choice.registration, metadata: metadata,
                                                         resource: discovery.resource, now: clock())
                } catch let failure {
                    if failure.isInvalidClient, canHeal {
                        interaction.say("  The authorization server no longer knows this client; registering a new one.")
                        forceNewClient = true
                        continue
                    }
                    switch failure {
                    case .unavailable(let reason): throw .temporarilyUnavailable("the token exchange for '\(server.name)' failed: \(reason)")
                    default: throw .protocolViolation("the token exchange for '\(server.name)' failed: \(failure)")
                    }
                }
                var stored = remember(discovery)
                // RFC 6749 §3.3: a token response without `scope` granted what was asked.
                stored.challengedScope = demandStillPending(granted: tokens.scope ?? scope)
                try commit(tokens: tokens, choice: choice, metadata: stored)
                lastRegistrationKind = choice.kind
                lastLegacy = discovery.legacy
                return tokens
            }
        }
        throw .protocolViolation("the authorization server refused a freshly registered client too")
    }

    /// Everything a login produced, written only once it worked: the new registration (the one
    /// it replaces kept as `.client.json.bak`), the metadata, then the tokens.
    private func commit(tokens: OAuthTokens, choice: ClientChoice, metadata: AuthorizationServerMetadata) throws(OAuthFailure) {
        do {
            if choice.isNew {
                try store.backupClient()
                try store.save(client: choice.registration)
            }
            try store.save(metadata: metadata)
            try store.save(tokens: tokens, now: clock())
        } catch {
            throw .storage("the login worked but its result could not be stored: \(error)")
        }
        cell.set(tokens, written: FileIdentity.of(store.tokensPath))
        forgetVerdict()
    }

    /// The port the redirect URI will advertise, bound and listening before anything is sent:
    /// `oauth.redirect_port`, else the port the stored registration lists, else a fresh one.
    private func bindListener(registrar: Registrar, issuer: String, newClient: Bool, interaction: LoginInteraction) throws(OAuthFailure) -> CallbackListener {
        if let port = server.settings.redirectPort {
            guard port < 65536 else { throw .configuration("oauth.redirect_port \(port) is not a port") }
            return try CallbackListener(port: UInt16(port), host: server.settings.redirectHost)
        }
        if server.settings.redirectURI != nil {
            throw .configuration("oauth.redirect_uri needs oauth.redirect_port: the port the local listener forwards from")
        }
        if !newClient, let port = registrar.registeredPort(issuer: issuer) {
            do { return try CallbackListener(port: port, host: server.settings.redirectHost) } catch {
                interaction.say("  The registered callback port \(port) is busy; registering a new client on another port.")
            }
        }
        return try CallbackListener(port: 0, host: server.settings.redirectHost)
    }

    // MARK: logout

    public struct LogoutReport: Sendable {
        public var revoked: [String] = []
        public var problems: [String] = []
        public var removed: [String] = []
    }

    /// Revokes the refresh and access tokens at the server's RFC 7009 endpoint when it has one,
    /// then deletes the local tokens (and the registration and metadata unless `keepRegistration`).
    /// A failed revocation is reported; the local deletion happens regardless.
    public func logout(keepRegistration: Bool) async throws(OAuthFailure) -> LogoutReport {
        var report = LogoutReport()
        cell.markStale()
        if let tokens = tokens() {
            do {
                let metadata = try await grantMetadata()
                let registrar = Registrar(transport: transport, store: store, settings: server.settings)
                // A grant without a person revokes as it obtained: with its own client authentication.
                let auth: ClientAuthentication? = server.settings.grant.isMachine
                    ? try MachineGrant(serverName: server.name, settings: server.settings, transport: transport, timeout: tokenTimeout,
                                       dpop: nil, environment: { ProcessInfo.processInfo.environment }).clientAuthentication(metadata)
                    : try registrar.existing(metadata: metadata, redirectURI: nil, now: clock()).map { ClientAuthentication(registration: $0.registration) }
                if let endpoint = metadata.revocationEndpoint, let auth {
                    let revoker = TokenEndpoint(transport: transport, timeout: tokenTimeout)
                    for (token, hint) in [(tokens.refreshToken, "refresh_token"), (tokens.accessToken, "access_token")] {
                        guard let token else { continue }
                        do {
                            try await revoker.revoke(token, hint: hint, auth: auth, audience: metadata.issuer, endpoint: endpoint)
                            report.revoked.append(hint)
                        } catch {
                            report.problems.append("revoking the \(hint.replacingOccurrences(of: "_", with: " ")) failed: \(error)")
                        }
                    }
                } else {
                    report.problems.append("the authorization server offers no revocation endpoint; the tokens were deleted locally only")
                }
            } catch {
                report.problems.append("could not reach the authorization server to revoke the tokens: \(error)")
            }
        }
        do {
            report.removed += try store.removeTokensOnly()
            if keepRegistration {
                // A scope demanded of the tokens just deleted is no one's demand now.
                try store.save(challengedScope: nil)
            } else {
                report.removed += try store.removeAll()
            }
        } catch {
            throw .storage("\(error)")
        }
        cell.set(nil)
        metadataCache = nil
        return report
    }

    // MARK: helpers

    /// The server's refresh lock, held: every token request of every process sharing the home
    /// goes through it (a refresh, a grant without a person), so each is made once.
    func refreshLock() async throws(OAuthFailure) -> FileLock {
        let lock = try fileLock(store.lockPath)
        do {
            try await lock.lock(timeout: Self.refreshLockTimeout)
        } catch {
            throw .timeout("another process has held the refresh lock of '\(server.name)' for \(Int(Self.refreshLockTimeout)) s")
        }
        return lock
    }

    func fileLock(_ path: String) throws(OAuthFailure) -> FileLock {
        do {
            try store.prepareDirectory()
            return try FileLock(path: path)
        } catch {
            throw .storage("could not open the lock \(path): \(error)")
        }
    }

    static func value(of task: Task<OAuthTokens, any Error>) async throws(OAuthFailure) -> OAuthTokens {
        do { return try await task.value } catch { throw OAuthFailure.from(error) }
    }

    /// The spec's scope strategy: configured or explicitly requested scope, else the challenge's,
    /// else everything the protected resource lists, else none. `offline_access` is added when
    /// the authorization server offers it, so a refresh token is issued (SEP-2207).
    static func chooseScope(requested: String?, challenge: String?, protectedResource: ProtectedResourceMetadata?,
                            metadata: AuthorizationServerMetadata) -> String? {
        var scope = requested ?? challenge ?? protectedResource?.scopesSupported.flatMap { $0.isEmpty ? nil : $0.joined(separator: " ") }
        if let current = scope, metadata.scopesSupported?.contains("offline_access") == true,
           !current.split(separator: " ").contains("offline_access") {
            scope = current + " offline_access"
        }
        return scope
    }

    /// Scopes of `a` then those of `b` not already present.
    static func union(_ a: String?, _ b: String?) -> String? {
        var out: [Substring] = []
        for s in (a ?? "").split(separator: " ") + (b ?? "").split(separator: " ") where !out.contains(s) { out.append(s) }
        return out.isEmpty ? nil : out.joined(separator: " ")
    }

    static func covers(_ held: String?, _ wanted: String?) -> Bool {
        let have = Set((held ?? "").split(separator: " "))
        return (wanted ?? "").split(separator: " ").allSatisfy { have.contains($0) }
    }
}

extension OAuthFailure {
    /// Failures after which the current state is still good: try again later.
    var isTransient: Bool {
        switch self {
        case .network, .timeout, .temporarilyUnavailable: true
        default: false
        }
    }
}
