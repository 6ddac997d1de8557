import Foundation

/// What a caller that saw a 401 should do next.
public struct RecoveryAnswer: Sendable, Equatable {
    /// Retrying is worthwhile: `token` is different from the one that failed.
    public let retry: Bool
    public let token: String?
    /// Why not, when `retry` is false.
    public let failure: OAuthFailure?

    static func retry(_ token: String) -> RecoveryAnswer { RecoveryAnswer(retry: true, token: token, failure: nil) }
    static func giveUp(_ failure: OAuthFailure) -> RecoveryAnswer { RecoveryAnswer(retry: false, token: nil, failure: failure) }
}

/// One per `HERMES_HOME` per process, shared by every caller (CLI, MCP runtime, C programs): the
/// providers by server name, live reload of token files and config.yaml through the home's one
/// inotify watcher, and single-flight 401 recovery. Tokens refreshed anywhere, by this process or
/// another, are used everywhere at once.
public final class OAuthManager: Sendable {
    public let home: HermesHome
    let transport: any HTTPTransport
    let clock: @Sendable () -> Double

    /// A class, so the hot path's lookup retains one reference rather than copying every field of
    /// the server's configuration (each a retain and a release inside the lock).
    private final class Entry: Sendable {
        let server: OAuthServer
        let provider: OAuthProvider
        init(server: OAuthServer, provider: OAuthProvider) {
            self.server = server
            self.provider = provider
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var namesByStem: [String: String] = [:]
        var subscribers: [UInt64: @Sendable (TokenEvent) -> Void] = [:]
        var nextSubscriber: UInt64 = 1
        var recoveries: [String: Task<RecoveryAnswer, Never>] = [:]
        var watcher: HomeWatcher?
        /// `startWatching()` was asked for: the watcher stays until `stopWatching()`.
        var watchingPinned = false
        var configurationSubscribers: [UInt64: @Sendable () -> Void] = [:]
        var configSnapshot: ConfigSnapshot?

        /// One id space for both kinds of subscriber, so an id never means two handlers.
        mutating func newSubscriberID() -> UInt64 {
            defer { nextSubscriber += 1 }
            return nextSubscriber
        }
    }

    /// The catalogue's servers as last loaded, with the identity of config.yaml and .env at the
    /// time: building providers for N servers parses them once, not N times.
    /// Only the OAuth view of each entry is kept (plain strings), not the YAML tree.
    private struct ConfigSnapshot {
        let identity: ServerCatalogue.Identity
        let servers: [String: Result<OAuthServer, OAuthFailure>]
    }

    private let state = Locked(State())

    private static let registry = Locked<[String: OAuthManager]>([:])

    /// The process-wide manager for `home` (resolved through symlinks, so two spellings of one
    /// directory share it).
    public static func shared(home: HermesHome = .resolve()) -> OAuthManager {
        let key = URL(fileURLWithPath: home.path).resolvingSymlinksInPath().path
        return registry.withLock { managers in
            if let existing = managers[key] { return existing }
            let manager = OAuthManager(home: HermesHome(path: key))
            managers[key] = manager
            return manager
        }
    }

    /// A manager of its own (tests, benchmarks): not the shared one.
    public init(home: HermesHome, transport: any HTTPTransport = CurlTransport.shared,
                clock: @escaping @Sendable () -> Double = { TokenCell.now() }) {
        self.home = home
        self.transport = transport
        self.clock = clock
    }

    deinit {
        state.withLock { $0.watcher }?.stop()
    }

    // MARK: providers

    /// The provider for a config entry: the same instance for the same server across reconnects;
    /// a new one when its URL, headers or `oauth` block changed.
    public func provider(for config: MCPServerConfig) throws(OAuthFailure) -> OAuthProvider {
        provider(for: try OAuthServer(config: config))
    }

    func provider(for server: OAuthServer) -> OAuthProvider {
        ensureWatchingOrWarn()
        return state.withLock { s in
            if let entry = s.entries[server.name], entry.server == server { return entry.provider }
            let provider = OAuthProvider(server: server, home: home, transport: transport, clock: clock)
            s.entries[server.name] = Entry(server: server, provider: provider)
            s.namesByStem[provider.store.stem] = server.name
            return provider
        }
    }

    /// The cached provider, else one built from config.yaml; nil when no such OAuth server exists.
    public func provider(named name: String) throws(OAuthFailure) -> OAuthProvider? {
        if let cached = cachedProvider(named: name) { return cached }
        guard let entry = try configuredServer(named: name) else { return nil }
        return provider(for: try entry.get())
    }

