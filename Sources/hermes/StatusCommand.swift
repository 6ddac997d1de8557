import ArgumentParser
import Foundation
import HermesOAuth

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the OAuth state of configured servers (tokens masked).",
        discussion: """
            For each OAuth server: whether tokens exist, when they expire, the scopes, the issuer, whether a refresh token is held, and how the client is registered. Tokens are shown as their first and last four characters at most. --watch stays open and prints a line each time a token file changes on disk, by this process or any other.

            Examples:
              hermes mcp status
              hermes mcp status linear --json
              hermes mcp status --watch
            """
    )

    @Argument(help: "One server's name; all OAuth servers when omitted.", completion: ServerNameCompletion.kind)
    var name: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Keep running and print a line whenever a token file changes.")
    var watch = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let config = try context.loadConfig()
            var servers = config.servers(environment: context.environment).filter(\.usesOAuth)
            if let name {
                guard let one = config.server(named: name, environment: context.environment) else {
                    _ = try context.server(named: name, in: config)
                    return
                }
                servers = [one]
            }
            let rows = servers.map { StatusRow(server: $0, home: context.home) }
            if json {
                print(JSONValue.array(rows.map(\.json)).serialized(pretty: true))
            } else if rows.isEmpty {
                context.terminal.info("No OAuth MCP servers configured.")
            } else {
                for row in rows { row.print(context.terminal) }
            }
            guard watch else { return }
            context.terminal.info("Watching \(context.home.tokenDirectory) (Ctrl-C to stop)...")
            for await event in OAuthManager.shared(home: context.home).events() {
                if let name, event.server != name { continue }
                let stamp = ISO8601DateFormatter().string(from: Date())
                let store = TokenStore(home: context.home, serverName: event.server)
                let detail = event.kind == .removed ? "tokens removed" : (store.tokens().map { "\(Secret.mask($0.accessToken)), \(TokenSummary.describe($0))" } ?? "no usable tokens")
                context.terminal.line("\(stamp)  \(event.server)  \(event.kind == .removed ? "removed" : "updated")  \(detail)")
            }
        }
    }
}

/// One server's OAuth state, read from its files.
struct StatusRow {
    let name: String
    let tokens: OAuthTokens?
    let corrupt: String?
    let issuer: String?
    let registration: String
    /// Tokens held for another URL than the entry names now (they are never sent).
    let unbound: String?

    init(server: MCPServerConfig, home: HermesHome) {
        name = server.name
        let store = TokenStore(home: home, serverName: server.name)
        switch store.readTokens() {
        case .value(let t): tokens = t; corrupt = nil
        case .corrupt(let path, let reason): tokens = nil; corrupt = "\(path): \(reason)"
        case .missing: tokens = nil; corrupt = nil
        }
        let metadata = store.readMetadata().value
        let client = store.readClient().value
        issuer = metadata?.issuer ?? client?.issuer
        unbound = (try? OAuthServer(config: server)).flatMap { TokenBinding.problem(metadata: metadata, server: $0) }
        if server.oauth.clientID != nil {
            registration = "pre-registered"
        } else if server.oauth.clientMetadataURL != nil, metadata?.clientIDMetadataDocumentSupported == true {
            registration = "client-id-metadata-document"
        } else if client != nil {
            registration = "dynamic"
        } else {
            registration = "none yet"
        }
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["server": .string(name), "has_tokens": .bool(tokens != nil), "registration": .string(registration)]
        o["issuer"] = issuer.map(JSONValue.string) ?? .null
        if let tokens {
            o["access_token"] = .string(Secret.mask(tokens.accessToken))
            o["refresh_token_held"] = .bool(tokens.refreshToken != nil)
            o["scope"] = tokens.scope.map(JSONValue.string) ?? .null
            o["expires_at"] = tokens.expiresAt.map(JSONValue.double) ?? .null
            o["expires_in"] = tokens.expiresIn().map { .int(Int64($0)) } ?? .null
        }
        if let corrupt { o["problem"] = .string(corrupt) }
        if let unbound { o["problem"] = .string(unbound + "; the tokens are not used until `hermes mcp login \(name)`") }
        return .object(o)
    }

    func print(_ terminal: Terminal) {
        terminal.line()
        terminal.line("  \(name)", .cyanBold)
        if let tokens, let unbound {
            terminal.warning("Tokens held but not used: \(unbound). Run `hermes mcp login \(name)`")
            terminal.info("(\(Secret.mask(tokens.accessToken)) — \(TokenSummary.describe(tokens)))")
        } else if let tokens {
            terminal.success("Tokens: \(Secret.mask(tokens.accessToken)) — \(TokenSummary.describe(tokens))")
        } else if let corrupt {
            terminal.warning("Tokens unusable (left as they are): \(corrupt)")
        } else {
            terminal.warning("No tokens: run `hermes mcp login \(name)`")
        }
        terminal.info("Issuer: \(issuer.map { ServerText.clean($0) } ?? "not discovered yet")")
        terminal.info("Registration: \(registration)")
    }
}
