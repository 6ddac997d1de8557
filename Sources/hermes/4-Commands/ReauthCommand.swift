import ArgumentParser
import HermesOAuth

struct ReauthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reauth",
        abstract: "Log in again to one OAuth server, or to all of them in turn.",
        discussion: """
            Like `login`, one server after another with --all. The previous tokens stay until each new login succeeds.

            Examples:
              hermes mcp reauth linear
              hermes mcp reauth --all
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String?

    @Flag(name: .long, help: "Every server with `auth: oauth` and a URL, in config order.")
    var all = false

    /// A usage error like any other, exit code 64, before anything is read.
    func validate() throws {
        if name == nil, !all { throw ValidationError("Specify a server name, or use --all to re-auth every OAuth server.") }
        if let name, all { throw ValidationError("Give a server name or --all, not both ('\(name)' with --all would re-authenticate every OAuth server).") }
    }

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            let names: [String]
            if all {
                names = config.servers().filter { $0.usesOAuth && $0.url != nil }.map(\.name)
                if names.isEmpty {
                    terminal.info("No OAuth-based MCP servers found in config.")
                    return
                }
            } else if let name {
                names = [name]
            } else {
                throw CLIFailure("Specify a server name, or use --all to re-auth every OAuth server.")
            }
            let manager = OAuthManager.shared(home: context.home)
            var ok = 0
            var failed: [String] = []
            for name in names {
                let server = try context.oauthServer(try context.server(named: name, in: config))
                terminal.line()
                terminal.info("Starting OAuth flow for '\(name)'...")
                do {
                    let report = try await Spinner.around("Logging in to '\(name)'…") { spinner in
                        try await manager.login(server, interaction: .terminal(spinner: spinner))
                    }
                    terminal.success("Authenticated — tokens stored for '\(name)'")
                    terminal.info(TokenSummary.describe(report.tokens))
                    ok += 1
                } catch OAuthFailure.serverError(let status, let message) {
                    terminal.success("Authenticated — tokens stored for '\(name)'")
                    let why = Advice.refusedAfterLogin(name, status: status, message: message, home: context.home)
                    guard all else { throw CLIFailure(why) }
                    terminal.error(why)
                    failed.append(name)
                } catch {
                    // One server: its reason is the failure. Several: each reason once as it
                    // happens, and the summary names who failed.
                    guard all else { throw CLIFailure("Authentication failed: \(error)") }
                    terminal.error("Authentication failed: \(error)")
                    failed.append(name)
                }
            }
            if all { terminal.info("Re-authenticated \(ok)/\(names.count) server(s)") }
            if !failed.isEmpty { throw CLIFailure("\(failed.count) of \(names.count) login(s) failed: \(failed.joined(separator: ", "))") }
        }
    }
}
