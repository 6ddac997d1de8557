/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` offers no protection against an
/// intercepted authorization code, so hermes never sends or accepts it.
public struct PKCEPair: Sendable, Equatable {
    public let verifier: String
    public let challenge: String
    public static let method = "S256"

    /// RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
    public static let verifierLengths = 43...128

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidLength(Int)
        case invalidCharacter
        case randomUnavailable

        public var description: String {
            switch self {
            case .invalidLength(let n): "a PKCE verifier must be 43 to 128 characters long, not \(n)"
            case .invalidCharacter: "a PKCE verifier may only contain A-Z a-z 0-9 - . _ ~"
            case .randomUnavailable: "the system's secure random generator failed"
            }
        }
    }

    public init(verifier: String) throws(Failure) {
        try Self.validate(verifier: verifier)
        self.verifier = verifier
        self.challenge = Self.challenge(for: verifier)
    }

    /// A fresh pair. The default 32 random bytes give a 43-character verifier with 256 bits of
    /// entropy, the RFC's recommendation; `length` asks for a longer verifier.
    public static func generate(length: Int = 43) throws(Failure) -> PKCEPair {
        guard verifierLengths.contains(length) else { throw .invalidLength(length) }
        let bytes: [UInt8]
        do { bytes = try Crypto.randomBytes((length * 3 + 3) / 4) } catch { throw .randomUnavailable }
        let verifier = String(Base64URL.encode(bytes).prefix(length))
        return try PKCEPair(verifier: verifier)
    }

    /// BASE64URL(SHA256(ASCII(verifier))) without padding.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Crypto.sha256(verifier))
    }

    public static func validate(verifier: String) throws(Failure) {
        let utf8 = verifier.utf8
        guard verifierLengths.contains(utf8.count) else { throw .invalidLength(verifier.count) }
        for c in utf8 {
            let ok = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E
            guard ok else { throw .invalidCharacter }
        }
    }
}