    /// The entry from the home's `ServerCatalogue`, loaded again only when config.yaml or .env
    /// changed (see `ServerCatalogue.Identity`).
    func configuredServer(named name: String) throws(OAuthFailure) -> Result<OAuthServer, OAuthFailure>? {
        if let snapshot = state.withLock({ $0.configSnapshot }), snapshot.identity == ServerCatalogue.Identity(home: home) {
            return snapshot.servers[name]
        }
        let catalogue: ServerCatalogue
        do { catalogue = try ServerCatalogue.load(home: home) } catch { throw .configuration(error.description) }
        var servers: [String: Result<OAuthServer, OAuthFailure>] = [:]
        for entry in catalogue.serverNames {
            // An entry of the wrong shape answers with its line in config.yaml, not "not found".
            if let problem = catalogue.problem(forServer: entry) {
                servers[entry] = .failure(.configuration(problem.description))
                continue
            }
            guard let server = catalogue.server(named: entry) else { continue }
            servers[server.name] = Result { () throws(OAuthFailure) in try OAuthServer(config: server) }
        }
        state.withLock { $0.configSnapshot = ConfigSnapshot(identity: catalogue.identity, servers: servers) }
        return servers[name]
    }

    public func cachedProvider(named name: String) -> OAuthProvider? {
        state.withLock { $0.entries[name]?.provider }
    }

    // MARK: tokens

    /// The hot path: a valid access token already in memory, with no lock beyond two uncontended
    /// mutexes and no system call. nil when it must be (re)read or refreshed.
    /// Without a watcher (no inotify instance to be had) nothing says when the files change, so
    /// there is no hot path: every call goes to the files.
    public func cachedAccessToken(for name: String) -> String? {
        guard let provider = state.withLock({ $0.watcher == nil ? nil : $0.entries[name]?.provider }) else { return nil }
        return provider.cell.freshAccessToken(now: clock())
    }

    /// A valid access token for the server, refreshed when needed. Never interactive.
    public func accessToken(for name: String) async throws(OAuthFailure) -> String {
        if let token = cachedAccessToken(for: name) { return token }
        if state.withLock({ $0.watcher == nil }) { recheck(name) }
        guard let provider = try provider(named: name) else { throw .unknownServer(name) }
        return try await provider.accessToken()
    }

    /// The access token as requests present it: Bearer, or DPoP with the key it is bound to (a
    /// fresh proof per request from `Credential.headers`).
    public func credential(for name: String) async throws(OAuthFailure) -> Credential {
        let token = try await accessToken(for: name)
        var found = cachedProvider(named: name)
        if found == nil { found = try provider(named: name) }
        guard let provider = found else { return Credential(token: token) }
        return try provider.credential(forToken: token)
    }

    /// After the server answered 401 to `failedToken`. Concurrent callers with the same failed
    /// token share one recovery; a caller whose token was already replaced is told to retry at
    /// once. Recovery adopts a newer token from disk, else refreshes, else answers "needs login".
    public func handle401(server name: String, failedToken: String?) async -> RecoveryAnswer {
        let provider: OAuthProvider
        do {
            guard let p = try self.provider(named: name) else { return .giveUp(.unknownServer(name)) }
            provider = p
        } catch {
            return .giveUp(error)
        }
        let (current, stale) = provider.cell.snapshot()
        if !stale, let current, let failedToken, current.accessToken != failedToken, !current.isExpired(now: clock()) {
            return .retry(current.accessToken)
        }
        let key = name + "\u{0}" + (failedToken ?? "")
        let task: Task<RecoveryAnswer, Never> = state.withLock { s in
            if let running = s.recoveries[key] { return running }
            let task = Task(executorPreference: QueueExecutor.bridge) { [weak self] () -> RecoveryAnswer in
                let answer: RecoveryAnswer
                do {
                    let token = try await provider.recover(failedToken: failedToken)
                    if token == failedToken {
                        await provider.tokenRefused(token)
                        answer = .giveUp(.needsLogin(server: name, reason: "the MCP server keeps refusing the current token"))
                    } else {
                        answer = .retry(token)
                    }
                } catch {
                    answer = .giveUp(OAuthFailure.from(error))
                }
                self?.state.withLock { _ = $0.recoveries.removeValue(forKey: key) }
                return answer
            }
            s.recoveries[key] = task
            return task
        }
        return await task.value
    }

    /// After the MCP server answered 403 `insufficient_scope`: with `interaction` (a command a
    /// person runs), a new authorization for the held and demanded scopes together, answered as
    /// `.retry` with its token; without (the runtime, C programs), `.giveUp(.needsLogin)` naming
    /// the missing scope, which is remembered beside the tokens for the next login in any process.
    /// One call authorizes at most once: the caller bounds the rounds (`OAuthProvider.stepUpLimit`).
    public func handle403(server name: String, challenge: AuthChallenge, interaction: LoginInteraction?) async -> RecoveryAnswer {
        do {
            guard let provider = try self.provider(named: name) else { return .giveUp(.unknownServer(name)) }
            return .retry(try await provider.stepUp(challenge: challenge, interaction: interaction).accessToken)
        } catch {
            return .giveUp(error)
        }
    }

