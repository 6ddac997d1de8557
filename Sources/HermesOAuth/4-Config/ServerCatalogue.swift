import Foundation

/// The MCP servers of one `HERMES_HOME` as every reader sees them: `config.yaml`, with `${VAR}`
/// expanded from the process environment overlaid with `$HERMES_HOME/.env` (`.env` wins), as
/// hermes-agent does after `load_hermes_dotenv(override=True)`. The CLI, the OAuth manager and the
/// MCP runtime all load servers here and nowhere else, so one entry means the same server to each.
///
/// The base is the process environment, not one a caller picks: the manager serves a whole
/// process, so a runtime or a command interpolating from another base would hold a server the
/// manager calls changed (and evicts) on every look.
///
/// Editing is another job: `ConfigFile.update` rewrites config.yaml under its lock, and
/// `DotEnv.set`/`remove`/`fileValues` edit `.env` as its raw lines say.
public final class ServerCatalogue {
    public let home: HermesHome
    /// config.yaml as written.
    public let file: ConfigFile
    /// Both files as they were just before they were read: unchanged means this catalogue is current.
    public let identity: Identity
    private let supplyEnvironment: () -> [String: String]
    private var merged: [String: String]?

    /// `config.yaml` and `.env` as `FileIdentity` sees them (through symlinks).
    public struct Identity: Sendable, Equatable {
        let config: FileIdentity?
        let env: FileIdentity?

        public init(home: HermesHome) {
            config = FileIdentity.of(home.configPath, followingSymlinks: true)
            env = FileIdentity.of(home.envPath, followingSymlinks: true)
        }
    }

    /// Reads config.yaml now; `.env` is read when an entry is first expanded, so a command that
    /// shows entries as written (`list`, completion) never touches it.
    public static func load(home: HermesHome,
                            base: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> ServerCatalogue {
        try load(home: home, environment: { Self.environment(home: home, base: base) })
    }

    /// As `load(home:base:)`, for a caller that already holds the merged environment (the CLI,
    /// which also starts stdio servers from it): `environment` is asked at most once.
    public static func load(home: HermesHome, environment: @escaping () -> [String: String]) throws(ConfigError) -> ServerCatalogue {
        let identity = Identity(home: home)
        return ServerCatalogue(home: home, file: try ConfigFile.load(home: home), identity: identity, environment: environment)
    }

    private init(home: HermesHome, file: ConfigFile, identity: Identity, environment: @escaping () -> [String: String]) {
        self.home = home
        self.file = file
        self.identity = identity
        self.supplyEnvironment = environment
    }

    /// `base` overlaid with the variables of `$HERMES_HOME/.env`. An unreadable `.env` (a FIFO, a
    /// device, not UTF-8) is ignored with a warning naming it: the servers that need none of its
    /// variables still work.
    public static func environment(home: HermesHome,
                                   base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var merged = base
        do {
            for (key, value) in try DotEnv.load(path: home.envPath, environment: base) { merged[key] = value }
        } catch {
            HermesLog.config.warning("\(error); its variables are ignored")
        }
        return merged
    }

    /// What `${VAR}` references expand from.
    public var environment: [String: String] {
        if let merged { return merged }
        let fresh = supplyEnvironment()
        merged = fresh
        return fresh
    }

    // MARK: entries as written

    public var serverNames: [String] { file.serverNames }
    public func rawServer(named name: String) -> ConfigValue? { file.rawServer(named: name) }
    public func problem(forServer name: String) -> ServerEntryProblem? { file.problem(forServer: name) }
    public func warning(forServer name: String) -> String? { file.warning(forServer: name) }
    public var serverProblems: [ServerEntryProblem] { file.serverProblems }

    // MARK: entries as used

    /// The entry, interpolated; nil when config.yaml has no such entry.
    public func server(named name: String) -> MCPServerConfig? {
        file.server(named: name, environment: environment)
    }

    /// Every entry of a sound shape, interpolated; the others are skipped with a warning.
    public func servers() -> [MCPServerConfig] {
        file.servers(environment: environment)
    }

    /// The servers an agent connects to.
    public var enabledServers: [MCPServerConfig] { servers().filter(\.enabled) }
}
