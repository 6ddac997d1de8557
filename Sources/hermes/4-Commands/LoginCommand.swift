import ArgumentParser
import Foundation
import HermesOAuth

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to an OAuth-protected MCP server (authorization code flow with PKCE).",
        discussion: """
            Discovers the server's authorization server, registers hermes as a client when needed, opens the authorization URL in a browser ($BROWSER if set, else xdg-open when a display is available) and waits for the callback on 127.0.0.1. On a terminal, the address the browser ends on can also be pasted back, for machines without a browser. Previous tokens stay in place until the new ones are stored.

            Examples:
              hermes mcp login linear
              hermes mcp login notion --new-client
              BROWSER=firefox hermes mcp login internal --timeout 600
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: .long, help: "Register a new client instead of reusing the stored registration.")
    var newClient = false

    @Option(name: .long, help: "Seconds to wait for the browser (default: oauth.timeout, else 300).")
    var timeout: Double?

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            let entry = try context.server(named: name, in: config)
            let server = try context.oauthServer(entry)
            terminal.line()
            terminal.info("Starting OAuth flow for '\(name)'...")
            let manager = OAuthManager.shared(home: context.home)
            do {
                let report = try await TerminalLogin.run(name) { interaction in
                    try await manager.login(server, interaction: interaction, newClient: newClient, timeout: timeout)
                }
                terminal.success("Authenticated — tokens stored for '\(name)'")
                terminal.info(TokenSummary.describe(report.tokens))
                if let legacy = report.legacy { terminal.info(legacy.summary) }
                if report.stepUps > 0 { terminal.info("Scope raised \(report.stepUps) time(s) at the server's request.") }
                ServerSwitch.remindIfDisabled(entry, terminal: terminal)
            } catch OAuthFailure.serverError(let status, let message) {
                terminal.success("Authenticated — tokens stored for '\(name)'")
                throw CLIFailure(Advice.refusedAfterLogin(name, status: status, message: message, home: context.home))
            } catch {
                throw CLIFailure("Authentication failed: \(error)")
            }
        }
    }
}
