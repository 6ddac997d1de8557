import ArgumentParser
import HermesMCP

struct PromptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "List the prompts of an MCP server, as the agent would receive them.",
        discussion: """
            Prints the runtime's JSON: {"prompts": [...]} with every page, each prompt with its arguments, or {"error": ...} (exit 1). A disabled server, or one with tools.prompts false, is refused without connecting unless --force is given.

            Examples:
              hermes mcp prompts demo
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: .long, help: "Ask even when the server is disabled or tools.prompts is false (the agent would not).")
    var force = false

    func run() async throws {
        try await reportingFailures {
            try await ServerOperation.run(server: name, force: force, utility: .prompts, doing: "Listing the prompts of") {
                await $0.prompts()
            }
        }
    }
}
