import ArgumentParser
import Foundation
import Glibc
import HermesMCP
import HermesOAuth

/// What `hermes mcp call` does around its tool call, for the other four operations (`resources`,
/// `read`, `prompts`, `prompt`): the gate, one server task whose questions are asked on the
/// terminal, the spinner on stderr, then the agent's JSON answer on stdout and exit 1 when it is
/// an error. So a script gets exactly what the agent would, and a failure before the server was
/// asked is one line on stderr.
enum ServerOperation {
    static func run(server name: String, force: Bool, utility: CallGate.Utility, doing: String,
                    _ operation: @escaping @Sendable (MCPOperations) async -> MCPAnswer) async throws {
        let context = CLIContext()
        let config = try context.loadConfig()
        let server = try context.server(named: name, in: config)
        if !force { try CallGate.check(server, utility: utility) }
        let message = "\(doing) '\(name)'…"
        let spinner = Spinner(message)
        let task = MCPServerTask(config: server, manager: OAuthManager.shared(home: context.home), environment: context.environment,
                                 elicit: TerminalElicitation.handler(spinner: spinner, environment: context.environment))
        // As `call`: a person (a terminal, or $BROWSER) may approve more scope; a script gets needs_reauth.
        let browser = ProcessInfo.processInfo.environment["BROWSER"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let stepUp = isatty(STDIN_FILENO) == 1 || !browser.isEmpty
        spinner.start()
        await ServerProbe.showTries(of: task, on: spinner, message)
        let answer = await operation(MCPOperations(task: task, interaction: stepUp ? .terminal(spinner: spinner) : nil))
        spinner.stop()
        await task.shutdown()
        print(answer.json)
        if answer.isError { throw ExitCode.failure }
    }
}
