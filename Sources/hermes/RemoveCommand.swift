import ArgumentParser
import HermesOAuth

struct RemoveCommand: AsyncParsableCommand {
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

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .long, help: "Revoke the server's OAuth tokens at its authorization server before deleting them.")
    var revoke = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            guard config.rawServer(named: name) != nil else { throw context.notFound(name, in: config) }
            if !yes, !terminal.confirm("Remove server '\(name)'?", default: true) {
                terminal.info("Cancelled.")
                return
            }
            // Tokens first, while the entry still says where to revoke them; through the manager, so a
            // provider cached in this process goes too.
            var cleanup: Result<[String], OAuthFailure>
            do {
                cleanup = .success(try await OAuthManager.shared(home: context.home).remove(name, revoke: revoke))
            } catch {
                cleanup = .failure(OAuthFailure.from(error))
            }
            let removed = try ConfigFile.update(home: context.home) { file in
                try file.removeServer(named: name)
            }
            if removed { terminal.success("Removed '\(name)' from config") }
            switch cleanup {
            case .success(let files): if !files.isEmpty { terminal.success("Cleaned up OAuth tokens") }
            case .failure(let error): terminal.warning("Could not remove the OAuth tokens: \(error)")
            }
        }
    }
}
