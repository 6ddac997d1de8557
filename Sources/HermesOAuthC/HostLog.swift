import Foundation
import HermesOAuth
import Logging

/// What the libraries say about their own work (a server that went away, a reload refused, a
/// refresh that failed) reaches a C host's stderr as one line each: `hermes: warning: …`, cleaned
/// as server text (a message may quote a server's words, and the host's stderr may be a terminal),
/// warnings and errors only unless `HERMES_DEBUG` is set. Installed at the first open of either
/// handle kind, once per process: swift-log takes one handler factory per process.
struct HostLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = HostLogHandler.level

    static let level: Logger.Level = HermesLog.debug ? .debug : .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        FileHandle.standardError.write(Data((Self.line(event.level, event.message.description) + "\n").utf8))
    }

    /// One line, however many the message had.
    static func line(_ level: Logger.Level, _ message: String) -> String {
        "hermes: \(level): " + ServerText.clipped(message, limit: 1000)
    }

}

package enum HostLog {
    private static let installed: Void = LoggingSystem.bootstrap { _ in HostLogHandler() }

    package static func install() { _ = installed }
}
