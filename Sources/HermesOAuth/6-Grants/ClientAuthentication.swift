import Foundation

/// How the client proves itself at the token endpoint: not at all (a public client), with a
/// secret (RFC 6749 §2.3.1, in the Authorization header or in the form), or with a JWT signed by
/// its private key (`private_key_jwt`, RFC 7523 §2.2).
public enum ClientAuthentication: Sendable, CustomStringConvertible {
    case none(clientID: String?)
    case secretBasic(clientID: String, secret: String)
    case secretPost(clientID: String, secret: String)
    case privateKeyJWT(clientID: String, key: SigningKey, keyID: String?)

    /// What a stored or configured registration calls for; a secret without a method means
    /// `client_secret_post` (some servers return a secret and omit the method).
    init(registration client: ClientRegistration) {
        switch client.tokenEndpointAuthMethod ?? (client.clientSecret == nil ? "none" : "client_secret_post") {
        case "client_secret_basic": self = .secretBasic(clientID: client.clientID, secret: client.clientSecret ?? "")
        case "client_secret_post" where client.clientSecret != nil: self = .secretPost(clientID: client.clientID, secret: client.clientSecret ?? "")
        default: self = .none(clientID: client.clientID)
        }
    }

    /// The method and the client, never the secret.
    public var description: String { "ClientAuthentication(\(method), client \(clientID ?? "-"))" }

    public var method: String {
        switch self {
        case .none: "none"
        case .secretBasic: "client_secret_basic"
        case .secretPost: "client_secret_post"
        case .privateKeyJWT: "private_key_jwt"
        }
    }

    public var clientID: String? {
        switch self {
        case .none(let id): id
        case .secretBasic(let id, _), .secretPost(let id, _), .privateKeyJWT(let id, _, _): id
        }
    }

    /// Adds the credentials to a token request. `client_id` is in the body for every method that
    /// has one: public clients need it, and some servers want it beside HTTP Basic too. `audience`
    /// is the authorization server's issuer, the `aud` of a client assertion (RFC 7523bis; the
    /// conformance suite accepts nothing else).
    func apply(to fields: inout [(String, String)], headers: inout [String: String], audience: String, now: Double) throws(TokenRequestFailure) {
        if let clientID { fields.append(("client_id", clientID)) }
        switch self {
        case .none:
            break
        case .secretBasic(let id, let secret):
            // RFC 6749 §2.3.1: each part form-encoded before the base64.
            let pair = FormEncoding.escape(id) + ":" + FormEncoding.escape(secret)
            headers["Authorization"] = "Basic " + Data(pair.utf8).base64EncodedString()
        case .secretPost(_, let secret):
            fields.append(("client_secret", secret))
        case .privateKeyJWT(let id, let key, let keyID):
            let assertion: String
            do { assertion = try ClientAssertion.make(clientID: id, key: key, keyID: keyID, audience: audience, now: now) } catch {
                throw .unavailable("could not sign the client assertion: \(error)")
            }
            fields.append(("client_assertion_type", GrantTypes.clientAssertionType))
            fields.append(("client_assertion", assertion))
        }
    }
}

/// The JWT a `private_key_jwt` client authenticates with (RFC 7523 §3): issued by the client about
/// itself, for the authorization server, short-lived and never reused.
enum ClientAssertion {
    /// Long enough for a slow network, short enough that a copy is soon useless.
    static let lifetime: Double = 120

    static func make(clientID: String, key: SigningKey, keyID: String?, audience: String, now: Double) throws -> String {
        var header: [String: JSONValue] = ["typ": .string("JWT")]
        if let keyID { header["kid"] = .string(keyID) }
        let claims: [String: JSONValue] = [
            "iss": .string(clientID), "sub": .string(clientID), "aud": .string(audience),
            "iat": .int(Int64(now)), "exp": .int(Int64(now + lifetime)),
            "jti": .string(Base64URL.encode(try Crypto.randomBytes(16))),
        ]
        return try JWS.sign(header: header, claims: claims, key: key)
    }
}
