import Foundation
import HermesOAuth
import MCP

/// The reply to one POST, read as it arrives. A JSON body is collected; an event stream is parsed
/// event by event and left as soon as the response to the request is in, so a stream the server
/// never ends costs nothing once it has answered. Each message is checked (`ReplyCheck`) before
/// the SDK sees it: one that answers the request unusably, or a reply without any answer, fails
/// the request with the reason.
///
/// libcurl's thread calls `take` piece by piece, then the transport calls `finish` once the
/// exchange is over: the parsing state is only ever touched by one of them at a time. What other
/// threads may ask meanwhile (`accepted`, `stall`) is kept apart, under a lock.
final class HTTPReply: @unchecked Sendable {
    let request: ReplyCheck.Request?
    /// A message for the SDK, and whether it is the answer to the request.
    private let deliver: @Sendable (Data, Bool) -> Void
    private let started = Date()
    // The parsing state.
    private var body = Data()
    private var sse: SSEParser
    private var failure: MCPTransportError?
    /// Messages that were no use (garbage, another request's response), for the error text.
    private var ignored: [String] = []
    private var ignoredCount = 0
    // What other threads may read.
    private let lock = NSLock()
    private var status: Int?
    private var contentType: String?
    private var answered = false
    private var events = 0
    private var bytes = 0

    /// Bytes of the start of an error status' body kept for the message: enough for the JSON error
    /// object it usually is to be read whole (see `ServerErrorText`).
    static let errorDetail = ServerErrorText.window

    /// A stream that lasts (a change feed) is left when the server floods it (`FloodGate`); its
    /// reader opens it again after a pause that grows.
    private var flood: FloodGate?

    init(request: ReplyCheck.Request?, lineLimit: Int, longLived: Bool = false,
         deliver: @escaping @Sendable (_ message: Data, _ isAnswer: Bool) -> Void) {
        self.request = request
        flood = longLived ? FloodGate() : nil
        self.deliver = deliver
        // An event is bounded like a line: a long-lived stream has no bound on its whole.
        self.sse = SSEParser(lineLimit: lineLimit, eventLimit: lineLimit)
        self.bodyLimit = lineLimit
    }

    /// The most of a body that is not an event stream kept (a long-lived request's reply has no
    /// bound at the transfer).
    private let bodyLimit: Int

    /// One piece of the body, on libcurl's thread; true when the transfer should end.
    func take(status: Int, contentType: String?, chunk: Data) -> Bool {
        let (status, eventStream) = lock.withLock { () -> (Int, Bool) in
            if self.status == nil {
                self.status = status
                self.contentType = contentType
            }
            bytes += chunk.count
            return (self.status!, isEventStream)
        }
        guard (200..<300).contains(status) else {
            body.append(chunk.prefix(Self.errorDetail - body.count))
            return body.count >= Self.errorDetail
        }
        guard eventStream else {
            guard body.count + chunk.count <= bodyLimit else {
                failure = .malformed("the reply to \(request?.method ?? "a stream") is larger than \(bodyLimit >> 20) MiB")
                return true
            }
            body.append(chunk)
            return false
        }
        do {
            for event in try sse.feed(chunk) {
                lock.withLock { events += 1 }
                handle(event)
                if failure != nil || lock.withLock({ answered }) { return true }
            }
        } catch {
            failure = .malformed("the event stream answering \(request?.method ?? "a notification") has \(error)")
            return true
        }
        return false
    }

    /// The id of the last event read, once the exchange is over (a standalone stream's place).
    var lastEventID: String? { sse.lastEventID }

    /// Where a stream that ended before the answer can be taken up again (2025-11-25
    /// resumability): the id of its last event and the pause the server asked for.
    struct Resumption: Sendable, Equatable {
        let eventID: String
        /// Milliseconds (`retry:`), if the server said.
        let retry: Int?
    }

