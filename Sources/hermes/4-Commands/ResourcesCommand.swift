import ArgumentParser
import HermesMCP

struct ResourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "List the resources of an MCP server, as the agent would receive them.",
        discussion: """
            Prints the runtime's JSON: {"resources": [...]} with every page, or {"error": ...} (exit 1). A disabled server, or one with tools.resources false, is refused without connecting unless --force is given.

            Examples:
              hermes mcp resources demo
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: .long, help: "Ask even when the server is disabled or tools.resources is false (the agent would not).")
    var force = false

    func run() async throws {
        try await reportingFailures {
            try await ServerOperation.run(server: name, force: force, utility: .resources, doing: "Listing the resources of") {
                await $0.resources()
            }
        }
    }
}
