import Foundation
import HermesOAuth

/// Where the CLI reads and writes: `$HERMES_HOME` or `~/.hermes`, and the environment that
/// `${VAR}` references resolve against (the process environment with `.env` over it).
final class CLIContext {
    let home: HermesHome
    let terminal = Terminal.shared

    init() {
        home = HermesHome.resolve()
    }

    /// Read once per command, and only by commands that expand `${VAR}`.
    lazy var environment: [String: String] = ServerCatalogue.environment(home: home)

    /// The one loader; entries it expands use `environment` above, so .env is read once.
    func loadConfig() throws -> ServerCatalogue {
        do { return try ServerCatalogue.load(home: home) { self.environment } } catch { throw CLIFailure(error.description) }
    }
}

extension CLIContext {
    /// The named server's entry, or a failure listing the names there are.
    func server(named name: String, in config: ServerCatalogue) throws -> MCPServerConfig {
        guard let server = config.server(named: name) else { throw notFound(name, in: config) }
        if let problem = config.problem(forServer: name) { throw CLIFailure(problem.description) }
        return server
    }

    func notFound(_ name: String, in config: ServerCatalogue) -> CLIFailure {
        let names = config.serverNames
        return CLIFailure("Server '\(name)' not found in \(home.display())/config.yaml"
            + (names.isEmpty ? " (it has no servers yet: `hermes mcp add`)" : " (available: \(names.joined(separator: ", ")))"))
    }

    /// The OAuth view of a server entry, or the one reason it has none and what to do instead.
    func oauthServer(_ server: MCPServerConfig) throws -> OAuthServer {
        if let why = Advice.notOAuth(server, home: home) { throw CLIFailure(why) }
        do {
            return try OAuthServer(config: server)
        } catch {
            throw CLIFailure(error.description)
        }
    }
}