    /// A request retried with the token a 401 recovery handed out was refused again: recorded
    /// beside the tokens (see `TokenVerdict`), so `status` stops calling them good.
    public func tokenRefused(server name: String, token: String?) async {
        guard let provider = (try? provider(named: name)) ?? nil else { return }
        await provider.tokenRefused(token)
    }

    // MARK: login, logout, removal

    public func login(_ name: String, interaction: LoginInteraction, newClient: Bool = false) async throws(OAuthFailure) -> OAuthProvider.LoginReport {
        guard let provider = try provider(named: name) else { throw .unknownServer(name) }
        return try await provider.login(interaction: interaction, newClient: newClient)
    }

    public func logout(_ name: String, keepRegistration: Bool) async throws(OAuthFailure) -> OAuthProvider.LogoutReport {
        guard let provider = try provider(named: name) else { throw .unknownServer(name) }
        return try await provider.logout(keepRegistration: keepRegistration)
    }

    /// A login for an entry the caller holds rather than config.yaml's (the CLI's, read with its
    /// environment; `add`'s, before it is saved), through the same provider, so the tokens land in
    /// the cell every reader of this process uses and a concurrent refresh or login is joined.
    /// `timeout` overrides `oauth.timeout` for this login only.
    public func login(_ server: OAuthServer, interaction: LoginInteraction, newClient: Bool = false,
                      timeout: Double? = nil) async throws(OAuthFailure) -> OAuthProvider.LoginReport {
        try await provider(for: server).login(interaction: interaction, newClient: newClient, timeout: timeout)
    }

    /// `logout(_:keepRegistration:)` for an entry the caller holds.
    public func logout(_ server: OAuthServer, keepRegistration: Bool) async throws(OAuthFailure) -> OAuthProvider.LogoutReport {
        try await provider(for: server).logout(keepRegistration: keepRegistration)
    }

    /// Forgets the server: evicts its provider and deletes its token, registration and metadata
    /// files, revoking the tokens first when asked and possible. Returns the files removed.
    @discardableResult
    public func remove(_ name: String, revoke: Bool = false) async throws(OAuthFailure) -> [String] {
        let cached = state.withLock { $0.entries.removeValue(forKey: name) }?.provider
        if revoke, let provider = cached ?? ((try? self.provider(named: name)) ?? nil) {
            _ = state.withLock { $0.entries.removeValue(forKey: name) }
            return try await provider.logout(keepRegistration: false).removed
        }
        do {
            return try TokenStore(home: home, serverName: name).removeAll()
        } catch {
            throw .storage(error.description)
        }
    }

    // MARK: live reload

    /// Every change to a token file from now on, as an `AsyncSequence`. Ends when the consumer
    /// stops iterating.
    public func events() -> AsyncStream<TokenEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: TokenEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let id = subscribe { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return stream
    }

    /// Calls `handler` on the watcher thread for every change; returns an id for `unsubscribe`.
    @discardableResult
    public func subscribe(_ handler: @escaping @Sendable (TokenEvent) -> Void) -> UInt64 {
        ensureWatchingOrWarn()
        return state.withLock { s in
            let id = s.newSubscriberID()
            s.subscribers[id] = handler
            return id
        }
    }

    public func unsubscribe(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
        stopWatchingIfUnneeded()
    }

    /// Calls `handler` on the watcher thread once per burst of changes to config.yaml or .env
    /// (written, replaced by rename, deleted, re-created), shortly after the burst began; returns
    /// an id for `unwatchConfiguration`. Throws when the home cannot be watched at all.
    public func watchConfiguration(_ handler: @escaping @Sendable () -> Void) throws -> UInt64 {
        try ensureWatching()
        return state.withLock { s in
            let id = s.newSubscriberID()
            s.configurationSubscribers[id] = handler
            return id
        }
    }

    /// Ends a `watchConfiguration`; the watcher's thread is joined when nothing else needs it.
    public func unwatchConfiguration(_ id: UInt64) {
        _ = state.withLock { $0.configurationSubscribers.removeValue(forKey: id) }
        stopWatchingIfUnneeded()
    }

    /// Starts the home's watcher and keeps it until `stopWatching()`. Failure to watch (no inotify
    /// instances left) degrades to reading the file whenever a token is needed rather than failing.
    public func startWatching() {
        state.withLock { $0.watchingPinned = true }
        ensureWatchingOrWarn()
    }

    private func ensureWatchingOrWarn() {
        do {
            try ensureWatching()
        } catch {
            HermesLog.storage.warning("cannot watch \(home.tokenDirectory) (\(error)); tokens will be re-read on every use")
        }
    }

