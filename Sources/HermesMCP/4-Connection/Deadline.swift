import Foundation

/// The one rule for how long hermes waits for an MCP server, so a person can predict it:
///
/// - Connecting takes at most `connect_timeout` seconds, every try and every pause between tries
///   included. A try gets only the time that is left; a retry is started only when its backoff
///   pause ends before the deadline.
/// - A request (a tool call, a listing, a read) takes at most `timeout` seconds from the moment it
///   is sent, a reconnect and the one retry after it included; the reconnect gets what is left of
///   that, or `connect_timeout` when that is less.
///
/// So `hermes mcp call` on a server not connected yet waits at most `connect_timeout + timeout`,
/// plus the moments it takes to stop a stdio server that does not exit when its input closes.
/// Measured on the monotonic clock: a change of the wall clock moves no deadline.
public struct Deadline: Sendable {
    /// The whole budget, in seconds.
    public let seconds: Double
    private let start: ContinuousClock.Instant

    public init(seconds: Double) {
        self.seconds = seconds
        start = .now
    }

    /// Seconds since the deadline was set.
    public var elapsed: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public var remaining: Double { max(0, seconds - elapsed) }

    /// Whether a retry after a pause of `pause` seconds would still start before the deadline.
    public func allowsRetry(after pause: Double) -> Bool { elapsed + pause < seconds }

    /// The most tries there can be, counting `tries` already started, when each later try fails
    /// at once and waits `pause(n)` after try `n`: no more than `limit`, and only those that start
    /// before the deadline. A try that takes time leaves fewer; never more.
    public func mostTries(started tries: Int, limit: Int, pause: (Int) -> Double) -> Int {
        var count = tries, at = elapsed
        while count < limit {
            at += pause(count)
            guard at < seconds else { break }
            count += 1
        }
        return count
    }

    /// A deadline for part of this operation: `limit` seconds from now, or less when less is left.
    public func within(_ limit: Double) -> Deadline {
        Deadline(seconds: min(limit, remaining))
    }
}
