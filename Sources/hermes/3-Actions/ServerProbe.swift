import HermesMCP
import HermesOAuth
import MCP

/// One connection for discovery (add, configure): connect with a spinner while it takes time,
/// then close again.
enum ServerProbe {
    /// With `stepUp`, a server asking for more scope (403 `insufficient_scope`) gets a new
    /// authorization through the browser, as a login would; without, the failure is returned.
    static func connection(_ config: MCPServerConfig, manager: OAuthManager, environment: [String: String],
                           stepUp: Bool = false) async throws -> MCPConnection {
        let task = MCPServerTask(config: config, manager: manager, environment: environment, backoff: [1])
        return try await Spinner.around("Connecting to '\(config.name)'…") { spinner in
            await showTries(of: task, on: spinner, "Connecting to '\(config.name)'…")
            do {
                let connection = try await MCPOperations(task: task, interaction: stepUp ? .terminal(spinner: spinner) : nil).connect()
                await task.shutdown()
                return connection
            } catch {
                await task.shutdown()
                throw error
            }
        }
    }

    /// The task's connection, with the runtime's recovery from a refused token.
    static func connect(_ task: MCPServerTask) async throws -> MCPConnection {
        try await MCPOperations(task: task).connect()
    }

    static func tools(of server: MCPServerConfig, context: CLIContext) async throws -> [Tool] {
        try await connection(server, manager: OAuthManager.shared(home: context.home), environment: context.environment).tools
    }

    /// From the second try on, the spinner says which try it is: a person sees why it takes longer.
    /// The count promised is only what still fits the deadline, so the failure that may follow
    /// ("after 3.0s (3 tries)") never contradicts it.
    static func showTries(of task: MCPServerTask, on spinner: Spinner, _ message: String) async {
        await task.onAttempt { attempt in
            if attempt.number > 1 { spinner.update("\(message) \(triesLabel(attempt))") }
        }
    }

    static func triesLabel(_ attempt: MCPServerTask.ConnectAttempt) -> String {
        attempt.number >= attempt.fitting ? "(try \(attempt.number), the last)" : "(try \(attempt.number) of at most \(attempt.fitting))"
    }

}
