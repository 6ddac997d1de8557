import Foundation

/// RFC 9449 proofs of possession made with one server's key: a new JWT for every request (its own
/// `jti`, the request's method and URL, the time, the access token's hash when one goes with it),
/// carrying the latest nonce the receiving server asked for.
public final class DPoPProver: Sendable {
    public let key: SigningKey
    /// Per request URL without query (a token endpoint, an MCP endpoint): servers keep their own.
    private let nonces = Locked<[String: String]>([:])
    /// The same for every proof of this key (`typ`, `alg`, `jwk`), encoded once.
    private let encodedHeader: String
    /// The last URL's `htu` and the last token's `ath`: requests go to one URL with one token
    /// for long stretches, and parsing a URL costs more than the signature's hashing.
    private let lastTarget = Locked<(url: URL, htu: String)?>(nil)
    private let lastToken = Locked<(token: String, ath: String)?>(nil)

    public init(key: SigningKey) {
        self.key = key
        let header: [String: JSONValue] = ["typ": .string("dpop+jwt"), "alg": .string(key.algorithm.rawValue), "jwk": .object(key.publicJWK)]
        encodedHeader = Base64URL.encode(JSONValue.object(header).serialized())
    }

    /// `htu`: the URL without query and fragment (RFC 9449 §4.2), scheme and host lower-cased.
    public static func htu(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        parts.query = nil
        parts.fragment = nil
        parts.scheme = parts.scheme?.lowercased()
        parts.host = parts.host?.lowercased()
        if parts.path.isEmpty { parts.path = "/" }
        return parts.string ?? url.absoluteString
    }

    /// The `DPoP` header value for one request. `accessToken` is the token the request presents
    /// (none at the token endpoint).
    public func proof(method: String, url: URL, accessToken: String? = nil) throws(SigningKey.Problem) -> String {
        let target = htu(url)
        var claims: [String: JSONValue] = [
            "htm": .string(method.uppercased()), "htu": .string(target),
            "iat": .int(Int64(Date().timeIntervalSince1970)),
        ]
        do { claims["jti"] = .string(Base64URL.encode(try Crypto.randomBytes(16))) } catch {
            throw SigningKey.Problem(description: "\(error)")
        }
        if let accessToken { claims["ath"] = .string(ath(accessToken)) }
        if let nonce = nonces.withLock({ $0[target] }) { claims["nonce"] = .string(nonce) }
        let input = encodedHeader + "." + Base64URL.encode(JSONValue.object(claims).serialized())
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }

    private func htu(_ url: URL) -> String {
        if let last = lastTarget.withLock({ $0 }), last.url == url { return last.htu }
        let value = Self.htu(url)
        lastTarget.withLock { $0 = (url, value) }
        return value
    }

    private func ath(_ token: String) -> String {
        if let last = lastToken.withLock({ $0 }), last.token == token { return last.ath }
        let value = Base64URL.encode(Crypto.sha256(token))
        lastToken.withLock { $0 = (token, value) }
        return value
    }

    /// Keeps the nonce a response to a request for `url` gave (any response may carry a new one,
    /// RFC 9449 §8.2). Returns true when it is new: a request refused for want of it is worth
    /// sending once more.
    @discardableResult
    public func remember(_ response: HTTPResponse, for url: URL) -> Bool {
        guard let header = response.header("dpop-nonce") else { return false }
        return remember(nonce: header, for: url)
    }

    /// The same for a `DPoP-Nonce` value a caller read itself (the C API). False also for a value
    /// RFC 9449 does not allow, which is never echoed.
    @discardableResult
    public func remember(nonce header: String, for url: URL) -> Bool {
        guard let nonce = DPoPNonce.parse(header) else { return false }
        let target = htu(url)
        return nonces.withLock { all in
            if all[target] == nonce { return false }
            if all.count >= 64, all[target] == nil { all.removeAll() }
            all[target] = nonce
            return true
        }
    }

    /// The nonce held for `url`, if any.
    public func nonce(for url: URL) -> String? { nonces.withLock { $0[htu(url)] } }

    public var thumbprint: String { key.thumbprint }
}

/// A `DPoP-Nonce` header: RFC 9449 §8.1 allows 1*NQCHAR (visible ASCII but `"` and `\`); a server
/// sending anything else, or a value longer than hermes will echo, gets no echo at all.
public enum DPoPNonce {
    public static let maxLength = 512

    public static func parse(_ header: String) -> String? {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty, value.utf8.count <= maxLength, HeaderSyntax.isVisibleASCII(value), !value.contains(" "),
              !value.contains("\""), !value.contains("\\") else { return nil }
        return value
    }
}
