import ArgumentParser
import Foundation
import Glibc
import HermesMCP
import HermesOAuth
import MCP

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call one tool of an MCP server and print what the agent would receive.",
        discussion: """
            Prints the handler's JSON exactly as the runtime returns it to a model: {"result": ...}, {"error": ...}, or the needs_reauth shape when the server needs a new login. Exits 1 when the answer is an error.

            Examples:
              hermes mcp call demo echo '{"text":"hi"}'
              hermes mcp call time get_current_time '{"timezone":"UTC"}'
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Argument(help: "The tool to call.")
    var tool: String

    @Argument(help: "The arguments as a JSON object.")
    var arguments: String = "{}"

    @Flag(name: .long, help: "Call even when the server is disabled or the tool is left out by tools.include/exclude (the agent would not get it).")
    var force = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let config = try context.loadConfig()
            let server = try context.server(named: name, in: config)
            if !force { try CallGate.check(server, tool: tool) }
            guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(arguments.utf8)) else {
                throw CLIFailure("the arguments must be a JSON object, not: \(arguments.prefix(80))")
            }
            let tool = self.tool, name = self.name
            // The server's questions (elicitation) are asked on the terminal, or declined without one.
            let spinner = Spinner("Calling '\(tool)' on '\(name)'…")
            let task = MCPServerTask(config: server, manager: OAuthManager.shared(home: context.home), environment: context.environment,
                                     elicit: TerminalElicitation.handler(spinner: spinner, environment: context.environment))
            // A person may be there to approve more scope in a browser: on a terminal, or where
            // $BROWSER says which browser to open. Otherwise (a script) a server asking for more
            // scope gets needs_reauth, as the agent would.
            let browser = ProcessInfo.processInfo.environment["BROWSER"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let stepUp = isatty(STDIN_FILENO) == 1 || !browser.isEmpty
            spinner.start()
            await ServerProbe.showTries(of: task, on: spinner, "Calling '\(tool)' on '\(name)'…")
            // The tool's progress, while it runs, as a bar on the spinner's line.
            let answer = await MCPOperations(task: task, interaction: stepUp ? .terminal(spinner: spinner) : nil)
                .call(tool: tool, arguments: object) { update in
                    spinner.update("Calling '\(tool)' on '\(name)'… " + ProgressBar.render(progress: update.progress, total: update.total, message: update.message))
                }
            spinner.stop()
            await task.shutdown()
            print(answer.json)
            if answer.isError { throw ExitCode.failure }
        }
    }
}
