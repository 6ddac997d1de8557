import Foundation
import Logging

/// The library's loggers. Hosts choose where they go with `LoggingSystem.bootstrap`; the CLI sends
/// them to stderr. Nothing logged here ever contains a token in full (see `Secret.mask`).
public enum HermesLog {
    static let storage = Logger(label: "hermes.storage")
    static let config = Logger(label: "hermes.config")
    static let discovery = Logger(label: "hermes.discovery")

    /// `HERMES_DEBUG` set to anything but empty or 0: debug lines wanted, wherever logs go (the
    /// CLI's stderr, a C host's, the runtime's quiet loggers).
    public static let debug: Bool = ProcessInfo.processInfo.environment["HERMES_DEBUG"].map { !$0.isEmpty && $0 != "0" } ?? false
}
