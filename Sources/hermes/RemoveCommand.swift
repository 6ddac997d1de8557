import ArgumentParser
import HermesOAuth

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an MCP server from config.yaml and delete its OAuth tokens.",
        discussion: """
            Examples:
              hermes mcp remove linear
              hermes mcp rm notion --yes
            """,
        aliases: ["rm"]
    )

    @Argument(help: "The server's name in config.yaml.")
    var name: String

    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        try reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            guard config.rawServer(named: name) != nil else {
                terminal.error("Server '\(name)' not found in config.")
                let names = config.serverNames
                if !names.isEmpty { terminal.info("Available servers: \(names.joined(separator: ", "))") }
                throw CLIFailure("no MCP server named '\(name)'")
            }
            if !yes, !terminal.confirm("Remove server '\(name)'?", default: true) {
                terminal.info("Cancelled.")
                return
            }
            let removed = try ConfigFile.update(home: context.home) { file in
                try file.removeServer(named: name)
            }
            if removed { terminal.success("Removed '\(name)' from config") }

            let store = TokenStore(home: context.home, serverName: name)
            do {
                let files = try store.removeAll()
                if !files.isEmpty { terminal.success("Cleaned up OAuth tokens") }
            } catch {
                terminal.warning("Could not remove the OAuth tokens: \(error)")
            }
        }
    }
}
