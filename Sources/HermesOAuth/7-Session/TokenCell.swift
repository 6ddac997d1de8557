import Glibc

/// The current tokens of one server as this process knows them, readable without an actor hop,
/// a lock of more than a few instructions, or any system call: the hot path of every request.
/// The file watcher marks it stale when the token file changes; the next read goes to disk.
public final class TokenCell: Sendable {
    private struct State {
        var tokens: OAuthTokens?
        var stale = true
        /// The token file as this process last wrote it, so its own write does not count as news.
        var written: FileIdentity?
    }

    private let state = Locked(State())

    public init() {}

    /// The access token when it is known, not stale and not yet due for a refresh at `now`.
    public func freshAccessToken(now: Double) -> String? {
        state.withLock { s in
            guard !s.stale, let t = s.tokens, !t.needsRefresh(now: now) else { return nil }
            return t.accessToken
        }
    }

    public var isStale: Bool { state.withLock { $0.stale } }

    public func snapshot() -> (tokens: OAuthTokens?, stale: Bool) {
        state.withLock { ($0.tokens, $0.stale) }
    }

    public func set(_ tokens: OAuthTokens?, written: FileIdentity? = nil) {
        state.withLock { $0 = State(tokens: tokens, stale: false, written: written) }
    }

    public func markStale() {
        state.withLock { $0.stale = true }
    }

    /// The file changed on disk: stale, unless it is still exactly the file this process wrote.
    public func fileChanged(now identity: FileIdentity?) {
        state.withLock { s in
            if let identity, identity == s.written { return }
            s.stale = true
        }
    }

    /// Wall-clock seconds from the vDSO: no system call.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
