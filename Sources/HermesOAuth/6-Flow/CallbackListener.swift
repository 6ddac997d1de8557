import Foundation
import Glibc
import SystemPackage

/// The loopback HTTP listener that receives the authorization response. Bound to loopback only, on
/// the port the redirect URI advertises, and listening from the moment the port is chosen, so no
/// other process can take it in between. For `localhost` it holds that port on 127.0.0.1 and on
/// ::1 both: a browser may resolve the name to either, and whatever held the other address would
/// receive the code. It reads at most a small, bounded request head per connection with a short
/// deadline, answers only `GET /callback`, and shrugs off anything else (wrong paths, other
/// methods, garbage, slow or oversized requests) without dying.
public final class CallbackListener: @unchecked Sendable {
    public let port: UInt16
    /// The host the redirect URI names: `127.0.0.1`, `localhost`, `::1` (unbracketed).
    public let host: String
    private let socketFDs: [Int32]
    private let wake: WakePipe
    private let lock = NSLock()
    private var closed = false

    /// Bytes of request head read at most; a callback URL is far smaller.
    static let maxHead = 8192
    /// Seconds a single connection may take to send its request head.
    static let perConnectionDeadline = 3.0
    /// The redirect host when `oauth.redirect_host` is not set.
    public static let defaultHost = "127.0.0.1"

    /// What the flow decides about one callback: the HTTP answer, and whether the wait is over.
    public struct Verdict: Sendable {
        public let status: Int
        public let page: String
        public let done: Bool

        public init(status: Int, page: String, done: Bool) {
            self.status = status
            self.page = page
            self.done = done
        }
    }

