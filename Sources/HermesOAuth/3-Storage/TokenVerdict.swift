import Foundation

/// The servers' last word on the stored tokens when it was "no": the authorization server refused
/// the refresh token or the client, or the MCP server refused a token just obtained. Tokens on
/// disk look the same before and after a server revoked them; this record, kept in
/// `<stem>.verdict.json` beside them, is what lets `status` (in any process) tell the truth until a
/// login or a refresh replaces them. hermes-agent reads only `<stem>.json`, `.client.json` and
/// `.meta.json`, so it never sees it.
public struct TokenVerdict: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The authorization server refused the refresh token (invalid_grant and the like).
        case refreshRejected = "refresh_rejected"
        /// The authorization server no longer knows the client the tokens were issued to.
        case clientRejected = "client_rejected"
        /// The MCP server refused a token that was just obtained or that nothing can replace.
        case tokenRejected = "token_rejected"
    }

    public let kind: Kind
    /// One short sentence, server text already cleaned and cut.
    public let reason: String
    /// Seconds since the epoch; stored as ISO-8601.
    public let at: Double
    /// A fingerprint of the access token the verdict was about: tokens written since (a login by
    /// hermes-agent, another process's refresh) are not what the server refused.
    public let token: String?

    /// The longest reason kept: enough for an OAuth error code and a short description.
    static let maxReason = 160

    public init(kind: Kind, reason: String, at: Double, about accessToken: String?) {
        self.kind = kind
        let clean = ServerText.clean(reason)
        self.reason = clean.count > Self.maxReason ? String(clean.prefix(Self.maxReason - 1)) + "…" : clean
        self.at = at
        self.token = accessToken.map(Self.fingerprint)
    }

    /// Twelve hex digits of SHA-256: enough to tell token sets apart, nothing to recover a token from.
    public static func fingerprint(_ accessToken: String) -> String {
        Crypto.hex(Crypto.sha256(accessToken).prefix(6))
    }

    /// Whether the verdict is about `tokens` (the ones on disk now). One about no tokens (the
    /// credentials of a grant without a person, refused before any token was held) applies to
    /// none, and to whatever came after it, until a success removes it.
    public func applies(to tokens: OAuthTokens?) -> Bool {
        guard let tokens else { return token == nil }
        return token == nil || token == Self.fingerprint(tokens.accessToken)
    }

    public var json: [String: JSONValue] {
        var o: [String: JSONValue] = ["verdict": .string(kind.rawValue), "reason": .string(reason), "at": .string(Self.iso(at))]
        if let token { o["token"] = .string(token) }
        return o
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    init(json: [String: JSONValue]) throws(Invalid) {
        guard let kindText = json["verdict"]?.string, let kind = Kind(rawValue: kindText) else {
            throw Invalid(description: "no known \"verdict\"")
        }
        guard let atText = json["at"]?.string, let at = Self.parse(atText) else {
            throw Invalid(description: "\"at\" is not an ISO-8601 time")
        }
        self.kind = kind
        self.reason = ServerText.clean(json["reason"]?.string ?? "").prefix(Self.maxReason).description
        self.at = at
        self.token = json["token"]?.string
    }

    public static func iso(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    static func parse(_ text: String) -> Double? {
        ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970
    }
}
