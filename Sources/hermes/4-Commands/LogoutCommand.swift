import ArgumentParser
import HermesOAuth

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Revoke a server's tokens (RFC 7009) and delete them locally.",
        discussion: """
            The refresh and access tokens are revoked at the authorization server's revocation endpoint when it has one; local files are deleted even if revocation fails. The client registration and discovered metadata are deleted too, unless --keep-registration.

            Examples:
              hermes mcp logout linear
              hermes mcp logout notion --keep-registration
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: .long, help: "Keep the client registration and metadata for the next login.")
    var keepRegistration = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            let server = try context.oauthServer(try context.server(named: name, in: config))
            let report = try await OAuthManager.shared(home: context.home).logout(server, keepRegistration: keepRegistration)
            if !report.revoked.isEmpty {
                terminal.success("Revoked the \(report.revoked.map { $0.replacingOccurrences(of: "_", with: " ") }.joined(separator: " and ")) at the authorization server")
            }
            for problem in report.problems { terminal.warning(problem) }
            if report.removed.isEmpty {
                terminal.info("No local tokens were stored for '\(name)'.")
            } else {
                terminal.success("Removed local OAuth state for '\(name)' (\(report.removed.count) file(s))")
            }
        }
    }
}
