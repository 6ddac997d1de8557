import Foundation
import Glibc
import HermesOAuth

/// Colour and the reference's line styles (`  ✓ …`, `  ⚠ …`). Colour only when the stream is a
/// terminal, `NO_COLOR` is unset or empty, and `TERM` is not `dumb`.
///
/// Every line passes through `ServerText.lines` on its way out, whatever it holds: server text is
/// cleaned where it enters hermes already, and this is the last line of defence for what was
/// missed. The colour codes are added after the cleaning, so they are the only escape sequences a
/// terminal ever receives from these helpers.
struct Terminal: Sendable {
    let colour: Bool
    let errorColour: Bool

    static let shared = Terminal(environment: ProcessInfo.processInfo.environment)

    init(environment: [String: String]) {
        let allowed = (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        colour = allowed && isatty(STDOUT_FILENO) == 1
        errorColour = allowed && isatty(STDERR_FILENO) == 1
    }

    enum Colour: String {
        case red = "31", green = "32", yellow = "33", cyan = "36", dim = "2", bold = "1", cyanBold = "36;1"
    }

    /// `text`, cleaned, in colour `c` when the stream takes colour. Never paint text that is
    /// painted already: the inner colour codes would be shown as escapes.
    func paint(_ text: String, _ c: Colour, stderr: Bool = false) -> String {
        let safe = ServerText.lines(text)
        return (stderr ? errorColour : colour) ? "\u{1B}[\(c.rawValue)m\(safe)\u{1B}[0m" : safe
    }

    // Each line is flushed at once so that, even into a pipe, stdout keeps its place relative to
    // what goes to stderr (the login URL, warnings); see `StandardOutput` for why stdout alone.
    func info(_ text: String) { line("  \(text)", .dim) }
    func success(_ text: String) { line("  ✓ \(text)", .green) }
    func warning(_ text: String) { line("  ⚠ \(text)", .yellow) }
    func error(_ text: String) { line("  ✗ \(text)", .red) }

    func line(_ text: String = "", _ c: Colour? = nil) {
        print(c.map { paint(text, $0) } ?? ServerText.lines(text))
        StandardOutput.flush()
    }

    /// One line made of segments, each cleaned and painted on its own (a listing row whose name
    /// is coloured).
    func line(_ segments: [(String, Colour?)]) {
        print(segments.map { text, c in c.map { paint(text, $0) } ?? ServerText.lines(text) }.joined())
        StandardOutput.flush()
    }

    /// A one-line reason on stderr, for commands that fail.
    func fail(_ text: String) {
        FileHandle.standardError.write(Data((paint("error: ", .red, stderr: true) + ServerText.lines(text) + "\n").utf8))
    }

    /// The reference's `[Y/n]` / `[y/N]` prompt. The answer is read from stdin even when it is a
    /// pipe, so scripts can answer; end of input or an empty line takes the default.
    func confirm(_ question: String, default yes: Bool) -> Bool {
        answer(question, default: yes) ?? yes
    }

    /// Prints `prompt` and reads one answer, trimmed and lowercased; nil at end of input (the
    /// line is ended, so what follows does not land on the prompt). Flushes stdout alone: see
    /// `StandardOutput`.
    func readAnswer(_ prompt: String) -> String? {
        print(paint("  " + prompt, .yellow), terminator: "")
        StandardOutput.flush()
        guard let line = readLine() else {
            print()
            return nil
        }
        return line.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The same question, telling "no answer" (end of input, or an empty line that is not typed
    /// on a terminal) apart as nil, for questions whose default must not be taken unasked.
    /// An answer that is neither yes nor no is asked again (like `[Y/n/select]`): "maybe" is
    /// no "no" any more than it is a "yes".
    func answer(_ question: String, default yes: Bool) -> Bool? {
        let suffix = yes ? "[Y/n]" : "[y/N]"
        while true {
            guard let line = readAnswer("\(question) \(suffix): ") else { return nil }
            switch line {
            case "": return isatty(STDIN_FILENO) == 1 ? yes : nil
            case "y", "yes": return true
            case "n", "no": return false
            default: info("Please answer y or n.")
            }
        }
    }
}
