import Foundation
import HermesOAuth
import Logging
import MCP

/// The HTTP+SSE transport of MCP 2024-11-05 (`transport: sse`), on hermes' libcurl transport: a
/// GET on the configured URL opens an event stream whose first event, `endpoint`, names where to
/// POST (on the same origin, `SSEEndpoint`); each message hermes sends is one POST there (answered
/// 202), and every response, server request and notification comes back as a `message` event on
/// the stream (`LegacySSEStream`). The stream is the session: when it ends or breaks, every request
/// waiting fails at once with the reason, and the next request opens a new session.
///
/// The credential from `credential()` (Bearer, or DPoP with a proof per request) goes on the GET and on every POST; a 401 on either is thrown as
/// `MCPTransportError.unauthorized` with the token refused, for the manager's recovery.
public actor LegacySSETransport: Transport {
    public nonisolated let logger = MCPLogging.quietLogger("hermes.mcp.sse")
    let url: URL
    let headers: [String: String]
    /// For the POSTs, and for the stream (whose byte bound is a session's, not one reply's).
    let http: any HTTPTransport
    let streamHTTP: any HTTPTransport
    /// Seconds for each POST.
    let timeout: Double
    /// Seconds the server has to name its endpoint once the GET is sent.
    let endpointWait: Double
    let credential: @Sendable () async throws -> Credential?
    /// The credential of the last request, for 401 recovery (its token) and the closing DELETE.
    private var lastCredential: Credential?
    public var lastToken: String? { lastCredential?.token }
    private let messages: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    nonisolated let replies = PendingReplies()
    public nonisolated let received = Pagination.ReceivedBytes()
    private var stream: LegacySSEStream?
    private var reader: Task<Void, Never>?
    private var endpoint: URL?
    /// Why the session ended, once it has: later sends fail at once with it.
    private var ended: MCPTransportError?

    /// Bytes of one line and of one event: the largest message hermes takes, as over Streamable HTTP.
    public static let maxLine = HTTPMCPTransport.maxLine
    public static let maxEvent = HTTPMCPTransport.maxLine
    /// Bytes of a whole session's stream. Past it the stream is left, which ends the session; the
    /// next request opens another.
    public static let maxStream = 256 << 20
    /// Seconds the GET may last: a session's whole life. Its end is survived like any other.
    static let streamSeconds = 24.0 * 3600
    /// The stream's own libcurl bound sits above `maxStream`, which `LegacySSEStream` enforces with a reason.
    static let streamCurl = CurlTransport(maxBody: maxStream + (1 << 20))

    public init(url: URL, headers: [String: String], trust: TLSTrust = TLSTrust(), timeout: Double, endpointWait: Double,
                credential: @escaping @Sendable () async throws -> Credential?) {
        self.init(url: url, headers: headers, http: CurlTransport.shared.trusting(trust), streamHTTP: Self.streamCurl.trusting(trust),
                  timeout: timeout, endpointWait: endpointWait, credential: credential)
    }

    init(url: URL, headers: [String: String], http: any HTTPTransport, streamHTTP: any HTTPTransport, timeout: Double,
         endpointWait: Double, credential: @escaping @Sendable () async throws -> Credential?) {
        self.url = url
        self.headers = headers
        self.http = http
        self.streamHTTP = streamHTTP
        self.timeout = timeout
        self.endpointWait = endpointWait
        self.credential = credential
        (messages, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    /// Opens the stream and waits (at most `endpointWait`) for its endpoint event. Throws what
    /// refused the GET (401 with the token sent, another status), or why no usable endpoint came.
    public func connect() async throws {
        guard stream == nil else { return }
        var h = headers
        h["Accept"] = "text/event-stream"
        h["Cache-Control"] = "no-cache"
        let presented = try await credential()
        if let presented { h.merge(presented.headers(method: "GET", url: url)) { _, new in new } }
        lastCredential = presented
        let (continuation, received) = (self.continuation, self.received)
        let stream = LegacySSEStream(url: url, replies: replies, lineLimit: Self.maxLine, eventLimit: Self.maxEvent,
                                     totalLimit: Self.maxStream) { continuation.yield($0) }
        self.stream = stream
        let (http, request) = (streamHTTP, HTTPRequest(method: "GET", url: url, headers: h, timeout: Self.streamSeconds))
        let exchange = Task {
            try await http.stream(request) { status, type, chunk in
                received.add(chunk.count)
                return stream.take(status: status, contentType: type, chunk: chunk)
            }
        }
        // Whatever ends the GET ends the session, with the reason.
        reader = Task {
            let outcome = await exchange.result
            self.streamEnded(Self.reason(outcome, stream: stream, bearer: presented?.token))
        }
        // Kept so `disconnect` can end the GET.
        self.exchange = exchange
        let wait = endpointWait
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(max(wait, 0.001) * 1e9))
            guard !Task.isCancelled else { return }
            // A stream without an endpoint is the server's doing; no answer at all may be the network's.
            let within = "within \(Int(wait.rounded())) s"
            stream.stop(stream.accepted ? .malformed("the SSE stream of \(self.url.absoluteString) sent no endpoint event \(within)")
                                        : .unreachable("\(self.url.absoluteString) did not answer the SSE stream's GET \(within)"))
            exchange.cancel()
        }
        defer { timer.cancel() }
        do {
            endpoint = try await withTaskCancellationHandler { try await stream.endpoint() } onCancel: {
                stream.resolve(.failure(CancellationError()))
            }
        } catch {
            exchange.cancel()
            throw error
        }
    }

    private var exchange: Task<HermesOAuth.HTTPResponse, Error>?

    /// Ends the stream, and with it the session (the server forgets it).
    public func disconnect() async {
        exchange?.cancel()
        exchange = nil
        streamEnded(.closed("the SSE session with \(url.absoluteString) was closed by hermes"))
    }

    /// The stream is over: every waiting request and the endpoint wait fail with `reason`.
    private func streamEnded(_ reason: MCPTransportError) {
        if ended == nil { ended = reason }
        stream?.resolve(.failure(ended!))
        continuation.finish(throwing: ended!)
    }

    /// What ended the stream, in the runtime's terms.
    static func reason(_ outcome: Result<HermesOAuth.HTTPResponse, any Error>, stream: LegacySSEStream, bearer: String?) -> MCPTransportError {
        if let left = stream.leftBecause { return left }
        let name = stream.url.absoluteString
        switch outcome {
        case .success(let response):
            switch response.status {
            case 200..<300:
                return .closed("the server ended the SSE stream of \(name), and with it the session")
            case 401:
                return .unauthorized(token: bearer, challenge: response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) })
            case 403:
                return .forbidden(challenge: response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) })
            default:
                return .http(status: response.status, detail: Redaction.redact(ServerErrorText.summary(stream.errorBody) ?? ""))
            }
        case .failure(let error):
            if error is CancellationError { return .closed("the SSE session with \(name) was closed by hermes") }
            if case HTTPFailure.timedOut(_, _) = error {
                return .closed("the SSE stream of \(name) reached hermes' bound of \(Int(streamSeconds / 3600)) h for one session")
            }
            if stream.accepted { return .closed("the SSE stream of \(name) broke: \(OAuthFailure.from(error))") }
            return .unreachable("\(OAuthFailure.from(error))")
        }
    }

    /// Why a request is still without an answer, when the server is the reason.
    public func stall() -> String? { stream?.stall }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { messages }

    /// One POST to the endpoint. Its answer carries nothing (202); a status other than 2xx fails
    /// the message with it, and the server's words.
    public func send(_ data: Data) async throws {
        if let ended { throw ended }
        guard let endpoint else { throw MCPTransportError.closed("the SSE session with \(url.absoluteString) is not open (no endpoint yet)") }
        var h = headers
        h["Content-Type"] = "application/json"
        let presented = try await credential()
        if let presented { h.merge(presented.headers(method: "POST", url: endpoint)) { _, new in new } }
        lastCredential = presented
        let sent = ReplyCheck.request(in: data)
        // Before the POST: the response may be on the stream before the POST's own answer.
        if let sent { replies.sent(sent) }
        let body = BodyHead()
        let response: HermesOAuth.HTTPResponse
        do {
            response = try await http.stream(HTTPRequest(method: "POST", url: endpoint, headers: h, body: data, timeout: timeout)) { _, _, chunk in
                body.take(chunk, keeping: HTTPReply.errorDetail)
            }
        } catch {
            if let sent { replies.forget(sent.id) }
            if error is CancellationError { throw error }
            throw MCPTransportError.unreachable("\(OAuthFailure.from(error))")
        }
        guard !(200..<300).contains(response.status) else { return }
        if let sent { replies.forget(sent.id) }
        let challenge = response.header("www-authenticate").flatMap { try? WWWAuthenticate.challenge($0) }
        switch response.status {
        case 401: throw MCPTransportError.unauthorized(token: presented?.token, challenge: challenge)
        case 403: throw MCPTransportError.forbidden(challenge: challenge)
        // The Python SDK's answer to a session it no longer has.
        case 404: throw MCPTransportError.sessionExpired
        default:
            throw MCPTransportError.http(status: response.status, detail: Redaction.redact(ServerErrorText.summary(body.data) ?? ""))
        }
    }
}
