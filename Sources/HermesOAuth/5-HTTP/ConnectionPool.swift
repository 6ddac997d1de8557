import CHermesCurl
import Foundation

/// The connections `CurlTransport` keeps open between exchanges, so that sequential requests to a
/// server (every MCP message is one) reuse one TCP connection, TLS session and proxy tunnel.
///
/// libcurl cannot share one connection cache between threads running transfers at the same time
/// (a known bug of its share interface), and each exchange runs on a thread of its own. So the
/// connections live in slots (`hermes_curl_connections`), each lent to one exchange at a time and
/// filed, when given back, under the origin it was last used for: the next exchange to that
/// origin takes the slot holding its connection; concurrent exchanges take other slots.
///
/// Whether a kept connection may carry a request is libcurl's decision, never this pool's: it reuses
/// one only for the same host, port and proxy with the same TLS settings (CA file, CA directory,
/// verification), so a connection verified against one trust never carries a request made with
/// another (ConnectionReuseTests holds it to that).
final class ConnectionPool: Sendable {
    static let shared = ConnectionPool()

    /// One `hermes_curl_connections`, closed with every connection it holds when released.
    final class Slot: @unchecked Sendable {
        let connections: OpaquePointer?
        init() { connections = hermes_curl_connections_new() }
        deinit { hermes_curl_connections_free(connections) }
    }

    /// Idle slots kept at most, per origin and in all; past that the least recently used goes.
    let perOrigin: Int
    let total: Int
    /// Least recently given back first.
    private let idle = Locked<[(origin: String, slot: Slot)]>([])

    init(perOrigin: Int = 4, total: Int = 32) {
        self.perOrigin = perOrigin
        self.total = total
    }

    /// A slot for an exchange with `origin`: the one given back last for it, else a new one.
    func borrow(_ origin: String) -> Slot {
        idle.withLock { idle -> Slot? in
            guard let index = idle.lastIndex(where: { $0.origin == origin }) else { return nil }
            return idle.remove(at: index).slot
        } ?? Slot()
    }

    func giveBack(_ slot: Slot, origin: String) {
        let evicted = idle.withLock { idle -> [Slot] in
            idle.append((origin, slot))
            var evicted: [Slot] = []
            if idle.count(where: { $0.origin == origin }) > perOrigin, let oldest = idle.firstIndex(where: { $0.origin == origin }) {
                evicted.append(idle.remove(at: oldest).slot)
            }
            while idle.count > total { evicted.append(idle.removeFirst().slot) }
            return evicted
        }
        // Closed here, outside the lock: closing a TLS connection writes to its socket.
        withExtendedLifetime(evicted) {}
    }

    /// What a slot is filed under: scheme, host and port (the default one when the URL has none).
    static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
