import Foundation

/// What a login at an enterprise identity provider gave hermes: the user's identity token (the
/// subject of the token exchange) and, when the provider issued one, a refresh token for the next.
/// Stored as `<name>.idp.json` (0600) beside the server's tokens.
public struct IdentityTokens: Sendable, Equatable, CustomStringConvertible {
    public var idToken: String
    public var refreshToken: String?
    /// The identity provider that issued them (its metadata's issuer): they go back to it alone.
    public var issuer: String
    /// The identity token's `exp`, when it has one.
    public var expiresAt: Double?

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(idToken: String, refreshToken: String?, expiresAt: Double?, issuer: String) {
        self.issuer = issuer
        self.idToken = idToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
    }

    public init(json object: [String: JSONValue]) throws(Invalid) {
        guard let id = object["id_token"]?.string, !id.isEmpty else { throw Invalid(reason: "no id_token") }
        guard let jwt = try? UnverifiedJWT(id) else { throw Invalid(reason: "the id_token is not a JWT") }
        guard let issuer = object["issuer"]?.string, !issuer.isEmpty else { throw Invalid(reason: "no issuer") }
        self.issuer = issuer
        idToken = id
        refreshToken = object["refresh_token"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        expiresAt = jwt.expiresAt
    }

    public var json: [String: JSONValue] {
        var o: [String: JSONValue] = ["id_token": .string(idToken), "issuer": .string(issuer)]
        if let refreshToken { o["refresh_token"] = .string(refreshToken) }
        if let expiresAt { o["expires_at"] = .double(expiresAt) }
        return o
    }

    /// Still good for a token exchange a moment from now.
    public func usable(now: Double) -> Bool { (expiresAt ?? .infinity) > now + 30 }

    public var description: String {
        "IdentityTokens(id: \(Secret.mask(idToken)), refresh: \(Secret.mask(refreshToken)), expiresAt: \(expiresAt.map { String($0) } ?? "-"))"
    }
}
