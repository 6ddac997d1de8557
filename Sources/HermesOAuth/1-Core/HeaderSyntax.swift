/// What may become part of an HTTP header hermes sends. A value from a server (a token) or from
/// config.yaml (a header) that carries CR or LF would end the header and start one of the sender's
/// choosing, so everything is checked against the grammar before it reaches a request.
public enum HeaderSyntax {
    /// RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    public static func isB64Token(_ text: String) -> Bool {
        var sawPadding = false, count = 0
        for byte in text.utf8 {
            count += 1
            if byte == UInt8(ascii: "=") { sawPadding = true; continue }
            if sawPadding { return false }
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                continue
            default:
                return false
            }
        }
        // At least one character before any padding.
        return count > 0 && text.utf8.first != UInt8(ascii: "=")
    }

    /// RFC 9110 §5.1 field name: a `token`.
    public static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// RFC 9110 §5.5 field value: visible characters, spaces, tabs and obs-text; no CR, LF, NUL or
    /// other control character.
    public static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// RFC 6749 §A.17 (`refresh_token`): `1*VSCHAR`, printable ASCII.
    public static func isVisibleASCII(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// Why `name: value` must not be sent, or nil.
    public static func problem(name: String, value: String) -> String? {
        if !isFieldName(name) { return "the header name '\(name.prefix(60).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined())' is not a valid HTTP field name" }
        if !isFieldValue(value) { return "the value of header '\(name)' contains a line break or another control character" }
        return nil
    }
}
