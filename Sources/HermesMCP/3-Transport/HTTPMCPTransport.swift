import Foundation
import HermesOAuth
import Logging
import MCP

/// Streamable HTTP (MCP 2025-11-25) over hermes' libcurl transport: every POST carries the
/// credential from `credential()` (Bearer, or DPoP with a fresh proof), the session id and the negotiated protocol version; a JSON reply or a
/// `text/event-stream` reply (read event by event as it arrives) is handed to the SDK's client once
/// `HTTPReply` has checked it. The SDK's own HTTP transport hangs on SSE replies on Linux and cannot
/// reach IPv6 literals.
public actor HTTPMCPTransport: Transport {
    public nonisolated let logger = MCPLogging.quietLogger("hermes.mcp.http")
    let url: URL
    let headers: [String: String]
    let http: any HTTPTransport
    let timeout: Double
    let credential: @Sendable () async throws -> Credential?
    private var sessionID: String?
    private var protocolVersion: String?
    private let stream: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    /// The credential of the last request, for 401 recovery (its token) and the closing DELETE.
    private var lastCredential: Credential?
    public var lastToken: String? { lastCredential?.token }
    /// Exchanges under way, so `disconnect` can end them (an event stream may never end by itself).
    private var inFlight: [UUID: (task: Task<HermesOAuth.HTTPResponse, Error>, reply: HTTPReply)] = [:]
    public nonisolated let received = Pagination.ReceivedBytes()
    /// Bytes of one MCP reply, and so of one line of its event stream: room for a tool result of
    /// 20 MiB and more (a server may send its text twice, as content and as structured content),
    /// where OAuth documents get 16 MiB. A stdio line has the same bound.
    public static let maxReply = 64 << 20
    static let maxLine = maxReply
    /// libcurl with the MCP reply bound (connections are pooled across instances).
    public static let curl = CurlTransport(maxBody: maxReply)

    public init(url: URL, headers: [String: String], http: any HTTPTransport = HTTPMCPTransport.curl, timeout: Double,
                credential: @escaping @Sendable () async throws -> Credential?) {
        self.url = url
        self.headers = headers
        self.http = http
        self.timeout = timeout
        self.credential = credential
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    public func connect() async throws {}

    public func disconnect() async {
        if let sessionID {
            var h = headers
            h["Mcp-Session-Id"] = sessionID
            if let lastCredential { h.merge(lastCredential.headers(method: "DELETE", url: url)) { _, new in new } }
            _ = try? await http.send(HTTPRequest(method: "DELETE", url: url, headers: h, timeout: min(timeout, 5)))
        }
        sessionID = nil
        for exchange in inFlight.values { exchange.task.cancel() }
        inFlight = [:]
        continuation.finish()
    }

    /// Why a request is still without an answer, when the server is the reason (it accepted the
    /// request and streams without answering): a timeout then says so, and is not retried.
    public func stall() -> String? {
        inFlight.values.compactMap(\.reply.stall).first
    }

    public func setProtocolVersion(_ version: String) { protocolVersion = version }

    /// Where the standalone stream of this session ended (its last event id), to ask the server
    /// for what it sent after that when the stream is opened again (2025-11-25 resumability).
    private var standalonePlace: (session: String, eventID: String)?

    /// The standalone event stream of the `initialize` revisions (a GET on the MCP URL, within the
    /// session): the server's notifications and requests come through `receive()`; returns when the
    /// server ends the stream. 2026-07-28 has no such stream (`subscriptions/listen` instead).
    public func listen() async throws {
        var h = headers
        h["Accept"] = "text/event-stream"
        if let sessionID { h["Mcp-Session-Id"] = sessionID }
        if let protocolVersion { h["MCP-Protocol-Version"] = protocolVersion }
        // Events ids belong to a session: a new session starts its stream afresh.
        if let place = standalonePlace, place.session == sessionID { h["Last-Event-ID"] = place.eventID }
        let presented = try await credential()
        if let presented { h.merge(presented.headers(method: "GET", url: url)) { _, new in new } }
        let continuation = self.continuation
        let reply = HTTPReply(request: nil, lineLimit: Self.maxLine, longLived: true) { message, _ in continuation.yield(message) }
        defer {
            if let session = sessionID, let id = reply.lastEventID, id.utf8.count <= 1024, HeaderSyntax.isVisibleASCII(id) {
                standalonePlace = (session, id)
            }
        }
        var request = HTTPRequest(method: "GET", url: url, headers: h, timeout: timeout)
        request.longLived = true
        let response = try await run(request, into: reply)
        switch response.status {
        case 200..<300: try reply.finish(status: response.status, contentType: response.header("content-type"))
        case 401: throw MCPTransportError.unauthorized(token: presented?.token, challenge: response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) })
        default: throw MCPTransportError.http(status: response.status, detail: "")
        }
    }

    /// Per tool, the arguments 2026-07-28 sends again as `Mcp-Param-*` headers (from its tool list).
    private var mirroredArguments: [String: [String: String]] = [:]
    public func setMirroredArguments(_ map: [String: [String: String]]) { mirroredArguments = map }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream }

    public func send(_ data: Data) async throws {
        try await send(data, nonceRetry: false)
    }

    /// `nonceRetry`: this is the one resend after a server asked for a DPoP nonce (RFC 9449 §9).
    private func send(_ data: Data, nonceRetry: Bool) async throws {
        var h = headers
        h["Content-Type"] = "application/json"
        h["Accept"] = "application/json, text/event-stream"
        // A 2026-07-28 request names its own version and routing; an older one carries the
        // session's id and the version `initialize` agreed.
        let routing = RoutingHeaders.of(data, parameters: mirroredArguments)
        if routing.isEmpty {
            if let sessionID { h["Mcp-Session-Id"] = sessionID }
            if let protocolVersion { h["MCP-Protocol-Version"] = protocolVersion }
        } else {
            h.merge(routing) { _, new in new }
        }
        let presented = try await credential()
        if let presented { h.merge(presented.headers(method: "POST", url: url)) { _, new in new } }
        lastCredential = presented
        let continuation = self.continuation
        let sent = ReplyCheck.request(in: data)
        // The answer is handed on once the exchange is over (an event stream ends right after it,
        // or is left `CurlTransport.linger` later): the caller's next request then finds this
        // connection free to reuse, instead of racing the end of this reply and opening another.
        // For `initialize`, everything waits: the SDK sends `notifications/initialized` the moment
        // it sees the result, and that message must carry the session id this response names in
        // its headers, which are read when the exchange ends. Without the wait the notification
        // raced the header, got a 400, and the whole connect was tried again.
        let held = HeldMessages()
        let holdAll = sent?.method == "initialize"
        let longLived = sent?.method == "subscriptions/listen"
        let reply = HTTPReply(request: sent, lineLimit: Self.maxLine, longLived: longLived) { message, isAnswer in
            if holdAll || isAnswer { held.append(message) } else { continuation.yield(message) }
        }
        let response: HermesOAuth.HTTPResponse
        do {
            // Abandoning the request (a timeout, a cancelled call) ends its exchange: on
            // 2026-07-28 closing the stream is how a client cancels.
            var request = HTTPRequest(method: "POST", url: url, headers: h, body: data, timeout: timeout)
            // A 2026-07-28 subscription's reply is the change stream itself: it lasts for days.
            request.longLived = longLived
            response = try await run(request, into: reply)
        } catch {
            // A stream that broke after its events had ids is taken up where it broke.
            if !(error is CancellationError), !Task.isCancelled, routing.isEmpty, let from = reply.resumption, let sent {
                held.release { continuation.yield($0) }
                return try await resume(sent, from: from, headers: h)
            }
            // 2026-07-28: a response stream the network broke loses its request, which the
            // client must ask again with a new id (the runtime does, once, as after a lost session).
            if reply.accepted, !routing.isEmpty, let request = reply.request, case HTTPFailure.unreachable(_, let reason) = error,
               !reason.hasPrefix("the response exceeded") {
                throw MCPTransportError.streamBroken("the connection broke while '\(request.method)' was being answered: \(reason)")
            }
            // Once the server has accepted the request, a reply cut short (too large, never
            // finished in time) is the server's doing, not the network's.
            if reply.accepted, let request = reply.request {
                let why = switch error {
                case HTTPFailure.unreachable(_, let reason): reason
                case HTTPFailure.timedOut(_, let seconds): "it had not ended after \(Int(seconds)) s"
                default: "\(error)"
                }
                throw MCPTransportError.malformed("the server's reply to \(request.method) was cut short: \(why)")
            }
            throw MCPTransportError.unreachable("\(OAuthFailure.from(error))")
        }
        let challenge = response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) }
        if response.status != 401 { presented?.observe(response, url: url) }
        switch response.status {
        case 200..<300:
            // Only `initialize` opens a session: an id on any other reply is no session of ours.
            if sent?.method == "initialize", let id = response.header("mcp-session-id") {
                // Sent back on every request: the spec's visible ASCII only, or the next request
                // would fail on a header hermes refuses to send, blamed on reachability.
                guard !id.isEmpty, id.utf8.count <= 1024, HeaderSyntax.isVisibleASCII(id) else {
                    throw MCPTransportError.malformed("the MCP server sent an Mcp-Session-Id that cannot be sent back (it must be 1 to 1024 visible ASCII characters): '\(ServerText.clean(id.prefix(60)))'")
                }
                sessionID = id
            }
            // The revisions with sessions let a server end a stream before the answer and the
            // client come back for the rest (Last-Event-ID); 2026-07-28 has no such thing.
            if let from = try reply.finish(status: response.status, contentType: response.header("content-type"), resumable: routing.isEmpty),
               let sent {
                held.release { continuation.yield($0) }
                return try await resume(sent, from: from, headers: h)
            }
            held.release { continuation.yield($0) }
        case 401:
            if !nonceRetry, let presented, presented.retryWithNonce(after: response, url: url) {
                return try await send(data, nonceRetry: true)
            }
            throw MCPTransportError.unauthorized(token: presented?.token, challenge: challenge)
        case 403:
            throw MCPTransportError.forbidden(challenge: challenge)
        case 404 where h["Mcp-Session-Id"] != nil:
            sessionID = nil
            throw MCPTransportError.sessionExpired
        case 400..<500 where !routing.isEmpty:
            // 2026-07-28 servers refuse a request with a 4xx and a JSON-RPC error saying why, which
            // the caller acts on (an unsupported version names the supported ones).
            if let refusal = RPCErrorBody.parse(reply.errorBody, status: response.status) { throw refusal }
            throw MCPTransportError.http(status: response.status, detail: Redaction.redact(ServerErrorText.summary(reply.errorBody) ?? ""))
        case 400..<500 where sent?.method == "initialize":
            // A server of 2026-07-28 alone refuses `initialize` with -32022 naming what it speaks,
            // which the negotiator acts on; any other refusal is the server's complaint, in its words.
            if let refusal = RPCErrorBody.parse(reply.errorBody, status: response.status), refusal.code == RPCError.unsupportedVersion {
                throw refusal
            }
            throw MCPTransportError.http(status: response.status, detail: Redaction.redact(ServerErrorText.summary(reply.errorBody) ?? ""))
        case 300..<400:
            let target = response.header("location").map { " to \(ServerText.clipped($0))" } ?? ""
            throw MCPTransportError.http(status: response.status, detail: "a redirect\(target), which hermes does not follow: set url: to where the server really is")
        default:
            // The server's own words (a JSON-RPC error's message, say), not its raw body.
            let detail = ServerErrorText.summary(reply.errorBody) ?? ""
            throw MCPTransportError.http(status: response.status, detail: Redaction.redact(detail))
        }
    }
}

