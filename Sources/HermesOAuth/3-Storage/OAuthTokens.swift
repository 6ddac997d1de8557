import Foundation

/// The token set of one server, in hermes-agent's `<name>.json` shape: `access_token`,
/// `token_type`, `expires_in`, `scope`, `refresh_token`, plus the absolute `expires_at` (epoch
/// seconds). Keys hermes does not use (an `id_token`, say) are carried along untouched.
public struct OAuthTokens: Sendable, Equatable, CustomStringConvertible {
    public var accessToken: String
    public var tokenType: String
    public var refreshToken: String?
    public var scope: String?
    /// Absolute expiry in seconds since the epoch; nil when the server gave no lifetime.
    public var expiresAt: Double?
    /// How long the token was issued for (the token response's `expires_in`), in seconds; nil when
    /// unknown. It sets the refresh margin (see RefreshMargin.swift), which what is left at any
    /// later moment cannot: a token read back with 30 s left may have been issued for 30 s or an hour.
    public var lifetime: Double?
    public var extra: [String: JSONValue]

    static let knownKeys: Set<String> = ["access_token", "token_type", "refresh_token", "scope", "expires_in", "expires_at"]

    public init(accessToken: String, tokenType: String = "Bearer", refreshToken: String? = nil,
                scope: String? = nil, expiresAt: Double? = nil, lifetime: Double? = nil, extra: [String: JSONValue] = [:]) {
        self.accessToken = accessToken
        self.tokenType = Self.normalise(tokenType: tokenType)
        self.refreshToken = refreshToken
        self.scope = scope
        self.expiresAt = expiresAt
        self.lifetime = expiresAt == nil ? nil : lifetime.flatMap { $0.isFinite ? min(max($0, 0), Self.longestLifetime) : nil }
        self.extra = extra
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// From a token file's (or a token endpoint's) JSON object. `issuedAt` anchors a relative
    /// `expires_in` when there is no `expires_at`: the file's mtime for hermes-agent's legacy files,
    /// the response time for a fresh token response.
    ///
    /// The lifetime: a token response's `expires_in`. A file holds it too: hermes-agent writes the
    /// response's `expires_in` beside `expires_at` (and recomputes what is left from `expires_at`
    /// on reading), and so does hermes. A file with `expires_at` alone gives its age when written
    /// (`expires_at` − mtime: a token file is written when the token arrives).
    public init(json object: [String: JSONValue], issuedAt: Double) throws(Invalid) {
        guard let access = object["access_token"]?.string, !access.isEmpty else {
            throw Invalid(reason: "no access_token")
        }
        guard let type = object["token_type"]?.string, !type.isEmpty else { throw Invalid(reason: "no token_type") }
        // The access token becomes an `Authorization` header: anything but RFC 6750's b64token
        // (a CR LF, say) would let the authorization server write headers of its own.
        guard HeaderSyntax.isB64Token(access) else {
            throw Invalid(reason: "the access_token is not an RFC 6750 bearer token (it holds characters a header must not carry)")
        }
        guard ["bearer", "dpop"].contains(type.lowercased()) else {
            throw Invalid(reason: "token_type '\(type.prefix(40).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })' is not supported (only Bearer and DPoP)")
        }
        let refresh = object["refresh_token"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        if let refresh, !HeaderSyntax.isVisibleASCII(refresh) {
            throw Invalid(reason: "the refresh_token holds characters outside printable ASCII")
        }
        accessToken = access
        tokenType = Self.normalise(tokenType: type)
        refreshToken = refresh
        scope = object["scope"]?.string
        // Lifetimes come from files and servers hermes does not control: anything not finite is
        // "unknown", and the rest is held to a range whose arithmetic can never overflow.
        let relative = object["expires_in"]?.number.flatMap { $0.isFinite ? min(max($0, 0), Self.longestLifetime) : nil }
        if let absolute = object["expires_at"]?.number, absolute.isFinite {
            let at = min(max(absolute, 0), Self.latestExpiry)
            expiresAt = at
            lifetime = relative ?? min(max(at - issuedAt, 0), Self.longestLifetime)
        } else if let relative {
            expiresAt = min(max(issuedAt + relative, 0), Self.latestExpiry)
            lifetime = relative
        } else {
            expiresAt = nil
            lifetime = nil
        }
        extra = object.filter { !Self.knownKeys.contains($0.key) }
    }

    /// The end of year 9999, and a century: bounds for lifetimes read from outside.
    static let latestExpiry: Double = 253_402_300_799
    static let longestLifetime: Double = 3_155_760_000

    /// Whole seconds left at `now`, never negative and never beyond what an Int holds.
    static func secondsLeft(_ expiresAt: Double, now: Double) -> Int64 {
        let left = max(expiresAt - now, 0).rounded(.down)
        return left.isFinite && left < 9.0e18 ? Int64(left) : Int64(latestExpiry)
    }

    /// The file form. `expires_in` is the lifetime, as hermes-agent writes it (the response's
    /// value; readers take what is left from `expires_at`); what remains at `now` (never negative)
    /// when the lifetime is unknown.
    public func json(now: Double = Date().timeIntervalSince1970) -> [String: JSONValue] {
        var object = extra
        object["access_token"] = .string(accessToken)
        object["token_type"] = .string(tokenType)
        if let refreshToken { object["refresh_token"] = .string(refreshToken) }
        if let scope { object["scope"] = .string(scope) }
        if let expiresAt {
            object["expires_at"] = .double(expiresAt)
            object["expires_in"] = .int(lifetime.map { Int64($0.rounded()) } ?? Self.secondsLeft(expiresAt, now: now))
        }
        return object
    }

    /// Seconds left at `now`, clamped at zero; nil when the lifetime is unknown.
    public func expiresIn(now: Double = Date().timeIntervalSince1970) -> Int? {
        expiresAt.map { Int(Self.secondsLeft($0, now: now)) }
    }

    /// Past its expiry (refreshing ahead of it is `needsRefresh`). A token without a known
    /// expiry is never considered expired here: the server's 401 is the only signal then.
    public func isExpired(now: Double = Date().timeIntervalSince1970) -> Bool {
        guard let expiresAt else { return false }
        return now >= expiresAt
    }

    static func normalise(tokenType: String) -> String {
        switch tokenType.lowercased() {
        case "bearer": "Bearer"
        case "dpop": "DPoP"
        default: tokenType
        }
    }

    /// Bound to a DPoP key (RFC 9449): presented only with a proof made with that key.
    public var isDPoPBound: Bool { tokenType == "DPoP" }

    public var description: String {
        "OAuthTokens(access: \(Secret.mask(accessToken)), refresh: \(Secret.mask(refreshToken)), scope: \(scope ?? "-"), expiresAt: \(expiresAt.map { String($0) } ?? "-"), lifetime: \(lifetime.map { String($0) } ?? "-"))"
    }
}
