import Foundation
import Glibc
import Logging
import MCP

/// MCP over a child's stdin and stdout, one JSON message per line. Each line is checked against
/// the request it answers (`PendingReplies`) before the SDK's client sees it.
public actor StdioMCPTransport: Transport {
    public nonisolated let logger = MCPLogging.quietLogger("hermes.mcp.stdio")
    public nonisolated let process: StdioProcess
    private let stream: AsyncThrowingStream<Data, Swift.Error>
    /// Signalled when the server closes its output (exit, crash) or hermes cuts it off: requests
    /// in flight then fail at once instead of waiting for their timeout.
    public nonisolated let closed = ClosedSignal()
    nonisolated let replies = PendingReplies()
    public nonisolated let received = Pagination.ReceivedBytes()

    /// Bytes of one line, the largest message hermes takes from a stdio server: the HTTP
    /// transport's cap on one reply, room for a resource of several MiB in base64. A server that
    /// writes more without a newline is broken (or hostile): it is stopped, not buffered forever.
    public static let maxLine = HTTPMCPTransport.maxReply

    public init(process: StdioProcess) {
        self.process = process
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
        self.stream = stream
        // A thread of its own reads lines until the child closes its stdout.
        let fd = process.output.fileDescriptor
        let command = process.command
        let (closed, replies, received) = (self.closed, self.replies, self.received)
        Thread { [weak self] in
            var lines = LineSplitter(limit: Self.maxLine)
            // The server's own messages beyond a flood are dropped (a response always passes):
            // what cannot be taken as fast as it comes must not queue without end.
            var flood = FloodGate(), dropped = 0
            var chunk = [UInt8](repeating: 0, count: 65536)
            var cut: String?
            reading: while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                received.add(n)
                do {
                    let complete = try chunk.withUnsafeBytes { try lines.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    for line in complete where line.contains(where: { $0 != 0x0D && $0 != 0x20 }) {
                        guard let (message, fromServer) = replies.screened(line) else { continue }
                        if fromServer, !flood.admit() {
                            dropped += 1
                            if dropped == 1 { MCPLogging.runtime.warning("the stdio server '\(command)' sends more than \(FloodGate.perSecond) messages a second; hermes drops the excess") }
                            continue
                        }
                        continuation.yield(message)
                    }
                } catch {
                    cut = "the stdio server '\(command)' sent \(error), so hermes stopped it"
                    break reading
                }
            }
            if let cut {
                continuation.finish(throwing: MCPTransportError.malformed(cut))
                closed.fire(reason: cut)
                // Through the actor, so this and any other disconnect stop the process one after the other.
                Task { await self?.disconnect() }
            } else {
                continuation.finish(throwing: MCPTransportError.closed("the stdio server '\(command)' closed its output"))
                closed.fire()
            }
        }.start()
    }

    /// What the server wrote that was of no use while a request waited, if anything.
    public nonisolated func stall() -> String? { replies.stall }

    public func connect() async throws {}

    public func disconnect() async {
        process.shutdown()
    }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream }

    /// One message at a time on the pipe: a line waiting for room must not be cut into by another.
    private var writing = false
    private var writeTurns: [CheckedContinuation<Void, Never>] = []

    /// Writes `data` as one line. The pipe does not block: while the server reads nothing the
    /// write waits (a pause growing to 50 ms) for as long as the caller does, so a server that
    /// stops reading costs the call its timeout, never a thread. A line abandoned half written
    /// would garble the next one: the server is then stopped (and started again by the next call).
    public func send(_ data: Data) async throws {
        // A request given up before it went out stays unsent: its cancellation may already have.
        try Task.checkCancellation()
        await takeTurn()
        defer { passTurn() }
        try Task.checkCancellation()
        let request = ReplyCheck.request(in: data)
        // Before writing: the reply may be read before `write` returns.
        if let request { replies.sent(request) }
        var line = data
        line.append(0x0A)
        var offset = 0, pause = 1
        while offset < line.count {
            let (n, error) = process.withInput { fd -> (Int, Int32) in
                guard let fd else { return (-1, EBADF) }
                let n = line.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                return (n, n < 0 ? errno : 0)
            }
            if n > 0 {
                offset += n
                pause = 1
                continue
            }
            if n < 0 && error == EINTR { continue }
            guard n < 0 && (error == EAGAIN || error == EWOULDBLOCK) else {
                if let request { replies.forget(request.id) }
                throw MCPTransportError.closed("the stdio server '\(process.command)' is not reading its input")
            }
            do {
                try await Task.sleep(for: .milliseconds(pause))
            } catch {
                if let request { replies.forget(request.id) }
                if offset > 0 {
                    let why = "the stdio server '\(process.command)' stopped reading its input in the middle of a message, so hermes stopped it"
                    closed.fire(reason: why)
                    Task { await self.disconnect() }
                }
                throw error
            }
            pause = min(pause * 2, 50)
        }
    }

    private func takeTurn() async {
        guard writing else {
            writing = true
            return
        }
        await withCheckedContinuation { writeTurns.append($0) }
    }

    private func passTurn() {
        if writeTurns.isEmpty { writing = false } else { writeTurns.removeFirst().resume() }
    }
}

