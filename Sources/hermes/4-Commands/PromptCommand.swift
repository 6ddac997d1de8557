import ArgumentParser
import Foundation
import HermesMCP
import MCP

struct PromptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Get one prompt of an MCP server, filled in, as the agent would receive it.",
        discussion: """
            Prints the runtime's JSON: {"messages": [...], "description": ...}, or {"error": ...} (exit 1). The arguments are a JSON object of strings. A disabled server, or one with tools.prompts false, is refused without connecting unless --force is given.

            Examples:
              hermes mcp prompt demo summarize '{"topic":"MCP"}'
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Argument(help: "The prompt's name, as `hermes mcp prompts` lists it.")
    var prompt: String

    @Argument(help: "The prompt's arguments as a JSON object of strings.")
    var arguments: String = "{}"

    @Flag(name: .long, help: "Ask even when the server is disabled or tools.prompts is false (the agent would not).")
    var force = false

    /// A usage error (exit code 64) before anything is read or started.
    func validate() throws {
        if prompt.isEmpty { throw ValidationError("The prompt name is empty.") }
        _ = try Self.strings(arguments)
    }

    /// MCP's prompt arguments are strings: anything else is refused rather than converted.
    static func strings(_ text: String) throws -> [String: String] {
        guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(text.utf8)) else {
            throw ValidationError("The arguments must be a JSON object of strings, not: \(TerminalText.clean(String(text.prefix(80))))")
        }
        var strings: [String: String] = [:]
        for (key, value) in object {
            guard case .string(let string) = value else {
                throw ValidationError("Prompt argument '\(TerminalText.clean(key))' is not a string: MCP prompt arguments are strings (write \"2\", not 2).")
            }
            strings[key] = string
        }
        return strings
    }

    func run() async throws {
        try await reportingFailures {
            let prompt = self.prompt, arguments = try Self.strings(self.arguments)
            try await ServerOperation.run(server: name, force: force, utility: .prompts, doing: "Getting prompt '\(prompt)' of") {
                await $0.prompt(prompt, arguments: arguments)
            }
        }
    }
}
