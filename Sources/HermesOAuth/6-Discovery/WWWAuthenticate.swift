/// One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): a scheme with either a token68
/// or name=value parameters. Parameter names are lower-cased; values are unquoted.
public struct AuthChallenge: Sendable, Equatable {
    public let scheme: String
    public let parameters: [String: String]
    public let token68: String?

    public subscript(name: String) -> String? { parameters[name.lowercased()] }

    public var isBearer: Bool { scheme.lowercased() == "bearer" }
    /// RFC 9449 §7.1: a server that wants DPoP-bound tokens challenges with this scheme (its
    /// `resource_metadata` and `error` read as a Bearer challenge's do).
    public var isDPoP: Bool { scheme.lowercased() == "dpop" }
    /// RFC 9728 §5.1.
    public var resourceMetadata: String? { self["resource_metadata"] }
    /// RFC 6750 §3: space-separated scopes the resource needs.
    public var scope: String? { self["scope"] }
    public var error: String? { self["error"] }
    public var errorDescription: String? { self["error_description"] }
}

/// A robust reader of `WWW-Authenticate` values: several challenges in one header, quoted strings
/// with escapes and commas, token68, odd spacing. Anything malformed (control characters in a
/// quoted value included) is a `ParseError` naming the position, never a crash.
public enum WWWAuthenticate {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "malformed WWW-Authenticate header at character \(offset): \(reason)" }
    }

    /// The challenge hermes answers: the first Bearer one, else the first DPoP one.
    public static func challenge(_ header: String) throws(ParseError) -> AuthChallenge? {
        let all = try parse(header)
        return all.first(where: \.isBearer) ?? all.first(where: \.isDPoP)
    }

    public static func parse(_ header: String) throws(ParseError) -> [AuthChallenge] {
        var p = Parser(Array(header.utf8))
        return try p.challenges()
    }

    private struct Parser {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }

        static func isTChar(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(c)
            }
        }

        static func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != 0x09) || c == 0x7F }

        static func isToken68(_ c: UInt8) -> Bool { isTChar(c) || c == UInt8(ascii: "/") || c == UInt8(ascii: "=") }

        mutating func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }

        mutating func skipSeparators() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == UInt8(ascii: ",") { i += 1 }
        }

        mutating func token() -> String? {
            let start = i
            while i < b.count, Self.isTChar(b[i]) { i += 1 }
            return i > start ? String(decoding: b[start..<i], as: UTF8.self) : nil
        }

        mutating func quoted() throws(ParseError) -> String {
            let start = i
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                // RFC 9110 §5.6.4: no control character but HTAB, escaped or not. A server that
                // sends ESC or BEL in a challenge is not describing anything: the header is refused.
                if Self.isControl(c) || c == UInt8(ascii: "\\") && i + 1 < b.count && Self.isControl(b[i + 1]) {
                    throw ParseError(offset: i, reason: "control character in a quoted string")
                }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < b.count else { break }
                    out.append(b[i + 1])
                    i += 2
                } else if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                } else {
                    out.append(c)
                    i += 1
                }
            }
            throw ParseError(offset: start, reason: "unterminated quoted string")
        }

        /// Looks ahead: is the text at `i` a `name = value` parameter rather than a new scheme or
        /// a token68 (whose `=` padding is followed by nothing or by more `=`)?
        func atParameter() -> Bool {
            var j = i
            while j < b.count, Self.isTChar(b[j]) { j += 1 }
            guard j > i else { return false }
            while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "=") else { return false }
            var k = j + 1
            while k < b.count, b[k] == 0x20 || b[k] == 0x09 { k += 1 }
            guard k < b.count else { return false }
            return b[k] == UInt8(ascii: "\"") || Self.isTChar(b[k])
        }

        mutating func challenges() throws(ParseError) -> [AuthChallenge] {
            var result: [AuthChallenge] = []
            skipSeparators()
            while i < b.count {
                guard let scheme = token() else {
                    throw ParseError(offset: i, reason: "expected an authentication scheme")
                }
                var params: [String: String] = [:]
                var token68: String?
                skipSpace()
                if i < b.count, b[i] != UInt8(ascii: ","), !atParameter() {
                    let start = i
                    while i < b.count, Self.isToken68(b[i]) { i += 1 }
                    guard i > start else { throw ParseError(offset: i, reason: "unexpected character after scheme \(scheme)") }
                    token68 = String(decoding: b[start..<i], as: UTF8.self)
                    skipSpace()
                } else {
                    while true {
                        skipSeparators()
                        guard i < b.count, atParameter() else { break }
                        let nameStart = i
                        guard let name = token() else { throw ParseError(offset: nameStart, reason: "expected a parameter name") }
                        skipSpace()
                        i += 1 // "="
                        skipSpace()
                        let value: String
                        if i < b.count, b[i] == UInt8(ascii: "\"") {
                            value = try quoted()
                        } else if let t = token() {
                            value = t
                        } else {
                            throw ParseError(offset: i, reason: "parameter \(name) has no value")
                        }
                        let key = name.lowercased()
                        // RFC 9110: each parameter name may occur once per challenge; keep the first.
                        if params[key] == nil { params[key] = value }
                        skipSpace()
                        if i < b.count, b[i] != UInt8(ascii: ",") {
                            throw ParseError(offset: i, reason: "expected ',' after parameter \(name)")
                        }
                    }
                }
                result.append(AuthChallenge(scheme: scheme, parameters: params, token68: token68))
                skipSeparators()
            }
            return result
        }
    }
}