/// A one-shot signal that any number of tasks can wait for, with the reason hermes cut the
/// connection (nil when the server just went away). A wait that is cancelled ends at once and
/// leaves nothing behind: every call waits on its connection's signal, and a waiter kept after its
/// call ended would hold that call's tasks for as long as the server lives.
public final class ClosedSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var reason: String?
    private var waiters: [Int: CheckedContinuation<String?, Never>] = [:]
    private var nextWaiter = 0

    public func fire(reason: String? = nil) {
        let (toResume, reason) = lock.withLock { () -> ([CheckedContinuation<String?, Never>], String?) in
            if !fired { self.reason = reason }
            fired = true
            defer { waiters = [:] }
            return (Array(waiters.values), self.reason)
        }
        toResume.forEach { $0.resume(returning: reason) }
    }

    /// The reason, once fired; nil at once when the waiting task is cancelled first.
    @discardableResult
    public func wait() async -> String? {
        let key = lock.withLock { () -> Int in
            nextWaiter += 1
            return nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
                let now = lock.withLock { () -> (Bool, String?) in
                    if fired { return (true, reason) }
                    if Task.isCancelled { return (true, nil) }
                    waiters[key] = c
                    return (false, nil)
                }
                if now.0 { c.resume(returning: now.1) }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: key) }?.resume(returning: nil)
        }
    }

    /// Waiters not yet resumed (for tests: a cancelled wait must leave none).
    var waiting: Int { lock.withLock { waiters.count } }
}

/// The requests sent to a stdio server and not answered yet, and what the server wrote that was of
/// no use. Unlike an HTTP reply, a line belongs to no request until its id says so: a response to a
/// waiting request that the SDK could not use is replaced by a JSON-RPC error carrying the reason
/// (`ReplyCheck.rejection`), which fails that request at once. A line that is no JSON-RPC at all
/// is dropped, as the SDK and the Python reference drop it (servers print banners and log lines
/// to stdout), but remembered: a request that then times out says what the server wrote instead.
final class PendingReplies: @unchecked Sendable {
    private let lock = NSLock()
    /// Waiting requests: their method, and how many useless lines had come before each was sent.
    private var waiting: [ID: (method: String, ignoredBefore: Int)] = [:]
    private var ignored = 0
    private var latest: String?
    /// Requests given up lately, whose answers may still come: not the server's fault when they do.
    private var forgotten: [ID] = []
    private static let forgottenKept = 64

    func sent(_ request: ReplyCheck.Request) {
        lock.withLock { waiting[request.id] = (request.method, ignored) }
    }

    func forget(_ id: ID) {
        lock.withLock {
            guard waiting.removeValue(forKey: id) != nil else { return }
            forgotten.append(id)
            if forgotten.count > Self.forgottenKept { forgotten.removeFirst() }
        }
    }

    /// What to hand the SDK for `line`: the line, a rejection in its place, or nothing. Called by
    /// the one thread reading the server's output; the decoding happens outside the lock.
    func screen(_ line: Data) -> Data? { screened(line)?.message }

    /// `screen`, and whether the message is the server's own (a request or notification).
    func screened(_ line: Data) -> (message: Data, fromServer: Bool)? {
        let verdict = ReplyCheck.classify(line) { id in lock.withLock { waiting[id]?.method } }
        return lock.withLock {
            switch verdict {
            case .fromServer:
                return (line, true)
            case .answer(let id):
                waiting[id] = nil
                return (line, false)
            case .unusable(let id, let reason):
                waiting[id] = nil
                return (ReplyCheck.rejection(of: id, reason: reason), false)
            case .stray(let id):
                if let late = forgotten.firstIndex(of: id) {
                    forgotten.remove(at: late)
                } else {
                    note("a response to no waiting request (id \(id))")
                }
                return nil
            case .garbage(let what):
                note("a line that is \(what)")
                return nil
            }
        }
    }

    /// Useless lines the server wrote since the oldest waiting request was sent.
    var stall: String? {
        lock.withLock {
            // A subscription waits for as long as it lasts: it says nothing about a stall.
            guard let oldest = waiting.values.filter({ $0.method != "subscriptions/listen" }).map(\.ignoredBefore).min(),
                  ignored > oldest, let latest else { return nil }
            return "instead of answering, the server wrote \(ignored - oldest) line(s) that hermes could not use, the last: \(latest)"
        }
    }

    private func note(_ text: String) {
        ignored += 1
        latest = text
    }
}
