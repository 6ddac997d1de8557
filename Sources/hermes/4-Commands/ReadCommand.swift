import ArgumentParser
import HermesMCP

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read one resource of an MCP server, as the agent would receive it.",
        discussion: """
            Prints the runtime's JSON: {"result": "<the resource's text>"}, or {"error": ...} (exit 1). A disabled server, or one with tools.resources false, is refused without connecting unless --force is given.

            Examples:
              hermes mcp read demo hermes://greeting
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Argument(help: "The resource's URI, as `hermes mcp resources` lists it.")
    var uri: String

    @Flag(name: .long, help: "Ask even when the server is disabled or tools.resources is false (the agent would not).")
    var force = false

    /// A usage error (exit code 64) before anything is read.
    func validate() throws {
        if uri.isEmpty { throw ValidationError("The resource URI is empty.") }
    }

    func run() async throws {
        try await reportingFailures {
            let uri = self.uri
            try await ServerOperation.run(server: name, force: force, utility: .resources, doing: "Reading a resource of") {
                await $0.resource(uri)
            }
        }
    }
}
