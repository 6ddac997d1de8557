import Foundation
import HermesOAuth
import MCP

/// One live MCP connection: its session, the requests in the revision agreed, and what the server
/// said of itself and its tools. `generation` tells connections apart, so a caller can ask for one
/// newer than the one that failed it.
public struct MCPConnection: Sendable {
    public let generation: Int
    public let requests: MCPRequests
    public var session: MCPSession { requests.session }
    public var transport: any Transport { requests.session.transport }
    public let serverName: String
    public let protocolVersion: String
    /// Whether the revision came from `protocol_version:` in config rather than from asking.
    public let pinned: Bool
    public internal(set) var tools: [Tool]
    public let connectMilliseconds: Double
    /// Returns when the connection is known to be gone (a stdio server exited, or hermes cut it:
    /// then with the reason); never for HTTP.
    public let lost: @Sendable () async -> String?
    /// Why a request is still without an answer when the server is to blame (it wrote garbage,
    /// or streams without answering); nil otherwise.
    public let stall: @Sendable () async -> String?
}

/// The session of one configured server, with the reference's lifecycle: `connect` retries a
/// failed first connection with backoff (1, 2, 4 s), all within `connect_timeout` (`Deadline`), unless
/// the failure is about authorization, which is final ("needs login"), or the server answered with
/// something unusable (`MCPErrors.isServerFault`), which asking again would only repeat;
/// `reconnect(after:)` rebuilds the session with fresh credentials; `shutdown` wins over everything
/// and leaves no process behind. An actor, so the signals can come from any thread without a race.
public actor MCPServerTask {
    public nonisolated let name: String
    public nonisolated let config: MCPServerConfig
    public nonisolated let manager: OAuthManager
    let environment: [String: String]
    private var current: MCPConnection?
    private var generation = 0
    private var isShutDown = false
    private var connecting: Task<MCPConnection, Error>?
    /// The transport of a connection attempt in progress, so shutdown can stop its process too.
    private var attempt: (any Transport)?

    /// Retries of a connection that failed for a reason other than authorization.
    public static let initialRetries = 3
    /// Seconds between them (the last value repeats).
    let backoff: [Double]
    private var attemptObserver: (@Sendable (ConnectAttempt) -> Void)?
    /// The revision the server spoke last, for the life of this task: an `initialize` one is not
    /// probed for again (`LifecycleNegotiator`); forgotten when a connection fails.
    private var remembered: String?
    /// How the host answers a server's questions (elicitation); nil declares no such capability.
    private let elicit: ElicitationHandler?
    /// `keepalive_interval` is raised to this (hermes-agent's 5 s; tests lower it).
    let keepaliveFloor: Double
    /// The current connection's upkeep (`ConnectionUpkeep`), and the bringing back of a lost one.
    private var upkeep: Task<Void, Never>?
    private var revival: Task<Void, Never>?

    /// A try of a connection, as it starts: for a person watching (the CLI's spinner).
    public struct ConnectAttempt: Sendable {
        /// 1 for the first try.
        public let number: Int
        /// At most this many tries (fewer when the deadline comes first).
        public let limit: Int
        /// The most tries that still fit the deadline, this one included (see `Deadline.mostTries`).
        public let fitting: Int
        /// Seconds since connecting began, and the budget for all of it.
        public let elapsed: Double
        public let budget: Double
    }

    public init(config: MCPServerConfig, manager: OAuthManager, environment: [String: String] = ProcessInfo.processInfo.environment,
                backoff: [Double] = [1, 2, 4], elicit: ElicitationHandler? = nil, keepaliveFloor: Double = 5) {
        self.elicit = elicit
        self.keepaliveFloor = keepaliveFloor
        self.name = config.name
        self.config = config
        self.manager = manager
        self.environment = environment
        self.backoff = backoff.isEmpty ? [1] : backoff
    }

    public struct ShutDown: Error, CustomStringConvertible {
        public var description: String { "the MCP server task was shut down" }
    }

    /// Who hears of the server's changes (`onChange`), and the stream that brings them.
    private var changeSubscriber: (@Sendable ([MCPChange]) -> Void)?
    private var feed: Task<Void, Never>?

    /// Calls `subscriber` with what the server says changed (its tool, prompt or resource lists),
    /// for as long as this task lives, across reconnections. The tool list of `connection()` is
    /// brought up to date before a `.tools` change is reported.
    public func onChange(_ subscriber: @escaping @Sendable ([MCPChange]) -> Void) {
        changeSubscriber = subscriber
        if let current, feed == nil { follow(current) }
    }

    private func follow(_ connection: MCPConnection) {
        feed?.cancel()
        let generation = connection.generation
        let report: @Sendable ([MCPChange]) -> Void = { changes in Task { await self.changed(changes, generation: generation) } }
        let session = connection.session, requests = connection.requests, transport = connection.transport
        feed = Task {
            await session.onNotification { method, params in
                if let change = MCPChange(notification: method, params: params) { report([change]) }
            }
            await ChangeFeed.run(requests, transport: transport, report: report)
        }
    }

    /// Changes heard while the last ones are still being handled, merged: a server that floods
    /// list_changed gets one more listing when the current one ends, not one per notification.
    private var pendingChanges: [MCPChange] = []
    private var relaying = false

    private func changed(_ changes: [MCPChange], generation: Int) async {
        guard changeSubscriber != nil, current?.generation == generation else { return }
        for change in changes where !pendingChanges.contains(change) {
            // Each updated resource is a change of its own: bounded.
            if pendingChanges.count < Self.maxPendingChanges { pendingChanges.append(change) }
        }
        guard !relaying else { return }
        relaying = true
        defer { relaying = false }
        while !pendingChanges.isEmpty, let subscriber = changeSubscriber, current?.generation == generation {
            let batch = pendingChanges
            pendingChanges = []
            if batch.contains(.tools) {
                do {
                    _ = try await relistTools(generation: generation)
                } catch {
                    MCPLogging.runtime.warning("'\(name)' said its tools changed, but listing them again failed: \(error)")
                }
            }
            subscriber(batch)
        }
        pendingChanges = []
    }

    /// Distinct changes kept while one batch is handled (resources updated, each its own URI).
    static let maxPendingChanges = 256

    /// The connection of `generation` with its tool list fetched again (and, on 2026-07-28, the
    /// headers that mirror arguments learnt again), within `timeout`.
    func relistTools(generation: Int) async throws -> MCPConnection {
        guard var connection = current, connection.generation == generation else { throw MCPTransportError.closed("the connection to '\(name)' was replaced") }
        let requests = connection.requests
        let tools = try await withTimeout(Deadline(seconds: config.timeout), what: "listing the tools of '\(name)' again") {
            try await allPages("listing the tools of '\(self.name)'", received: receivedBytes(requests.session.transport),
                               emptyCursorEnds: !requests.isStateless) { try await requests.listTools(cursor: $0) }
        }
        connection.tools = requests.isStateless ? await Self.mirroring(tools, of: name, on: connection.transport) : tools
        if current?.generation == generation { current = connection }
        return connection
    }

    /// Calls `observer` as each try of a connection starts.
    public func onAttempt(_ observer: @escaping @Sendable (ConnectAttempt) -> Void) { attemptObserver = observer }

    /// The ready session, connecting first when there is none.
    public func connection() async throws -> MCPConnection {
        if let current { return current }
        return try await establish(retries: Self.initialRetries, seconds: config.connectTimeout)
    }

    /// A session newer than generation `failed`: the current one when it already is, else a new one,
    /// connected within `connect_timeout` or what is left of `deadline`, whichever is less.
    public func reconnect(after failed: Int, within deadline: Deadline? = nil) async throws -> MCPConnection {
        if let current, current.generation > failed { return current }
        if let old = current { await drop(old) }
        return try await establish(retries: Self.initialRetries, seconds: min(config.connectTimeout, deadline?.remaining ?? .infinity))
    }

    /// A session newer than generation `failed`, negotiated afresh: the server refused the revision
    /// it was spoken to in (`EraChange`), so what was remembered of it no longer holds.
    public func renegotiate(after failed: Int, within deadline: Deadline? = nil) async throws -> MCPConnection {
        if let current, current.generation > failed { return current }
        remembered = nil
        return try await reconnect(after: failed, within: deadline)
    }

    /// How many connections were attempted so far (each try of each retry counts).
    public var connectionAttempts: Int { generation }

    public func shutdown() async {
        isShutDown = true
        connecting?.cancel()
        upkeep?.cancel()
        revival?.cancel()
        if let attempt {
            self.attempt = nil
            await attempt.disconnect()
        }
        feed?.cancel()
        feed = nil
        if let old = current { await drop(old) }
    }

    private func establish(retries: Int, seconds: Double) async throws -> MCPConnection {
        if isShutDown { throw ShutDown() }
        if let connecting { return try await connecting.value }
        let task = Task { try await self.connectWithRetries(retries, deadline: Deadline(seconds: seconds)) }
        connecting = task
        defer { connecting = nil }
        let connection = try await task.value
        // Shut down while connecting (another caller may have had this connection already): it
        // must not outlive the task, nor become current after shutdown emptied it.
        if isShutDown {
            await connection.session.close()
            throw ShutDown()
        }
        current = connection
        if changeSubscriber != nil { follow(connection) }
        tend(connection)
        return connection
    }

    // MARK: upkeep

    private func tend(_ connection: MCPConnection) {
        upkeep?.cancel()
        let plan = ConnectionUpkeep(config: config, connection: connection, keepaliveFloor: keepaliveFloor)
        upkeep = Task { await self.keepUp(connection, plan) }
    }

    private func keepUp(_ connection: MCPConnection, _ plan: ConnectionUpkeep) async {
        // A stdio server that dies between calls is noticed now, not by the next call.
        let watch = Task { [weak self] in
            let reason = await connection.lost()
            await self?.lost(connection, reason: reason)
        }
        defer { watch.cancel() }
        let born = ContinuousClock.now
        var lastPing = born, pingRefused = false
        while !Task.isCancelled, !isShutDown, current?.generation == connection.generation {
            let now = ContinuousClock.now
            guard let (due, chore) = plan.next(born: born, lastPing: lastPing, idleSince: await connection.session.idleSince, now: now) else {
                await Task.never()
                return
            }
            if due > now {
                try? await Task.sleep(until: due, clock: .continuous)
                continue
            }
            switch chore {
            case .ping:
                lastPing = .now
                do {
                    try await keepalive(connection, toolsInstead: &pingRefused)
                } catch {
                    guard !Task.isCancelled, current?.generation == connection.generation else { return }
                    MCPLogging.runtime.warning("'\(name)' did not answer its keepalive (\(error)); connecting again")
                    await drop(connection)
                    startRevival(after: connection.generation)
                    return
                }
            case .stopIdle:
                MCPLogging.runtime.info("'\(name)' was idle for \(Self.seconds(plan.idle)) (idle_timeout_seconds): stopping it until it is needed")
                await drop(connection)
                return
            case .replaceOld:
                MCPLogging.runtime.info("'\(name)' reached its max_lifetime_seconds (\(Self.seconds(plan.lifetime))): starting a fresh one")
                await drop(connection)
                startRevival(after: connection.generation)
                return
            }
        }
    }

    /// `ping`, or for a server that has none (-32601) the tool list, as hermes-agent does; on
    /// 2026-07-28 (no ping) `server/discover`. hermes' own requests, so they do not count as use.
    private func keepalive(_ connection: MCPConnection, toolsInstead: inout Bool) async throws {
        let session = connection.session, method = toolsInstead ? "tools/list" : "ping"
        let requests = connection.requests
        do {
            _ = try await withTimeout(min(ConnectionUpkeep.pingTimeout, config.timeout), what: "the keepalive of '\(name)'") {
                if requests.isStateless {
                    _ = try await requests.discover(upkeep: true)
                } else {
                    _ = try await session.request(method, params: [:], upkeep: true)
                }
            }
        } catch let refused as RPCError where refused.code == RPCError.methodNotFound && !toolsInstead {
            toolsInstead = true
            try await keepalive(connection, toolsInstead: &toolsInstead)
        }
    }

    private static func seconds(_ value: Double?) -> String { String(format: "%g s", value ?? 0) }

    private func lost(_ connection: MCPConnection, reason: String?) async {
        // Gone because hermes ended it (shutdown, reconnect, idle): nothing to bring back.
        guard !isShutDown, current?.generation == connection.generation else { return }
        MCPLogging.runtime.warning("'\(name)' went away (\(ServerText.clipped(reason ?? "it exited"))); starting it again")
        await drop(connection)
        startRevival(after: connection.generation)
    }

    private func drop(_ connection: MCPConnection) async {
        guard current?.generation == connection.generation else { return }
        current = nil
        // Its upkeep tends this connection only (it may be the caller: the rest of that call is
        // not cancellable work, so it still brings a replacement when it means to).
        upkeep?.cancel()
        upkeep = nil
        feed?.cancel()
        feed = nil
        await connection.session.close()
    }

    /// Connects again in the background, pausing longer after each failure
    /// (`ConnectionUpkeep.revivalPauses`), until it works, the task shuts down, or only a person can
    /// help (authorization: the next call says so). Calls meanwhile connect on their own.
    private func startRevival(after failed: Int) {
        guard revival == nil, !isShutDown else { return }
        revival = Task {
            await self.revive(after: failed)
            self.revivalEnded()
        }
    }

    private func revivalEnded() { revival = nil }

    private func revive(after failed: Int) async {
        var round = 0
        while !Task.isCancelled, !isShutDown {
            if let current, current.generation > failed { return }
            do {
                _ = try await reconnect(after: failed)
                return
            } catch {
                if error is ShutDown || MCPErrors.isAuthFailure(error) || Task.isCancelled { return }
                let pauses = ConnectionUpkeep.revivalPauses
                let pause = pauses[min(round, pauses.count - 1)]
                round += 1
                MCPLogging.runtime.warning("'\(name)' is still unreachable (\(error)); trying again in \(Int(pause)) s")
                try? await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            }
        }
    }

    /// `Deadline`'s rule for connecting: every try and pause within `deadline`, each try with what
    /// is left of it.
    private func connectWithRetries(_ retries: Int, deadline: Deadline) async throws -> MCPConnection {
        var tries = 0
        while true {
            do {
                if isShutDown { throw ShutDown() }
                generation += 1
                tries += 1
                let backoff = self.backoff
                let fitting = deadline.mostTries(started: tries, limit: retries + 1) { backoff[min($0 - 1, backoff.count - 1)] }
                attemptObserver?(ConnectAttempt(number: tries, limit: retries + 1, fitting: fitting, elapsed: deadline.elapsed, budget: deadline.seconds))
                return try await connectOnce(generation: generation, deadline: deadline)
            } catch {
                // Authorization failures need a person, and a server that answers garbage answers
                // it again: retrying would only repeat them.
                if MCPErrors.isAuthFailure(error) || MCPErrors.isServerFault(error) || error is ShutDown || Task.isCancelled { throw error }
                let pause = backoff[min(tries - 1, backoff.count - 1)]
                guard tries <= retries, deadline.allowsRetry(after: pause) else {
                    throw MCPErrors.ConnectFailed(server: name, seconds: deadline.elapsed, tries: tries, last: error)
                }
                try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            }
        }
    }

    private func connectOnce(generation: Int, deadline: Deadline) async throws -> MCPConnection {
        let started = Date()
        let transport: any Transport
        switch config.transport {
        case .http(let text), .sse(let text):
            guard let url = URL(string: text) else { throw MCPTransportError.unreachable("invalid URL: \(text)") }
            let usesOAuth = config.usesOAuth
            if usesOAuth { _ = try manager.provider(for: config) }
            let manager = self.manager, name = self.name
            let trust = config.tlsTrust
            if !trust.verify {
                // Said on every connection: a setting that silently stays on is how it outlives its reason.
                MCPLogging.runtime.warning("TLS verification is OFF for '\(name)' (ssl_verify: false): anyone on the path to \(url.host ?? text) can read and change this connection, headers included. Prefer ssl_ca: /path/to/ca.pem")
            }
            let bearer: @Sendable () async throws -> Credential? = {
                guard usesOAuth else { return nil }
                return try await manager.credential(for: name)
            }
            if case .sse = config.transport {
                transport = LegacySSETransport(url: url, headers: config.headers, trust: trust, timeout: max(config.connectTimeout, config.timeout),
                                               endpointWait: deadline.remaining, credential: bearer)
            } else {
                transport = HTTPMCPTransport(url: url, headers: config.headers, http: HTTPMCPTransport.curl.trusting(trust),
                                             timeout: max(config.connectTimeout, config.timeout), credential: bearer)
            }
        case .stdio(let command, let args):
            let env = ChildEnvironment.build(parent: environment, configured: config.env)
            let process = try StdioProcess.spawn(command: command, args: args, environment: env,
                                                 stderrLog: manager.home.logsDirectory + "/mcp-stderr.log")
            transport = StdioMCPTransport(process: process)
        case .none:
            throw MCPTransportError.unreachable("server '\(name)' has neither url nor command")
        }
        let session = MCPSession(transport: transport, server: name, elicit: elicit)
        attempt = transport
        defer { attempt = nil }
        if isShutDown {
            await transport.disconnect()
            throw ShutDown()
        }
        // A stdio server that exits during the handshake fails it at once.
        let stdio = transport as? StdioMCPTransport
        var lost: (@Sendable () async -> String?)?
        if let signal = stdio?.closed { lost = { await signal.wait() } }
        let stall: @Sendable () async -> String? = {
            if let stdio { return stdio.stall() }
            if let legacy = transport as? LegacySSETransport { return await legacy.stall() }
            return await (transport as? HTTPMCPTransport)?.stall()
        }
        let name = self.name, listing = Pagination.Progress(), phase = Phase("initialize")
        let (pinned, lastVersion) = (config.protocolVersion, self.remembered)
        let connectStall: @Sendable () async -> String? = { await stall() ?? listing.stall("listing the tools of '\(name)'") }
        do {
            // The handshake and the whole tool listing, every page, share one deadline.
            let (result, tools) = try await withTimeout(deadline, what: "connecting to '\(name)'", lost: lost, stall: connectStall,
                                                        waitingFor: { phase.current }) {
                await session.start()
                if let legacy = transport as? LegacySSETransport {
                    phase.current = "the endpoint event of the SSE stream"
                    try await legacy.connect()
                }
                let result = try await LifecycleNegotiator.negotiate(session, pinned: pinned, remembered: lastVersion, deadline: deadline,
                                                                    discovers: !(transport is LegacySSETransport),
                                                                    waiting: { phase.current = $0 }) { version in
                    await (transport as? HTTPMCPTransport)?.setProtocolVersion(version)
                }
                let requests = MCPRequests(session: session, version: result.protocolVersion, capabilities: nil)
                var tools: [Tool] = []
                if result.offersTools {
                    phase.current = "the list of tools"
                    tools = try await allPages("listing the tools of '\(name)'", received: receivedBytes(transport), progress: listing,
                                               emptyCursorEnds: !result.isStateless) { cursor in
                        try await requests.listTools(cursor: cursor)
                    }
                }
                if result.isStateless { tools = await Self.mirroring(tools, of: name, on: transport) }
                return (result, tools)
            }
            self.remembered = result.protocolVersion
            return MCPConnection(generation: generation, requests: MCPRequests(session: session, version: result.protocolVersion, capabilities: nil),
                                 serverName: result.serverName ?? name, protocolVersion: result.protocolVersion, pinned: pinned != nil, tools: tools,
                                 connectMilliseconds: Date().timeIntervalSince(started) * 1000,
                                 lost: lost ?? { await Task.never(); return nil }, stall: stall)
        } catch {
            // What was learnt of the revision may be what failed: the next try asks afresh.
            self.remembered = nil
            await session.close()
            throw error
        }
    }
}

