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
    lazy var environment: [String: String] = DotEnv.mergedEnvironment(home: home)

    func loadConfig() throws -> ConfigFile {
        do { return try ConfigFile.load(home: home) } catch { throw CLIFailure(error.description) }
    }
}

/// A failure already explained to the person: printed as one line on stderr, exit code 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, turning any error into a one-line reason on stderr and exit code 1.
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
    /// The named server's entry, or the reference's "not found" lines and a failure.
    func server(named name: String, in config: ConfigFile) throws -> MCPServerConfig {
        guard let server = config.server(named: name, environment: environment) else {
            terminal.error("Server '\(name)' not found in config.")
            let names = config.serverNames
            if !names.isEmpty { terminal.info("Available servers: \(names.joined(separator: ", "))") }
            throw CLIFailure("no MCP server named '\(name)'")
        }
        if let problem = config.problem(forServer: name) { throw CLIFailure(problem.description) }
        return server
    }

    /// The OAuth view of a server entry, or the reference's explanation of why it has none.
    func oauthServer(_ server: MCPServerConfig) throws -> OAuthServer {
        do {
            return try OAuthServer(config: server)
        } catch {
            terminal.error(error.description)
            if server.url != nil, !server.usesOAuth {
                terminal.info("Use `hermes mcp remove` + `hermes mcp add` to reconfigure auth.")
            }
            throw CLIFailure(error.description)
        }
    }
}
