import HermesOAuth

/// A tool's progress (MCP `notifications/progress`) as one line for the spinner:
/// "[██████░░░░░░] 2/3 step 2". Without a total only the count and the message show. The message
/// is the server's: cleaned and cut short.
enum ProgressBar {
    static let width = 20

    static func render(progress: Double, total: Double?, message: String?) -> String {
        var parts: [String] = []
        // Progress only grows from 0 (MCP): a negative figure from a server reads as 0.
        let progress = progress.isFinite ? max(progress, 0) : progress
        if let total, total > 0, progress.isFinite, total.isFinite {
            let fraction = min(max(progress / total, 0), 1)
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]")
            parts.append("\(number(progress))/\(number(total))")
        } else if progress.isFinite {
            parts.append(number(progress))
        }
        if let message, !message.isEmpty { parts.append(String(ServerText.clean(message).prefix(60))) }
        return parts.joined(separator: " ")
    }

    /// Whole numbers as they are up to 9 digits, anything else in at most 7 characters or so
    /// (`%.3g`: 1e+308, not 309 digits): a server's figure must not widen the spinner's line.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int64(value)) : String(format: "%.3g", value)
    }
}
