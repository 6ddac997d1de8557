import Foundation
import HermesOAuth

/// What keeps one server usable in a host that lives for days (the agent, a C host): a keepalive
/// ping on the revisions that have sessions (on a 2026-07-28 stdio server, which has no ping, a
/// `server/discover`: a process that hangs is noticed before a call waits on it; over HTTP
/// 2026-07-28 keeps nothing open to check), a stdio server stopped when idle or replaced when
/// old, and a connection that died between calls brought back with a growing pause. Each server
/// has its own, so one that is down never delays another.
struct ConnectionUpkeep: Sendable {
    /// Seconds between keepalives; nil for 2026-07-28 over HTTP, or when config turned them off.
    let keepalive: Double?
    /// Seconds of idleness before a stdio server is stopped (`idle_timeout_seconds`).
    let idle: Double?
    /// Seconds of life before a stdio server is replaced once idle (`max_lifetime_seconds`).
    let lifetime: Double?

    /// The pauses between tries to bring a lost connection back: hermes-agent's five growing
    /// retries, then a probe every five minutes for as long as the host lives.
    static let revivalPauses: [Double] = [1, 2, 4, 8, 16, 300]
    /// A keepalive that does not answer within this (or the call timeout, if shorter) failed.
    static let pingTimeout = 30.0

    init(config: MCPServerConfig, connection: MCPConnection, keepaliveFloor: Double) {
        let stdio = connection.transport is StdioMCPTransport
        keepalive = connection.requests.isStateless && !stdio ? nil : config.keepaliveInterval.map { max($0, keepaliveFloor) }
        idle = stdio ? config.idleTimeout : nil
        lifetime = stdio ? config.maxLifetime : nil
    }

    /// What is due first: when, and what.
    enum Chore: Equatable { case ping, stopIdle, replaceOld }

    /// The next chore and when it falls due, given when the connection began, when the last ping
    /// was, and since when the server has been idle (nil: busy now, so neither stopping nor
    /// replacing it can be due; they are looked at again a second later).
    func next(born: ContinuousClock.Instant, lastPing: ContinuousClock.Instant,
              idleSince: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> (ContinuousClock.Instant, Chore)? {
        var due: [(ContinuousClock.Instant, Chore)] = []
        if let keepalive { due.append((lastPing + .seconds(keepalive), .ping)) }
        if let idle { due.append((idleSince.map { $0 + .seconds(idle) } ?? now + .seconds(1), .stopIdle)) }
        if let lifetime {
            let old = born + .seconds(lifetime)
            due.append((idleSince == nil ? max(old, now + .seconds(1)) : old, .replaceOld))
        }
        return due.min { $0.0 < $1.0 }
    }

    var isEmpty: Bool { keepalive == nil && idle == nil && lifetime == nil }
}
