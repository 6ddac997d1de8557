import ArgumentParser

struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Manage MCP servers: add, list, remove, log in.",
        subcommands: [AddCommand.self, ListCommand.self, RemoveCommand.self, TestCommand.self, CallCommand.self, StatusCommand.self, LoginCommand.self, LogoutCommand.self, ReauthCommand.self],
        defaultSubcommand: ListCommand.self
    )
}
