/// Text that a server chose (error descriptions, issuers, endpoints, scopes, challenges, MCP error
/// messages, tool names) made safe to show to a person. A terminal obeys control characters in
/// what it prints: ESC and the C1 CSI (U+009B) start sequences that clear the screen, retitle the
/// window, rewrite the clipboard or hide text; BEL and CR overwrite what was written; and the
/// invisible formatting characters (bidi overrides and isolates, zero-width spaces and marks, BOM,
/// tags) make a line read differently from what it holds. The one owner of that judgement, shared
/// by the library, the MCP runtime and the CLI.
///
/// Such characters are shown, not dropped: each becomes the escape of its code point (`\u{1B}`),
/// so the message keeps everything the server sent (a person can still report it) while the
/// terminal only ever receives printable text. Line breaks and tabs become spaces, so a server
/// cannot start a line of its own that looks like hermes' output.
public enum ServerText {
    /// Server text for a one-line message.
    public static func clean<S: StringProtocol>(_ text: S) -> String {
        render(text, keepNewlines: false)
    }

    /// Server text for a one-line message, cut at `limit` characters (an ellipsis marks the cut):
    /// for words a server chose that reach a person or an agent's model.
    public static func clipped<S: StringProtocol>(_ text: S, limit: Int = 200) -> String {
        text.count > limit ? clean(text.prefix(limit)) + "…" : clean(text)
    }

    /// Text about to be written to a terminal, line breaks kept (the caller's own line structure):
    /// the last line of defence for output that should already be clean.
    public static func lines<S: StringProtocol>(_ text: S) -> String {
        render(text, keepNewlines: true)
    }

    /// A URL for a person to open or a browser to load: unsafe characters (and spaces) are
    /// percent-encoded, which keeps the URL working, instead of escaped, which would break it.
    public static func url(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) || scalar == " " {
                for byte in String(scalar).utf8 { out += "%" + hex(UInt32(byte), width: 2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `text` holds nothing `clean` would change apart from spaces (no control or invisible
    /// formatting character at all).
    public static func isClean<S: StringProtocol>(_ text: S) -> Bool {
        !text.unicodeScalars.contains(where: isUnsafe)
    }

    /// C0 controls, DEL, C1 controls, line and paragraph separators, and every format character
    /// (general category Cf: U+200B–200F, U+202A–202E, U+2060–2069, U+FEFF, U+00AD, tags…).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if v < 0xA0 { return false }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    private static func render<S: StringProtocol>(_ text: S, keepNewlines: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            guard isUnsafe(scalar) else {
                out.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x0A where keepNewlines:
                out.append(scalar)
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029:
                out.append(" ")
            case 0x200D where joinsEmoji(before: out.last, after: i + 1 < scalars.count ? scalars[i + 1] : nil):
                // The zero-width joiner inside an emoji sequence (👩‍💻) is part of the picture.
                out.append(scalar)
            default:
                out.append(contentsOf: "\\u{\(hex(scalar.value, width: 1))}".unicodeScalars)
            }
        }
        return String(out)
    }

    private static func joinsEmoji(before: Unicode.Scalar?, after: Unicode.Scalar?) -> Bool {
        func pictographic(_ s: Unicode.Scalar?) -> Bool {
            guard let s, s.value > 0x7F else { return false }
            return s.properties.isEmoji || s.value == 0xFE0F
        }
        return pictographic(before) && pictographic(after)
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