    /// Starts the watcher once; it runs while a provider, a subscriber or `startWatching()` needs it.
    func ensureWatching() throws {
        guard state.withLock({ $0.watcher == nil }) else { return }
        let watcher = try HomeWatcher(home: home) { [weak self] change in
            self?.apply(change)
        }
        let installed = state.withLock { s -> Bool in
            if s.watcher != nil { return false }
            s.watcher = watcher
            return true
        }
        guard installed else {
            watcher.stop()
            return
        }
        do {
            try watcher.start()
        } catch {
            state.withLock { s in if s.watcher === watcher { s.watcher = nil } }
            watcher.stop()
            throw error
        }
    }

    /// Stops the watcher and joins its thread (the manager keeps working; tokens are then re-read
    /// from disk on use).
    public func stopWatching() {
        let watcher = state.withLock { s -> HomeWatcher? in
            defer {
                s.watcher = nil
                s.watchingPinned = false
            }
            return s.watcher
        }
        watcher?.stop()
    }

    /// The last reason to watch went (a runtime shut down, a subscriber left): the thread goes too.
    private func stopWatchingIfUnneeded() {
        let watcher = state.withLock { s -> HomeWatcher? in
            guard !s.watchingPinned, s.entries.isEmpty, s.subscribers.isEmpty, s.configurationSubscribers.isEmpty else { return nil }
            defer { s.watcher = nil }
            return s.watcher
        }
        watcher?.stop()
    }

    /// The watcher thread's kernel id while it runs (tests check it is gone after a stop).
    package var watcherThreadID: pid_t? { state.withLock { $0.watcher }?.threadID }

    private func apply(_ change: HomeWatcher.Change) {
        switch change {
        case .tokens(let stem, let kind):
            let (provider, name, subscribers) = lookup(stem: stem)
            if let provider { provider.cell.fileChanged(now: FileIdentity.of(provider.store.tokensPath)) }
            let event = TokenEvent(server: name, kind: kind)
            for handler in subscribers { handler(event) }
        case .registration(let stem):
            // A new registration or metadata file does not change the tokens in hand.
            if let provider = lookup(stem: stem).0 {
                Task(executorPreference: QueueExecutor.bridge) { await provider.forgetMetadata() }
            }
        case .configuration:
            forgetChangedServers()
        case .configurationSettled:
            let handlers = state.withLock { Array($0.configurationSubscribers.values) }
            for handler in handlers { handler() }
        case .everything:
            let providers = state.withLock { $0.entries.values.map(\.provider) }
            for provider in providers {
                provider.markStale()
                Task(executorPreference: QueueExecutor.bridge) { await provider.forgetMetadata() }
            }
        }
    }

    /// config.yaml or .env changed: a server whose entry now says something else (another URL, other
    /// headers or `oauth` settings) or is gone loses its provider, so the hot path stops handing out
    /// tokens meant for what the entry used to say. Its next use builds a provider from the new
    /// entry, which checks the tokens' binding.
    private func forgetChangedServers() {
        let names = state.withLock { s -> [String] in
            s.configSnapshot = nil
            return Array(s.entries.keys)
        }
        for name in names {
            let now: OAuthServer? = ((try? configuredServer(named: name)) ?? nil).flatMap { try? $0.get() }
            state.withLock { s in
                guard let entry = s.entries[name], entry.server != now else { return }
                s.entries.removeValue(forKey: name)
            }
        }
    }

    /// What the watcher would have said, found by looking: the entry may have changed (config.yaml
    /// and .env are parsed again only when their identity changed) and the tokens may have.
    private func recheck(_ name: String) {
        let now: OAuthServer? = ((try? configuredServer(named: name)) ?? nil).flatMap { try? $0.get() }
        let provider = state.withLock { s -> OAuthProvider? in
            guard let entry = s.entries[name] else { return nil }
            guard entry.server == now else {
                s.entries.removeValue(forKey: name)
                return nil
            }
            return entry.provider
        }
        provider?.markStale()
    }

    private func lookup(stem: String) -> (OAuthProvider?, String, [@Sendable (TokenEvent) -> Void]) {
        var (name, subscribers) = state.withLock { ($0.namesByStem[stem], Array($0.subscribers.values)) }
        if name == nil {
            // A server this process has not used yet: config.yaml names it.
            if let catalogue = try? ServerCatalogue.load(home: home) {
                let map = Dictionary(catalogue.serverNames.map { (ServerFileName.stem(for: $0), $0) }, uniquingKeysWith: { a, _ in a })
                state.withLock { s in for (k, v) in map where s.namesByStem[k] == nil { s.namesByStem[k] = v } }
                name = map[stem]
            }
            subscribers = state.withLock { Array($0.subscribers.values) }
        }
        let resolved = name ?? stem
        let provider = state.withLock { $0.entries[resolved]?.provider }
        return (provider, resolved, subscribers)
    }
}
