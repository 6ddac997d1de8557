import Foundation

/// The header and claims of a compact JWT, read without checking its signature. hermes never
/// trusts what it reads here: it reads a workload token's `exp` to say that it expired instead of
/// sending it, and an ID-JAG's to know how long it may be presented. Whoever receives the token
/// checks it.
public struct UnverifiedJWT: Sendable {
    public let header: [String: JSONValue]
    public let claims: [String: JSONValue]

    /// Larger than any identity or workload token seen in use (a few KiB), small enough to refuse
    /// a file that is something else.
    public static let maxLength = 64 * 1024

    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(_ token: String) throws(Malformed) {
        let text = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= Self.maxLength else { throw Malformed(description: "longer than \(Self.maxLength >> 10) KiB") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              text.utf8.allSatisfy({ $0 == 0x2E || Base64URL.alphabet.contains($0) }) else {
            throw Malformed(description: "not a JWT (three base64url parts separated by dots, and nothing else)")
        }
        header = try Self.object(parts[0], "header")
        claims = try Self.object(parts[1], "claims")
    }

    private static func object(_ part: Substring, _ what: String) throws(Malformed) -> [String: JSONValue] {
        guard let bytes = Base64URL.decode(part) else { throw Malformed(description: "its \(what) are not base64url") }
        do { return try JSONObject.decode(Data(bytes)) } catch {
            throw Malformed(description: "its \(what) are not a JSON object")
        }
    }

    /// `exp`, seconds since 1970, when it is a number.
    public var expiresAt: Double? { Self.number(claims["exp"]) }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d) where d.isFinite: d
        default: nil
        }
    }
}
