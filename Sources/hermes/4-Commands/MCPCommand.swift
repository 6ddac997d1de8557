import ArgumentParser

struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Manage MCP servers: add, list, remove, log in.",
        discussion: """
            Without a subcommand: the server table, then a summary of the commands.
            """,
        subcommands: [AddCommand.self, ListCommand.self, RemoveCommand.self, TestCommand.self, ConfigureCommand.self,
                      CallCommand.self, ResourcesCommand.self, ReadCommand.self, PromptsCommand.self, PromptCommand.self,
                      StatusCommand.self, LoginCommand.self, LogoutCommand.self, ReauthCommand.self,
                      EnableCommand.self, DisableCommand.self]
    )

    /// `hermes mcp` alone: what hermes-agent prints, the table and then what can be done with it.
    func run() throws {
        try reportingFailures {
            let context = CLIContext()
            let config = try context.loadConfig()
            let terminal = context.terminal
            ServerListing.printTable(config: config, names: config.serverNames, terminal: terminal)
            terminal.line("  Commands:")
            let commands: [(String, String)] = [
                ("hermes mcp add <name> --url <endpoint>", "Add an HTTP server (--auth oauth|header)"),
                ("hermes mcp add <name> --command <cmd>", "Add a stdio server (--env K=V, then --args … last)"),
                ("hermes mcp add <name> --preset <preset>", "Add a known server (codex)"),
                ("hermes mcp remove <name>", "Remove a server (--revoke to revoke its tokens)"),
                ("hermes mcp list", "List servers (--json)"),
                ("hermes mcp test <name>", "Connect and list tools"),
                ("hermes mcp configure <name>", "Toggle tools"),
                ("hermes mcp enable <name>", "Enable a server (disable to turn it off)"),
                ("hermes mcp call <name> <tool> [json]", "Call one tool"),
                ("hermes mcp resources <name>", "List resources (read <name> <uri> reads one)"),
                ("hermes mcp prompts <name>", "List prompts (prompt <name> <prompt> [json] gets one)"),
                ("hermes mcp status [name]", "OAuth tokens, expiry, scopes (--watch)"),
                ("hermes mcp login <name>", "Re-authenticate OAuth"),
                ("hermes mcp logout <name>", "Delete (and revoke) stored tokens"),
                ("hermes mcp reauth <name>|--all", "Log in again"),
            ]
            for (command, what) in commands {
                terminal.line("    \(ServerListing.pad(command, 42)) \(what)", .dim)
            }
            terminal.line()
        }
    }
}
