import Logging

/// The library's loggers. Hosts choose where they go with `LoggingSystem.bootstrap`; the CLI sends
/// them to stderr. Nothing logged here ever contains a token in full (see `Secret.mask`).
enum HermesLog {
    static let storage = Logger(label: "hermes.storage")
    static let config = Logger(label: "hermes.config")
    static let discovery = Logger(label: "hermes.discovery")
}
