import Foundation
import HermesOAuth

/// Server text (tool names and descriptions, error messages) laid out for one line of a listing:
/// made safe by `ServerText` (control and invisible formatting characters shown as `\u{1B}`,
/// line breaks as spaces), then runs of spaces collapsed, so a multi-line description stays on
/// one tidy line.
enum TerminalText {
    static func clean(_ text: String) -> String {
        ServerText.clean(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `text` cut to `limit` characters with an ellipsis, as the reference's listings do.
    static func short(_ text: String, _ limit: Int) -> String {
        let cleaned = clean(text)
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }
}
