import Foundation
import HermesOAuth
import MCP

/// JSON-RPC with one MCP server over one transport, for every revision: numbered requests and
/// their responses, the server's own requests (answered here: `ping`, `elicitation/create` through
/// the host's handler, and a refusal for anything hermes did not declare) and its notifications
/// (progress to the request it belongs to). Owned by hermes rather than the Swift SDK's `Client`,
/// which always sends `initialize` and has no place for the 2026-07-28 `_meta` envelope.
///
/// What the revision asks of each request (the envelope, `resultType`) is the caller's business:
/// `LifecycleNegotiator` picks the revision and `MCPRequests` speaks it.
public actor MCPSession {
    public nonisolated let transport: any Transport
    public nonisolated let server: String
    nonisolated let elicitHandler: ElicitationHandler?
    private var nextID = 1
    private var waiting: [Int: CheckedContinuation<Data, Error>] = [:]
    private var sending: [Int: Task<Void, Never>] = [:]
    private var progress: [Int: @Sendable (ProgressUpdate) -> Void] = [:]
    private var reader: Task<Void, Never>?
    /// Why the connection ended, once it has: later requests fail at once with it.
    private var ended: (any Error)?
    /// Handed list-changed and other notifications hermes has no request for.
    private var notificationSink: (@Sendable (String, Value?) -> Void)?
    /// Requests under way other than hermes' own upkeep (the change stream waits for as long as the
    /// session lives), and when the last one started or ended: what idle means for recycling a server.
    private var working: Set<Int> = []
    private var lastActivity = ContinuousClock.now
    /// Waiting requests the server is to be told of if hermes stops waiting (`announcesCancel`).
    private var cancelNoticed: Set<Int> = []
    /// Open `subscriptions/listen` requests: the ids a stdio server's change notifications and its
    /// end of a subscription name.
    private var listens: Set<Int> = []
    /// Whether the latest request spoke 2026-07-28, which has no requests from the server.
    private var stateless = false

    public init(transport: any Transport, server: String, elicit: ElicitationHandler? = nil) {
        self.transport = transport
        self.server = server
        self.elicitHandler = elicit
    }

    /// Whether hermes can answer elicitations here (it declares the capability only then).
    public nonisolated var canElicit: Bool { elicitHandler != nil }

    public func onNotification(_ sink: @escaping @Sendable (String, Value?) -> Void) { notificationSink = sink }

    /// Operations between being handed this connection and their end (`enterUse`/`leaveUse`).
    private var users = 0

    /// Since when nothing has been asked of the server; nil while a request or operation is under way.
    public var idleSince: ContinuousClock.Instant? { working.isEmpty && users == 0 ? lastActivity : nil }

    public func enterUse() {
        users += 1
        lastActivity = .now
    }

    public func leaveUse() {
        users = max(users - 1, 0)
        lastActivity = .now
    }

    /// Starts reading the server's messages; requests may be sent once it has.
    public func start() {
        guard reader == nil else { return }
        let transport = self.transport
        reader = Task { [weak self] in
            do {
                for try await message in await transport.receive() {
                    await self?.received(message)
                }
                await self?.end(MCPTransportError.closed("the connection to '\(self?.server ?? "")' closed"))
            } catch {
                await self?.end(error)
            }
        }
    }

    /// Ends the session: requests still waiting fail, the transport is closed.
    public func close() async {
        end(MCPTransportError.closed("the connection to '\(server)' was closed by hermes"))
        reader?.cancel()
        await transport.disconnect()
    }

    // MARK: sending

    /// Sends request `method` with `params` and returns the whole response message once it is in.
    /// A JSON-RPC error answer is thrown as `RPCError`. `onProgress` gets the server's progress
    /// notifications for this request (its id is the progress token). Cancelling the calling task
    /// abandons the request, and an HTTP exchange for it is ended.
    /// `upkeep` requests (keepalive pings, the change stream) are hermes' own: they do not make the
    /// server busy or end its idleness.
    public func request(_ method: String, params: [String: Value], meta: [String: Value] = [:], upkeep: Bool = false,
                        onProgress: (@Sendable (ProgressUpdate) -> Void)? = nil) async throws -> Data {
        // The reason the connection ended belongs to the request that saw it; a request made
        // afterwards finds a lost connection, which the runtime replaces and asks again.
        if let ended { throw MCPTransportError.closed("the connection to '\(server)' had already ended (\(ended))") }
        let id = nextID
        nextID += 1
        if !upkeep {
            working.insert(id)
            lastActivity = .now
        }
        stateless = meta[EnvelopeKey.protocolVersion] != nil
        if Self.announcesCancel(of: method, stateless: stateless, transport: transport) { cancelNoticed.insert(id) }
        if method == "subscriptions/listen" { listens.insert(id) }
        var meta = meta
        if let onProgress {
            meta["progressToken"] = .int(id)
            progress[id] = onProgress
        }
        var params = params
        if !meta.isEmpty { params["_meta"] = .object(meta) }
        let message = try Self.encode(["jsonrpc": .string("2.0"), "id": .int(id), "method": .string(method), "params": .object(params)])
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, Error>) in
                waiting[id] = continuation
                let transport = self.transport
                sending[id] = Task {
                    do {
                        try await transport.send(message)
                    } catch {
                        self.fail(id, error)
                    }
                    self.sent(id)
                }
            }
        } onCancel: {
            Task { await self.giveUp(id) }
        }
    }

    /// hermes stops waiting for request `id` (the caller's timeout, or it went away): the wait ends
    /// at once, and the server is told, where the revision and transport say how.
    private func giveUp(_ id: Int) async {
        let tell = waiting[id] != nil && cancelNoticed.contains(id)
        fail(id, CancellationError())
        guard tell, ended == nil else { return }
        try? await notify("notifications/cancelled", params: [
            "requestId": .int(id), "reason": .string("hermes stopped waiting for the answer"),
        ])
    }

    /// A notification (no answer).
    public func notify(_ method: String, params: [String: Value]? = nil) async throws {
        var message: [String: Value] = ["jsonrpc": .string("2.0"), "method": .string(method)]
        if let params { message["params"] = .object(params) }
        try await transport.send(try Self.encode(message))
    }

    private func sent(_ id: Int) { sending[id] = nil }

    private func fail(_ id: Int, _ error: any Error) {
        progress[id] = nil
        settled(id)
        if working.remove(id) != nil { lastActivity = .now }
        if let task = sending.removeValue(forKey: id), error is CancellationError { task.cancel() }
        waiting.removeValue(forKey: id)?.resume(throwing: error)
    }

    private func end(_ error: any Error) {
        if ended == nil { ended = error }
        let all = waiting
        waiting = [:]
        progress = [:]
        working = []
        cancelNoticed = []
        listens = []
        for continuation in all.values { continuation.resume(throwing: error) }
    }

    // MARK: receiving

    /// What hermes reads first of every message: enough to route it.
    private struct Envelope: Decodable {
        let id: ID?
        let method: String?
        let params: PlainValue?
        let error: ErrorBody?
    }

    private struct ErrorBody: Decodable {
        let code: Int
        let message: String
        let data: PlainValue?
    }

    private func received(_ message: Data) {
        // The transports hand on only JSON-RPC messages (`ReplyCheck`): anything else is dropped.
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: message) else { return }
        if let method = envelope.method {
            if let id = envelope.id {
                // 2026-07-28 servers ask through `input_required` results only, and a client there
                // sends no JSON-RPC responses at all: a request from one is not answered.
                guard !stateless else {
                    MCPLogging.runtime.debug("'\(server)' sent a \(ServerText.clipped(method)) request, which MCP 2026-07-28 has no place for; not answered")
                    return
                }
                let params = envelope.params?.value
                Task { await self.answer(id: id, method: method, params: params) }
            } else {
                notified(method, envelope.params?.value)
            }
            return
        }
        guard case .number(let number)? = envelope.id, let continuation = waiting.removeValue(forKey: number) else { return }
        progress[number] = nil
        settled(number)
        if working.remove(number) != nil { lastActivity = .now }
        if let error = envelope.error {
            continuation.resume(throwing: RPCError(code: error.code, message: error.message, data: error.data?.value))
        } else {
            continuation.resume(returning: message)
        }
    }

    /// Request `id` is over, answered or not: nothing more to call off, and a transport that
    /// matches replies to waiting requests (stdio, HTTP+SSE) stops waiting for this one, or its
    /// list would grow by each request given up for as long as the host lives.
    private func settled(_ id: Int) {
        cancelNoticed.remove(id)
        listens.remove(id)
        (transport as? any MatchesReplies)?.replies.forget(.number(id))
    }

    private func notified(_ method: String, _ params: Value?) {
        // On stdio a server ends a subscription by naming its `subscriptions/listen` request in a
        // cancellation (and may use it for nothing else): the feed then opens a new one.
        if method == "notifications/cancelled" {
            if case .object(let fields)? = params, case .int(let id)? = fields["requestId"], listens.contains(id) {
                fail(id, MCPTransportError.streamBroken("'\(server)' ended its change subscription"))
            }
            return
        }
        // A server's own log lines: for whoever debugs it (HERMES_DEBUG), cleaned and cut short.
        if method == "notifications/message" {
            if case .object(let fields)? = params {
                // Made into text only when debug lines are wanted (a chatty server's data may be large).
                MCPLogging.runtime.debug("\(Self.logLine(server: server, fields))")
            }
            return
        }
        // Change notifications name the subscription they belong to; one for a subscription that
        // is over (or never was) is stale. Without a name they are taken (HTTP streams carry
        // their own, and a list fetched again needlessly costs little).
        if case .object(let fields)? = params, case .object(let meta)? = fields["_meta"],
           let named = meta[EnvelopeKey.subscriptionID] {
            // The listen request's id, as a number or (as some servers echo ids) its digits.
            let id: Int? = switch named {
            case .int(let n): n
            case .string(let text): Int(text)
            default: nil
            }
            guard let id, listens.contains(id) else { return }
        }
        if method == "notifications/progress", case .object(let fields)? = params,
           let token = fields["progressToken"], case .int(let id) = token, let sink = progress[id] {
            let progressValue = Self.number(fields["progress"]) ?? 0
            let message: String? = if case .string(let text)? = fields["message"] { text } else { nil }
            sink(ProgressUpdate(progress: progressValue, total: Self.number(fields["total"]), message: message))
            return
        }
        notificationSink?(method, params)
    }

    /// The answer to a request the server sent on its own (the `initialize` revisions).
    private func answer(id: ID, method: String, params: Value?) async {
        let reply: [String: Value]
        switch await ServerRequests.answer(method: method, params: params, server: server, elicit: elicitHandler) {
        case .success(let result): reply = ["jsonrpc": .string("2.0"), "id": Self.value(id), "result": result]
        case .failure(let error):
            reply = ["jsonrpc": .string("2.0"), "id": Self.value(id),
                     "error": .object(["code": .int(error.code), "message": .string(error.message)])]
        }
        if let data = try? Self.encode(reply) { try? await transport.send(data) }
    }

    /// Whether a request given up is announced with `notifications/cancelled`: on 2026-07-28 over
    /// HTTP, ending its exchange is the whole of it (the transport does that when the sending task
    /// is cancelled); everywhere else the server is told, as stdio requires and the `initialize`
    /// revisions ask of HTTP too (a dropped connection is no cancellation there). The handshake of
    /// each lifecycle is never cancelled.
    private static func announcesCancel(of method: String, stateless: Bool, transport: any Transport) -> Bool {
        method != "initialize" && method != "server/discover" && !(stateless && transport is HTTPMCPTransport)
    }

    private static func logLine(server: String, _ fields: [String: Value]) -> String {
        let level: String = if case .string(let text)? = fields["level"] { text } else { "info" }
        let data: String = switch fields["data"] {
        case .string(let text)?: String(text.prefix(600))
        case let other?: String("\(other)".prefix(600))
        case nil: ""
        }
        return "'\(server)' logs (\(ServerText.clipped(level, limit: 20))): \(ServerText.clipped(data, limit: 500))"
    }

    // MARK: JSON

    static func encode(_ message: [String: Value]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(message)
    }

    private static func value(_ id: ID) -> Value {
        switch id {
        case .number(let n): .int(n)
        case .string(let s): .string(s)
        }
    }

    static func number(_ value: Value?) -> Double? {
        switch value {
        case .int(let n)?: Double(n)
        case .double(let d)?: d
        default: nil
        }
    }
}
