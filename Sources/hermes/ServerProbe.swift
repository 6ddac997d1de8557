import HermesMCP
import HermesOAuth
import MCP

/// One connection for discovery (add, configure): connect with a spinner while it takes time,
/// then close again.
enum ServerProbe {
    static func connection(_ config: MCPServerConfig, manager: OAuthManager, environment: [String: String]) async throws -> MCPConnection {
        ProcessReaper.adoptOrphans()
        let task = MCPServerTask(config: config, manager: manager, environment: environment, backoff: [1])
        return try await Spinner.around("Connecting to '\(config.name)'…") { spinner in
            await showTries(of: task, on: spinner, "Connecting to '\(config.name)'…")
            do {
                let connection = try await task.connection()
                await task.shutdown()
                return connection
            } catch {
                await task.shutdown()
                throw error
            }
        }
    }

    static func tools(of server: MCPServerConfig, context: CLIContext) async throws -> [Tool] {
        try await connection(server, manager: OAuthManager.shared(home: context.home), environment: context.environment).tools
    }

    /// From the second try on, the spinner says which try it is: a person sees why it takes longer.
    static func showTries(of task: MCPServerTask, on spinner: Spinner, _ message: String) async {
        await task.onAttempt { attempt in
            if attempt.number > 1 { spinner.update("\(message) (try \(attempt.number) of \(attempt.limit))") }
        }
    }

    static func reason(_ error: any Error, server: String) -> String {
        MCPErrors.isAuthFailure(error)
            ? "needs login: run `hermes mcp login \(server)` (\(TerminalText.clean("\(error)")))"
            : TerminalText.clean(Redaction.redact("\(error)"))
    }
}
