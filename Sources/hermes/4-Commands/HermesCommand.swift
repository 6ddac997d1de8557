import ArgumentParser
import Foundation
import HermesMCP
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
        // hermes' only children are the servers it starts: their orphans come back to it and are
        // reaped, even under an init that reaps nothing.
        ProcessReaper.adoptOrphans()
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