    /// Once the exchange is over: where to resume, when this was an event stream whose events
    /// had ids, that has not answered the request, and carried nothing wrong.
    var resumption: Resumption? {
        guard failure == nil, request != nil, !lock.withLock({ answered || !isEventStream }), let id = sse.lastEventID else { return nil }
        return Resumption(eventID: id, retry: sse.retry)
    }

    /// After a 2xx (`status`, `contentType`), once the exchange is over: the messages still to
    /// handle, then whether the request got its answer. With `resumable`, an event stream that
    /// ended unanswered but can be resumed returns where, instead of failing the request.
    @discardableResult
    func finish(status: Int, contentType: String?, resumable: Bool = false) throws -> Resumption? {
        let eventStream = lock.withLock { () -> Bool in
            if self.status == nil {
                self.status = status
                self.contentType = contentType
            }
            return isEventStream
        }
        if failure == nil {
            if eventStream {
                for event in sse.finish() where failure == nil && !lock.withLock({ answered }) { handle(event) }
            } else if !body.isEmpty {
                handle(body)
            }
        }
        if let failure { throw failure }
        guard let request, !lock.withLock({ answered }) else { return nil }
        if resumable, let resumption { return resumption }
        let what = lock.withLock { [self.status.map { "HTTP \($0)" }, self.contentType].compactMap { $0 }.joined(separator: ", ") }
        let got: String
        if ignoredCount > 0 {
            got = "; it sent \(ignoredCount) message(s) hermes could not use, the first: \(ignored[0])"
        } else if body.isEmpty && !eventStream {
            got = ": the body was empty"
        } else {
            got = eventStream ? " in its event stream (\(lock.withLock { events }) event(s))" : ""
        }
        throw MCPTransportError.malformed("the server's reply to \(request.method) (\(what)) held no response to it\(got)")
    }

    /// The start of a non-2xx reply's body, once the exchange is over.
    var errorBody: Data { body }

    /// True once the server answered with a 2xx status (its headers are in).
    var accepted: Bool { lock.withLock { status.map { (200..<300).contains($0) } ?? false } }

    /// Why a request still waiting has no answer, when this reply is the reason: the server took
    /// it, and its reply (an event stream, or a body trickling in) has not delivered the response.
    var stall: String? {
        lock.withLock {
            // A subscription's stream is never answered while it lasts: no request's stall.
            guard let status, (200..<300).contains(status), !answered, let method = request?.method,
                  method != "subscriptions/listen" else { return nil }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            let what = "the server accepted \(method) (HTTP \(status), \(contentType ?? "no content type"))"
            return isEventStream
                ? "\(what) but its event stream sent no response to it in \(seconds)s (\(events) other event(s))"
                : "\(what) but its reply had not ended after \(seconds)s (\(bytes) bytes so far)"
        }
    }

    /// Under `lock`.
    private var isEventStream: Bool { (contentType ?? "").lowercased().contains("text/event-stream") }

    private func handle(_ message: Data) {
        let id = request?.id, method = request?.method
        switch ReplyCheck.classify(message, methodOf: { $0 == id ? method : nil }) {
        case .fromServer:
            if flood?.admit() == false {
                failure = .malformed("the server sent more than \(FloodGate.perSecond) messages in a second on its \(request?.method ?? "event") stream, so hermes left it for a while")
                return
            }
            deliver(message, false)
        case .answer:
            lock.withLock { answered = true }
            deliver(message, true)
        case .unusable(_, let reason):
            failure = .malformed(reason)
        case .stray(let other):
            note("a response to another request (id \(other))")
        case .garbage(let what):
            let (type, eventStream) = lock.withLock { (contentType ?? "no content type", isEventStream) }
            note(eventStream ? "an event that is \(what)" : "a body (\(type)) that is \(what)")
        }
    }

    private func note(_ text: String) {
        ignoredCount += 1
        if ignored.isEmpty { ignored.append(text) }
    }
}
