import ArgumentParser
import Foundation
import HermesOAuth

@main
struct HermesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hermes",
        abstract: "OAuth-protected MCP servers, without the re-logins.",
        discussion: """
            Reads and writes $HERMES_HOME/config.yaml (default ~/.hermes) and the token files in $HERMES_HOME/mcp-tokens/, compatible with hermes-agent.
            """,
        version: "hermes \(HermesVersion.string)",
        subcommands: [MCPCommand.self]
    )

    static func main() async {
        CLILogHandler.install()
        do {
            if let shell = CompletionScript.requestedShell(Array(CommandLine.arguments.dropFirst())) {
                print(CompletionScript.generate(for: shell))
                return
            }
            let split = ServerArguments.split(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(split.hermes)
            if let server = split.server, var add = command as? AddCommand {
                add.args = server
                command = add
            }
            // Only hermes' own commands use HERMES_HOME: `--help` (parsed into the library's help
            // command), --version and completions never look at it.
            if String(reflecting: type(of: command)).hasPrefix("hermes.") {
                do { try HermesHome.resolve().checkUsable() } catch {
                    Terminal.shared.fail("HERMES_HOME cannot be used: \(error)")
                    Foundation.exit(1)
                }
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

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

/// Why a command failed, in one message naming what helps: printed once, on stderr, by
/// `reportingFailures` (exit code 1). Nothing else prints it, on stdout or anywhere.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, turning any error into its one-line reason on stderr and exit code 1. A
    /// command that has said everything already (a JSON answer on stdout) throws `ExitCode`.
    func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.shared.fail("\(error)")
            throw ExitCode.failure
        }
    }

    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.shared.fail("\(error)")
            throw ExitCode.failure
        }
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