    /// The redirect URI this listener receives: an IPv6 host goes in brackets (RFC 3986).
    public var redirectURI: String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/callback"
    }

    /// Binds `host:port` (port 0: a free port chosen by the kernel) and starts listening. `host`
    /// is `oauth.redirect_host`: a 127.x.y.z address, `::1` (bracketed or not) or `localhost`
    /// (nil: 127.0.0.1); anything else could expose the listener beyond this machine.
    public init(port: UInt16, host: String? = nil) throws(OAuthFailure) {
        let host = (host ?? Self.defaultHost).trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).lowercased()
        let addresses: [String]
        switch host {
        case "localhost": addresses = ["127.0.0.1", "::1"]
        case _ where URLPolicy.isLoopbackLiteral(host): addresses = [host]
        default: throw .configuration("the callback listener only binds loopback addresses (127.0.0.1, ::1, localhost), not '\(host)'")
        }
        // With a kernel-chosen port, the first address picks it and the others must get the same
        // one; if another process holds it there, start over on another port.
        var sockets: [Int32]
        var attempts = 0
        while true {
            attempts += 1
            do {
                sockets = try Self.bindAll(addresses, port: port)
                break
            } catch {
                switch error {
                case .retry where attempts < 16: continue
                case .retry: throw .network("could not find a port free on both \(addresses.joined(separator: " and "))")
                case .failed(let failure): throw failure
                }
            }
        }
        do {
            wake = try WakePipe()
        } catch {
            sockets.forEach { close($0) }
            throw .network("could not create the listener's wake pipe")
        }
        socketFDs = sockets
        self.port = Self.boundPort(sockets[0])
        self.host = host
    }

    private enum BindFailure: Error {
        /// A later address had the port the first one was given taken: try another port.
        case retry
        case failed(OAuthFailure)
    }

    /// One listening socket per address, all on one port (the first's when `port` is 0).
    private static func bindAll(_ addresses: [String], port: UInt16) throws(BindFailure) -> [Int32] {
        var sockets: [Int32] = []
        for (index, address) in addresses.enumerated() {
            let wanted = index == 0 ? port : boundPort(sockets[0])
            switch listenOn(address, port: wanted) {
            case .success(let fd):
                sockets.append(fd)
            case .failure(let failure):
                let code = failure.rawValue
                // A machine without IPv6 has no ::1, and then no browser reaches it either.
                if index > 0, code == EADDRNOTAVAIL || code == EAFNOSUPPORT { continue }
                sockets.forEach { close($0) }
                if code == EADDRINUSE {
                    if index > 0, port == 0 { throw .retry }
                    throw .failed(.configuration("OAuth callback port \(wanted) is already in use\(addresses.count > 1 ? " on \(address)" : ""). Close any other login in progress, or set a free oauth.redirect_port for this server"))
                }
                throw .failed(.network("could not listen on \(address.contains(":") ? "[\(address)]" : address):\(wanted): \(String(cString: strerror(code)))"))
            }
        }
        return sockets
    }

    /// socket, bind, listen; the errno of the step that failed.
    private static func listenOn(_ address: String, port: UInt16) -> Result<Int32, Errno> {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if v6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            inet_pton(AF_INET6, address, &addr.sin6_addr)
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            inet_pton(AF_INET, address, &addr.sin_addr)
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if bound != 0 || listen(fd, 16) != 0 {
            let code = errno
            close(fd)
            return .failure(Errno(rawValue: code))
        }
        return .success(fd)
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let v6 = Int32(storage.ss_family) == AF_INET6
        return withUnsafePointer(to: &storage) { pointer in
            v6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    deinit {
        stop()
    }

    /// Ends `serve` promptly and releases the port. Safe from any thread, more than once.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            if closed { return false }
            closed = true
            return true
        }
        guard first else { return }
        wake.wake()
        for fd in socketFDs {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    /// Connections in progress, at most this many: past it, the oldest is dropped, so a local
    /// process opening connections and saying nothing cannot keep the browser's request waiting.
    static let maxConnections = 64
    /// After answering, unread input is drained this long before closing (see `drain`).
    static let drainTime = 0.2

    private struct Connection {
        let fd: Int32
        var head: [UInt8] = []
        var deadline: Date
        var draining = false
    }

    /// Accepts connections on the calling thread until `decide` returns a final verdict, `stop()`
    /// is called or the deadline passes. Every connection is served at once and independently (one
    /// poll over all of them), each with its own deadline and size limit, so slow or silent clients
    /// delay nobody. Blocking: run it on its own thread.
    public func serve(until deadline: Date, decide: (CallbackParameters) -> Verdict) {
        var connections: [Connection] = []
        defer { for c in connections { close(c.fd) } }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            // The listening sockets, then one entry per connection.
            let fixed = socketFDs.count
            let nearest = connections.map(\.deadline).min() ?? deadline
            let wait = Int32(max(0, min(deadline.timeIntervalSinceNow, nearest.timeIntervalSinceNow, 1.0)) * 1000)
            let readiness: WakePipe.Readiness
            do {
                readiness = try wake.wait(for: socketFDs + connections.map(\.fd), milliseconds: max(wait, 1))
            } catch {
                return
            }
            if lock.withLock({ closed }) { return }
            let revents = readiness.events

            var finished = Set<Int32>()
            for (index, events) in revents.enumerated().dropFirst(fixed) where events != 0 {
                var connection = connections[index - fixed]
                let n = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n < 0, errno == EAGAIN || errno == EINTR { continue }
                if connection.draining {
                    if n <= 0 { finished.insert(connection.fd) }
                    continue
                }
                if n > 0 { connection.head += chunk[0..<min(n, Self.maxHead - connection.head.count)] }
                if n <= 0 || connection.head.count >= Self.maxHead || Self.endsHead(connection.head) {
                    let verdict = answer(connection.head, decide: decide)
                    respond(connection.fd, verdict)
                    if verdict.done {
                        Self.drainBriefly(connection.fd)
                        return
                    }
                    // Half-close, then discard what is still arriving for a moment: closing with
                    // unread input resets the connection and the client may lose the answer.
                    shutdown(connection.fd, Int32(SHUT_WR))
                    connection.draining = true
                    connection.deadline = Date().addingTimeInterval(Self.drainTime)
                    if n <= 0 { finished.insert(connection.fd) }
                }
                connections[index - fixed] = connection
            }
            // Past their deadline: silent or too slow (no answer), or done draining.
            let now = Date()
            for connection in connections where connection.deadline <= now { finished.insert(connection.fd) }
            for fd in finished { close(fd) }
            connections.removeAll { finished.contains($0.fd) }

            for (index, listening) in socketFDs.enumerated() where revents[index] & Int16(POLLIN) != 0 {
                if let client = try? ListeningSocket.accept(listening) {
                    var one: Int32 = 1
                    setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
                    if connections.count >= Self.maxConnections {
                        close(connections.removeFirst().fd)
                    }
                    connections.append(Connection(fd: client, deadline: Date().addingTimeInterval(Self.perConnectionDeadline)))
                }
            }
        }
    }

    /// The browser's own connection, answered: let it read the page before the socket closes.
    private static func drainBriefly(_ client: Int32) {
        shutdown(client, Int32(SHUT_WR))
        var sink = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(drainTime)
        while true {
            var p = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            if left == 0 || poll(&p, 1, left) <= 0 { return }
            if sink.withUnsafeMutableBytes({ recv(client, $0.baseAddress, $0.count, 0) }) <= 0 { return }
        }
    }

    private func answer(_ head: [UInt8], decide: (CallbackParameters) -> Verdict) -> Verdict {
        switch CallbackRequest.parse(head) {
        case .callback(let parameters): decide(parameters)
        case .notFound: Verdict(status: 404, page: Self.page("Not found", "This address only receives the OAuth callback."), done: false)
        case .methodNotAllowed: Verdict(status: 405, page: Self.page("Method not allowed", "Only GET is accepted here."), done: false)
        case .malformed: Verdict(status: 400, page: Self.page("Bad request", "The request could not be read."), done: false)
        }
    }

    private func respond(_ client: Int32, _ verdict: Verdict) {
        let body = Array(verdict.page.utf8)
        let reason = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"][verdict.status] ?? "Error"
        var text = "HTTP/1.1 \(verdict.status) \(reason)\r\nContent-Type: text/html; charset=utf-8\r\n"
        text += "Content-Length: \(body.count)\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
        text += "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        let bytes = Array(text.utf8) + body
        var sent = 0
        while sent < bytes.count {
            var p = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, 1000) <= 0 { return }
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    static func endsHead(_ head: [UInt8]) -> Bool {
        guard head.count >= 2 else { return false }
        for i in 0..<(head.count - 1) where head[i] == 0x0A {
            if head[i + 1] == 0x0A { return true }
            if i + 2 < head.count, head[i + 1] == 0x0D, head[i + 2] == 0x0A { return true }
        }
        return false
    }

    /// A minimal HTML page; `message` is escaped.
    public static func page(_ title: String, _ message: String) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>hermes: \(escape(title))</title></head>"
            + "<body style=\"font-family:sans-serif;margin:3em\"><h2>\(escape(title))</h2><p>\(escape(message))</p></body></html>"
    }
}

