import CHermesShims

/// A private key that signs JWS: ES256 with a P-256 key, RS256 with an RSA key (2048 bits or more).
/// The key stays inside OpenSSL; what leaves is its public half (as a JWK) and signatures.
public final class SigningKey: @unchecked Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case es256 = "ES256"
        case rs256 = "RS256"
    }

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    // An EVP_PKEY: OpenSSL 3 signs with one from several threads, each call with its own context.
    private let key: OpaquePointer
    public let algorithm: Algorithm

    /// Read from OpenSSL once: every DPoP proof carries it.
    public let publicJWK: [String: JSONValue]

    private init(key: OpaquePointer, algorithm: Algorithm) {
        self.key = key
        self.algorithm = algorithm
        publicJWK = Self.jwk(key, algorithm)
    }

    deinit { hermes_shim_key_free(key) }

    /// `what` names the key in errors ("oauth.private_key /etc/x.pem"); the PEM text never appears.
    public convenience init(pem: String, what: String) throws(Problem) {
        var out: OpaquePointer?
        var kind: Int32 = 0
        let rc = pem.utf8CString.withUnsafeBufferPointer { hermes_shim_key_from_pem($0.baseAddress, $0.count - 1, &out, &kind) }
        guard rc == 0, let out else {
            throw Problem(description: "\(what) is not a PEM private key hermes can read (PKCS#8, SEC 1 or PKCS#1, not encrypted)")
        }
        switch Int(kind) {
        case Int(HERMES_SHIM_KEY_P256):
            self.init(key: out, algorithm: .es256)
        case Int(HERMES_SHIM_KEY_RSA):
            self.init(key: out, algorithm: .rs256)
            if (rsaPublic?.n.count ?? 0) < 256 {
                throw Problem(description: "\(what) is an RSA key shorter than 2048 bits; RS256 needs 2048 or more")
            }
        default:
            hermes_shim_key_free(out)
            throw Problem(description: "\(what) is neither a P-256 (ES256) nor an RSA (RS256) key")
        }
    }

    /// A new P-256 key pair (DPoP).
    public static func generateP256() throws(Problem) -> SigningKey {
        var out: OpaquePointer?
        guard hermes_shim_key_generate_p256(&out) == 0, let out else { throw Problem(description: "OpenSSL could not generate a P-256 key") }
        return SigningKey(key: out, algorithm: .es256)
    }

    /// The private key as unencrypted PKCS#8 PEM, to be written only to a 0600 file.
    public func pem() throws(Problem) -> String {
        var buffer = [CChar](repeating: 0, count: 16384)
        var length = 0
        guard hermes_shim_key_to_pem(key, &buffer, buffer.count, &length) == 0 else { throw Problem(description: "OpenSSL could not write the key") }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func ecPublic(_ key: OpaquePointer) -> (x: [UInt8], y: [UInt8])? {
        var x = [UInt8](repeating: 0, count: 32), y = [UInt8](repeating: 0, count: 32)
        return hermes_shim_key_ec_public(key, &x, &y) == 0 ? (x, y) : nil
    }

    private var rsaPublic: (n: [UInt8], e: [UInt8])? { Self.rsaPublic(key) }

    private static func rsaPublic(_ key: OpaquePointer) -> (n: [UInt8], e: [UInt8])? {
        var n = [UInt8](repeating: 0, count: 1024), e = [UInt8](repeating: 0, count: 16)
        var nl = 0, el = 0
        guard hermes_shim_key_rsa_public(key, &n, n.count, &nl, &e, e.count, &el) == 0 else { return nil }
        return (Array(n.prefix(nl)), Array(e.prefix(el)))
    }

    /// The public key as a JWK with only its required members (RFC 7638 §3.2), so that it is
    /// also what the thumbprint hashes.
    private static func jwk(_ key: OpaquePointer, _ algorithm: Algorithm) -> [String: JSONValue] {
        switch algorithm {
        case .es256:
            let p = ecPublic(key) ?? ([], [])
            return ["kty": .string("EC"), "crv": .string("P-256"), "x": .string(Base64URL.encode(p.x)), "y": .string(Base64URL.encode(p.y))]
        case .rs256:
            let p = rsaPublic(key) ?? ([], [])
            return ["kty": .string("RSA"), "n": .string(Base64URL.encode(p.n)), "e": .string(Base64URL.encode(p.e))]
        }
    }

    /// RFC 7638 JWK SHA-256 thumbprint, base64url: the `jkt` a DPoP-bound token carries.
    public var thumbprint: String {
        Base64URL.encode(Crypto.sha256(JSONValue.object(publicJWK).serialized()))
    }

    public func sign(_ data: [UInt8]) throws(Problem) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 1024)
        var length = 0
        guard hermes_shim_key_sign_sha256(key, data, data.count, &signature, signature.count, &length) == 0 else {
            throw Problem(description: "OpenSSL could not sign with the \(algorithm.rawValue) key")
        }
        return Array(signature.prefix(length))
    }

    public func verify(_ data: [UInt8], signature: [UInt8]) -> Bool {
        hermes_shim_key_verify_sha256(key, data, data.count, signature, signature.count) == 0
    }
}
