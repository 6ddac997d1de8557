import Foundation

/// How many messages of its own a server may send in one second on a stream that lasts (a change
/// feed, a stdio server's output): a server sending list_changed a hundred thousand times a
/// second kept both cores busy and the host's memory growing by 10 MB a second, the messages
/// queueing faster than anything could take them.
struct FloodGate {
    /// Messages a second; beyond them a second is a flood.
    static let perSecond = 1000
    private var windowStart = ContinuousClock.now
    private var count = 0

    /// Whether one more message fits in the current second.
    mutating func admit(now: ContinuousClock.Instant = .now) -> Bool {
        if now - windowStart >= .seconds(1) {
            windowStart = now
            count = 0
        }
        count += 1
        return count <= Self.perSecond
    }
}