extension MCPServerTask {
    /// 2026-07-28: tools whose arguments are mirrored in headers have the HTTP transport told so;
    /// a tool whose marks are invalid is left out, as the spec requires (it cannot be called right).
    static func mirroring(_ tools: [Tool], of server: String, on transport: any Transport) async -> [Tool] {
        var kept: [Tool] = [], map: [String: [String: String]] = [:]
        for tool in tools {
            do {
                let mirrored = try RoutingHeaders.marks(of: tool)
                if !mirrored.isEmpty { map[tool.name] = mirrored }
                kept.append(tool)
            } catch {
                MCPLogging.runtime.warning("'\(server)': tool '\(ServerText.clipped(tool.name))' is left out: its x-mcp-header marks are invalid (\(ServerText.clean(error.reason)))")
            }
        }
        await (transport as? HTTPMCPTransport)?.setMirroredArguments(map)
        return kept
    }
}

/// The bytes `transport` has received from its server.
func receivedBytes(_ transport: any Transport) -> Pagination.ReceivedBytes {
    (transport as? StdioMCPTransport)?.received ?? (transport as? HTTPMCPTransport)?.received ?? (transport as? LegacySSETransport)?.received
        ?? Pagination.ReceivedBytes()
}

/// What a connection attempt is waiting for, for the message when the time runs out.
final class Phase: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String
    init(_ value: String) { self.value = value }
    var current: String {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

func withTimeout<T: Sendable>(_ seconds: Double, what: String, lost: (@Sendable () async -> String?)? = nil,
                              stall: (@Sendable () async -> String?)? = nil,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withTimeout(Deadline(seconds: seconds), what: what, lost: lost, stall: stall, body)
}

/// Runs `body` until `deadline`, and gives up early when `lost` returns (the connection died). The
/// work is abandoned (cancelled, not awaited) then: a request stuck where cancellation cannot reach
/// must not hold the caller too. `stall` tells, at the deadline, whether the server is to blame and how;
/// `waitingFor`, what was still awaited. The timeout reports the whole budget: the deadline may have
/// been set before this part of the operation began.
func withTimeout<T: Sendable>(_ deadline: Deadline, what: String, lost: (@Sendable () async -> String?)? = nil,
                              stall: (@Sendable () async -> String?)? = nil, waitingFor: (@Sendable () -> String)? = nil,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withCheckedThrowingContinuation { continuation in
        let work = CancelLater()
        // The wait for `lost` ends with the call too: on a connection that is never lost it would
        // otherwise stay suspended for the life of the process, one task per request.
        let watch = CancelLater()
        // Ended as soon as the work is: what it holds (`stall` may hold the transport, and with it
        // a server's descriptors) must not outlive the call by the rest of the deadline.
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(max(deadline.remaining, 0.001) * 1e9))
            guard !Task.isCancelled else { return }
            let detail = await stall?()
            let timeout = MCPErrors.TimedOut(what: what, seconds: deadline.seconds, detail: detail, waitingFor: waitingFor?())
            if once.resume(continuation, .failure(timeout)) {
                work.cancel()
                watch.cancel()
            }
        }
        work.set(Task {
            do {
                once.resume(continuation, .success(try await body()))
            } catch {
                once.resume(continuation, .failure(MCPErrors.normalized(error)))
            }
            timer.cancel()
            watch.cancel()
        })
        if let lost {
            watch.set(Task {
                let cut = await lost()
                let error = cut.map { MCPTransportError.malformed("\(what) failed: \($0)") }
                    ?? MCPTransportError.closed("the server went away during \(what)")
                if once.resume(continuation, .failure(error)) {
                    work.cancel()
                    timer.cancel()
                }
            })
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Suspends until cancelled.
    static func never() async {
        let stream = AsyncStream<Void> { _ in }
        for await _ in stream {}
    }
}

/// A task to cancel that may not exist yet: cancelled as soon as it is set, if asked before.
final class CancelLater: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var cancelled = false

    func set(_ task: Task<Void, Never>) {
        let now = lock.withLock { () -> Bool in
            self.task = task
            return cancelled
        }
        if now { task.cancel() }
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            return task
        }?.cancel()
    }
}

final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    @discardableResult
    func resume(_ continuation: CheckedContinuation<T, Error>, _ result: Result<T, Error>) -> Bool {
        let first = lock.withLock { () -> Bool in
            if done { return false }
            done = true
            return true
        }
        if first { continuation.resume(with: result) }
        return first
    }
}
