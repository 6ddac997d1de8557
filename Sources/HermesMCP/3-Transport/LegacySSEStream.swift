import Foundation
import HermesOAuth

/// The GET stream of one legacy HTTP+SSE session (MCP 2024-11-05), read as it arrives: its
/// `endpoint` event, once checked (`SSEEndpoint`), opens the session; each `message` event is a
/// JSON-RPC message, screened against the requests waiting (`PendingReplies`) and handed on; any
/// other event is ignored. Anything that ends hermes' reading (a refused endpoint, an oversized
/// event, the session's byte bound) is kept as the reason the stream was left.
///
/// libcurl's thread calls `take`, one piece at a time; the parser is only touched there. What
/// other threads ask (`endpoint()`, `stall`, `leftBecause`) is kept under a lock.
final class LegacySSEStream: @unchecked Sendable {
    let url: URL
    private let replies: PendingReplies
    private let deliver: @Sendable (Data) -> Void
    private let totalLimit: Int
    private let started = Date()
    // libcurl's thread only.
    private var parser: SSEParser
    private var body = Data()
    private var total = 0
    // Under `lock`.
    private let lock = NSLock()
    private var status: Int?
    private var contentType: String?
    private var found: Result<URL, any Error>?
    private var waiters: [CheckedContinuation<URL, any Error>] = []
    private var failure: MCPTransportError?
    private var events = 0
    private var ignored = 0

    init(url: URL, replies: PendingReplies, lineLimit: Int, eventLimit: Int, totalLimit: Int, deliver: @escaping @Sendable (Data) -> Void) {
        self.url = url
        self.replies = replies
        self.deliver = deliver
        self.totalLimit = totalLimit
        parser = SSEParser(lineLimit: lineLimit, eventLimit: eventLimit)
    }

    /// One piece of the body, on libcurl's thread; true when the transfer should end.
    func take(status: Int, contentType: String?, chunk: Data) -> Bool {
        let (status, type) = lock.withLock { () -> (Int, String?) in
            if self.status == nil {
                self.status = status
                self.contentType = contentType
            }
            return (self.status!, self.contentType)
        }
        guard (200..<300).contains(status) else {
            body.append(chunk.prefix(HTTPReply.errorDetail - body.count))
            return body.count >= HTTPReply.errorDetail
        }
        guard (type ?? "").lowercased().contains("text/event-stream") else {
            return stop(.malformed("\(described) answered its GET with HTTP \(status) and \(type.map { "'\(ServerText.clipped($0, limit: 80))'" } ?? "no content type"), not an event stream: is it an HTTP+SSE server (transport: sse)?"))
        }
        total += chunk.count
        if total > totalLimit {
            return stop(.malformed("\(described) sent more than \(totalLimit >> 20) MiB in one session, hermes' bound; the next request opens a new session"))
        }
        do {
            for event in try parser.events(chunk) {
                lock.withLock { events += 1 }
                switch event.name {
                case "endpoint" where lock.withLock({ found == nil }):
                    do {
                        resolve(.success(try SSEEndpoint.resolve(event.data, against: url)))
                    } catch {
                        return stop(.malformed("'\(url.host ?? "?")' cannot be used: \(error)"))
                    }
                case "message" where lock.withLock({ found != nil }):
                    if let message = replies.screen(event.data) { deliver(message) }
                default:
                    lock.withLock { ignored += 1 }
                }
            }
        } catch {
            return stop(.malformed("\(described) sent \(error)"))
        }
        return false
    }

    private var described: String { "the SSE stream of \(url.absoluteString)" }

    /// Ends hermes' reading for `reason` (kept as `leftBecause`); true, for `take` to return.
    @discardableResult
    func stop(_ reason: MCPTransportError) -> Bool {
        lock.withLock { if failure == nil { failure = reason } }
        resolve(.failure(reason))
        return true
    }

    /// Why hermes left the stream, if it did.
    var leftBecause: MCPTransportError? { lock.withLock { failure } }

    /// The start of a non-2xx answer's body, once the exchange is over.
    var errorBody: Data { body }

    /// True once the server answered the GET with a 2xx status.
    var accepted: Bool { lock.withLock { status.map { (200..<300).contains($0) } ?? false } }

    /// The endpoint, once the stream named one (or the reason it never will).
    func endpoint() async throws -> URL {
        try await withCheckedThrowingContinuation { continuation in
            let now = lock.withLock { () -> Result<URL, any Error>? in
                if found == nil { waiters.append(continuation) }
                return found
            }
            if let now { continuation.resume(with: now) }
        }
    }

    /// Settles `endpoint()` for every caller, once; later results are ignored.
    func resolve(_ result: Result<URL, any Error>) {
        let waiting = lock.withLock { () -> [CheckedContinuation<URL, any Error>] in
            guard found == nil else { return [] }
            found = result
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(with: result) }
    }

    /// Why a request still waiting has no answer, when this stream is the reason.
    var stall: String? {
        let (status, type, found, events, ignored) = lock.withLock { (self.status, contentType, self.found, self.events, self.ignored) }
        guard let status, (200..<300).contains(status) else { return nil }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        if found == nil {
            return "\(described) was opened (HTTP \(status), \(type ?? "no content type")) but sent no endpoint event in \(seconds)s (\(events) other event(s))"
        }
        if let screened = replies.stall { return screened }
        return ignored > 0 ? "\(described) sent \(ignored) event(s) of no use (neither endpoint nor message)" : nil
    }
}