extension HTTPMCPTransport {
    /// One exchange, its body handed to `reply` as it arrives: counted, listed among those under
    /// way (so `disconnect` and `stall` see it), and ended when the calling task is cancelled.
    func run(_ request: HermesOAuth.HTTPRequest, into reply: HTTPReply) async throws -> HermesOAuth.HTTPResponse {
        let (http, received) = (self.http, self.received)
        let exchange = Task {
            try await http.stream(request) { status, type, chunk in
                received.add(chunk.count)
                return reply.take(status: status, contentType: type, chunk: chunk)
            }
        }
        let key = UUID()
        inFlight[key] = (exchange, reply)
        defer { inFlight[key] = nil }
        return try await withTaskCancellationHandler { try await exchange.value } onCancel: { exchange.cancel() }
    }

    /// Times a request's stream is taken up again before hermes gives up on it (each within the
    /// call's deadline, which bounds them all).
    static let maxResumptions = 20
    /// The server's `retry:` is honoured as MCP requires; the call's deadline bounds the wait, and
    /// an hour bounds the arithmetic.
    static let defaultRetry = 500, longestRetry = 3_600_000

    /// The rest of the reply to `sent`, from a GET with `Last-Event-ID` (MCP 2025-11-25
    /// resumability), after the pause the server asked for; again while each stream ends unanswered.
    func resume(_ sent: ReplyCheck.Request, from first: HTTPReply.Resumption, headers: [String: String]) async throws {
        var from = first
        for _ in 0..<Self.maxResumptions {
            try await Task.sleep(for: .milliseconds(min(from.retry ?? Self.defaultRetry, Self.longestRetry)))
            var h = headers
            h["Content-Type"] = nil
            h["Accept"] = "text/event-stream"
            h["Last-Event-ID"] = from.eventID
            let presented = try await credential()
            if let presented { h.merge(presented.headers(method: "GET", url: url)) { _, new in new } }
            lastCredential = presented
            let continuation = self.continuation
            let reply = HTTPReply(request: sent, lineLimit: Self.maxLine) { message, _ in continuation.yield(message) }
            let response: HermesOAuth.HTTPResponse
            do {
                response = try await run(HTTPRequest(method: "GET", url: url, headers: h, timeout: timeout), into: reply)
            } catch {
                if error is CancellationError || Task.isCancelled { throw error }
                guard let next = reply.resumption else { throw MCPTransportError.unreachable("\(OAuthFailure.from(error))") }
                from = next
                continue
            }
            switch response.status {
            case 200..<300:
                guard let next = try reply.finish(status: response.status, contentType: response.header("content-type"), resumable: true) else { return }
                from = next
            case 401:
                throw MCPTransportError.unauthorized(token: presented?.token, challenge: response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) })
            case 404:
                sessionID = nil
                throw MCPTransportError.sessionExpired
            default:
                let detail = ServerErrorText.summary(reply.errorBody) ?? ""
                throw MCPTransportError.malformed("the server ended its reply to \(sent.method) early and refused to resume it (HTTP \(response.status)\(detail.isEmpty ? "" : ": " + Redaction.redact(detail)))")
            }
        }
        throw MCPTransportError.malformed("the server ended its reply to \(sent.method) \(Self.maxResumptions + 1) times without answering")
    }
}

/// The JSON-RPC error in the body of an HTTP error, as `RPCError`.
enum RPCErrorBody {
    private struct Body: Decodable {
        struct Inner: Decodable {
            let code: Int
            let message: String
            let data: Value?
        }
        let error: Inner
    }

    static func parse(_ body: Data, status: Int) -> RPCError? {
        guard let body = try? JSONDecoder().decode(Body.self, from: body) else { return nil }
        return RPCError(code: body.error.code, message: body.error.message, data: body.error.data, httpStatus: status)
    }
}

/// Messages a reply produced before the transport may hand them on.
final class HeldMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [Data] = []

    func append(_ message: Data) { lock.withLock { messages.append(message) } }

    func release(_ deliver: (Data) -> Void) {
        for message in lock.withLock({ () -> [Data] in defer { messages = [] }; return messages }) { deliver(message) }
    }
}
