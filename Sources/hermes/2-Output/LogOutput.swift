import Foundation
import HermesOAuth
import Logging

/// Library log messages go to stderr in the CLI's own style: warnings as `  ⚠ …`, errors as
/// `  ✗ …`, and anything below warning only with `HERMES_DEBUG=1`.
struct CLILogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(label: String) {
        logLevel = HermesLog.debug ? .debug : .warning
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let colour: Terminal.Colour = switch event.level {
        case .warning: .yellow
        case .error, .critical: .red
        default: .dim
        }
        let line = Terminal.shared.paint(Self.text(event.level, event.message.description), colour, stderr: true)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The line for a message, before colour. Cleaned as server text: the last line of defence, as
    /// a library message may quote a server (an error's words) that was not cleaned where it was
    /// written.
    static func text(_ level: Logger.Level, _ message: String) -> String {
        let message = ServerText.lines(message)
        return switch level {
        case .warning: "  ⚠ \(message)"
        case .error, .critical: "  ✗ \(message)"
        default: "  [\(level)] \(message)"
        }
    }

    static func install() {
        LoggingSystem.bootstrap { CLILogHandler(label: $0) }
    }
}
