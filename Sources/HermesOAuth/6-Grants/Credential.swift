import Foundation

/// An access token as requests present it: `Authorization: Bearer`, or, for a token bound to a
/// DPoP key, `Authorization: DPoP` with a fresh proof in a `DPoP` header on every request.
public struct Credential: Sendable, CustomStringConvertible {
    public let token: String
    public let prover: DPoPProver?

    public init(token: String, prover: DPoPProver? = nil) {
        self.token = token
        self.prover = prover
    }

    public var scheme: String { prover == nil ? "Bearer" : "DPoP" }

    /// Never the token itself, in case a credential is ever interpolated into a message or a log.
    public var description: String { "Credential(\(scheme) \(Secret.mask(token)))" }

    /// The headers of one request. A proof that cannot be made (OpenSSL's random generator
    /// failing) leaves the DPoP header out: the server refuses, nothing is sent unproven as Bearer.
    public func headers(method: String, url: URL) -> [String: String] {
        var out = ["Authorization": "\(scheme) \(token)"]
        if let prover, let proof = try? prover.proof(method: method, url: url, accessToken: token) { out["DPoP"] = proof }
        return out
    }

    /// After a refusal of a request to `url`: true when the server asked for a DPoP nonce it had
    /// not given before (RFC 9449 §9), so the request is worth sending once more with it.
    public func retryWithNonce(after response: HTTPResponse, url: URL) -> Bool {
        guard let prover else { return false }
        let fresh = prover.remember(response, for: url)
        guard response.status == 401, fresh, let header = response.header("www-authenticate"),
              let challenge = try? WWWAuthenticate.parse(header).first(where: \.isDPoP) else { return false }
        return challenge.error == "use_dpop_nonce"
    }

    /// Keeps any nonce a successful response carried, for the next request.
    public func observe(_ response: HTTPResponse, url: URL) {
        prover?.remember(response, for: url)
    }
}
