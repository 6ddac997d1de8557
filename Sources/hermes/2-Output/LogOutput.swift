import Foundation
import Logging

/// Library log messages go to stderr in the CLI's own style: warnings as `  ⚠ …`, errors as
/// `  ✗ …`, and anything below warning only with `HERMES_DEBUG=1`.
struct CLILogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(label: String) {
        logLevel = ProcessInfo.processInfo.environment["HERMES_DEBUG"].map { !$0.isEmpty && $0 != "0" } == true
            ? .debug : .warning
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let terminal = Terminal.shared
        let line: String
        switch event.level {
        case .warning: line = terminal.paint("  ⚠ \(event.message)", .yellow, stderr: true)
        case .error, .critical: line = terminal.paint("  ✗ \(event.message)", .red, stderr: true)
        default: line = terminal.paint("  [\(event.level)] \(event.message)", .dim, stderr: true)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func install() {
        LoggingSystem.bootstrap { CLILogHandler(label: $0) }
    }
}
