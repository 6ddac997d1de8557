/// When a token is refreshed ahead of its expiry: the one rule, used by the manager's hot path
/// (`TokenCell`), the provider (`accessToken`, and adopting another process's refresh) and through
/// them the C API and the runtime. A fixed minute refreshed a token of a minute or less before
/// every request, each refresh spending (and rotating) the refresh token; so the margin is a
/// minute at most and never more than half the token's lifetime, and a token is always used for
/// at least half of the time it was issued for.
extension OAuthTokens {
    /// The most a token is refreshed ahead of its expiry.
    public static let longestRefreshMargin: Double = 60

    /// Seconds before `expiresAt` from which the token is refreshed first. A lifetime nobody
    /// recorded (tokens built in code without one) keeps the full minute.
    public static func refreshMargin(lifetime: Double?) -> Double {
        guard let lifetime else { return longestRefreshMargin }
        return min(longestRefreshMargin, max(lifetime, 0) / 2)
    }

    public var refreshMargin: Double { Self.refreshMargin(lifetime: lifetime) }

    /// Expired, or close enough to its expiry to be refreshed before use. Never for a token
    /// without a known expiry: the server's 401 is the only signal then. Pure arithmetic: it runs
    /// on the hot path, under `TokenCell`'s lock.
    public func needsRefresh(now: Double) -> Bool {
        guard let expiresAt else { return false }
        return now + refreshMargin >= expiresAt
    }
}
