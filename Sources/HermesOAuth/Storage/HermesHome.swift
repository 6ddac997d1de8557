import Foundation

/// The directory that holds `config.yaml`, `.env`, `mcp-tokens/` and `logs/`, resolved the way
/// hermes-agent does: `$HERMES_HOME` when it is non-empty after trimming, else `~/.hermes`.
public struct HermesHome: Sendable, Hashable, CustomStringConvertible {
    public let path: String

    public init(path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        self.path = (absolute as NSString).standardizingPath
    }

    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> HermesHome {
        if let value = environment["HERMES_HOME"]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
            return HermesHome(path: value)
        }
        return HermesHome(path: userHomeDirectory(environment: environment) + "/.hermes")
    }

    static func userHomeDirectory(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    public var configPath: String { path + "/config.yaml" }
    public var envPath: String { path + "/.env" }
    public var tokenDirectory: String { path + "/mcp-tokens" }
    public var logsDirectory: String { path + "/logs" }

    /// `~/.hermes` style for messages, the real path when it is not under the user's home.
    public func display(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = Self.userHomeDirectory(environment: environment)
        if !home.isEmpty, home != "/", path == home || path.hasPrefix(home + "/") {
            return "~" + path.dropFirst(home.count)
        }
        return path
    }

    public var description: String { path }
}
