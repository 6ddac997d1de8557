import Foundation

/// Text that came from a server (tool names and descriptions, error messages) made safe to print:
/// control characters, escape sequences included, become spaces, so a hostile server cannot move
/// the cursor, retitle the window or hide text, and a multi-line description stays on one line.
enum TerminalText {
    static func clean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let control = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .format && scalar.value != 0x200D
            if control || scalar == " " {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(scalar)
                lastWasSpace = false
            }
        }
        return String(out).trimmingCharacters(in: .whitespaces)
    }

    /// `text` cut to `limit` characters with an ellipsis, as the reference's listings do.
    static func short(_ text: String, _ limit: Int) -> String {
        let cleaned = clean(text)
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }
}
