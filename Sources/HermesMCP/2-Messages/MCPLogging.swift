import Foundation
import HermesOAuth
import Logging

/// The SDK logs through the transport's logger; its routine complaints (a stream that ended with
/// the server) are not the user's business unless HERMES_DEBUG asks for them.
enum MCPLogging {
    /// The runtime's own messages (reloads, TLS warnings), shown at swift-log's default level.
    static let runtime = Logger(label: "hermes.mcp.runtime")

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = HermesLog.debug ? .debug : .critical
        return logger
    }
}
