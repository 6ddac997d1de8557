import Glibc
import Synchronization

/// The current tokens of one server as this process knows them, readable without an actor hop,
/// a lock of more than a few instructions, or any system call: the hot path of every request.
/// The file watcher marks it stale when the token file changes; the next read goes to disk.
public final class TokenCell: Sendable {
    private struct State {
        var tokens: OAuthTokens?
        var stale = true
    }

    private let state = Mutex(State())

    public init() {}

    /// The access token when it is known, not stale and valid beyond `skew` at `now`.
    public func freshAccessToken(now: Double, skew: Double) -> String? {
        state.withLock { s in
            guard !s.stale, let t = s.tokens else { return nil }
            if let expiresAt = t.expiresAt, now + skew >= expiresAt { return nil }
            return t.accessToken
        }
    }

    public var isStale: Bool { state.withLock { $0.stale } }

    public func snapshot() -> (tokens: OAuthTokens?, stale: Bool) {
        state.withLock { ($0.tokens, $0.stale) }
    }

    public func set(_ tokens: OAuthTokens?) {
        state.withLock { $0 = State(tokens: tokens, stale: false) }
    }

    public func markStale() {
        state.withLock { $0.stale = true }
    }

    /// Wall-clock seconds from the vDSO: no system call.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
