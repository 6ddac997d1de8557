import ArgumentParser
import Foundation
import HermesOAuth

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the OAuth state of configured servers (tokens masked).",
        discussion: """
            For each OAuth server: whether tokens exist, when they expire, the scopes, the issuer, whether a refresh token is held, and how the client is registered. Tokens are shown as their first and last four characters at most. When a server refused the stored tokens (a refresh token revoked, a fresh token refused), that is shown, with when and why, until a login or a refresh replaces them. --watch stays open and prints a line each time a token file changes on disk, by this process or any other; with --json, every line on stdout is one JSON object: the state of each server first, then one per change.

            Examples:
              hermes mcp status
              hermes mcp status linear --json
              hermes mcp status --watch
              hermes mcp status --watch --json
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
            var servers = config.servers().filter(\.usesOAuth)
            if let name { servers = [try context.server(named: name, in: config)] }
            let rows = servers.map { StatusRow(server: $0, home: context.home) }
            if json, watch {
                // JSON lines only: the state now, one line per server, then one line per change.
                for row in rows { Self.emit(row.json, event: "current") }
            } else if json {
                print(JSONValue.array(rows.map(\.json)).serialized(pretty: true))
            } else if rows.isEmpty {
                context.terminal.info("No OAuth MCP servers configured.")
            } else {
                for row in rows { row.print(context.terminal, home: context.home) }
            }
            guard watch else { return }
            if !json { context.terminal.info("Watching \(context.home.tokenDirectory) (Ctrl-C to stop)...") }
            let known = Dictionary(config.servers().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let manager = OAuthManager.shared(home: context.home)
            for await event in manager.events() {
                if let name, event.server != name { continue }
                let kind = event.kind == .removed ? "removed" : "updated"
                if json {
                    let server = known[event.server] ?? MCPServerConfig(name: event.server, raw: .map([ConfigPair(key: "auth", value: .string("oauth"))]))
                    Self.emit(StatusRow(server: server, home: context.home).json, event: kind)
                    continue
                }
                let stamp = ISO8601DateFormatter().string(from: Date())
                let detail = event.kind == .removed ? "tokens removed" : (manager.storedTokens(of: event.server).map { "\(Secret.mask($0.accessToken)), \(TokenSummary.describe($0))" } ?? "no usable tokens")
                context.terminal.line("\(stamp)  \(event.server)  \(kind)  \(detail)")
            }
        }
    }

    /// One complete JSON object on one line, flushed at once (a pipe must not hold it back).
    static func emit(_ row: JSONValue, event: String) {
        guard case .object(var object) = row else { return }
        object["event"] = .string(event)
        object["time"] = .string(ISO8601DateFormatter().string(from: Date()))
        print(JSONValue.object(object).serialized())
        fflush(nil)
    }
}

/// One server's OAuth state, read from its files.
struct StatusRow {
    let name: String
    let auth: Advice.Auth
    let enabled: Bool
    let tokens: OAuthTokens?
    let corrupt: String?
    let issuer: String?
    let registration: String
    /// How tokens are obtained (`oauth.grant`): a person, or the grant itself when one is needed.
    let grant: GrantKind
    /// `identity_assertion` whose identity token comes from a login at the identity provider.
    let identityLogin: Bool
    /// Tokens held for another URL than the entry names now (they are never sent).
    let unbound: String?
    /// The servers' last refusal of these very tokens, from any process.
    let verdict: TokenVerdict?
    /// A scope the MCP server demanded (403 `insufficient_scope`) that the tokens lack: the next
    /// login asks for it.
    let pendingScope: String?
    /// What to say instead of an OAuth state, for an entry that has none.
    let notOAuth: String?
    let loginAdvice: String

    init(server: MCPServerConfig, home: HermesHome) {
        name = server.name
        auth = Advice.auth(of: server)
        enabled = server.enabled
        notOAuth = Advice.notOAuth(server, home: home)
        loginAdvice = "hermes mcp login \(ShellWord.quote(server.name))"
        grant = server.oauth.grant
        identityLogin = server.oauth.identityProvider.usesLogin
        let stored = OAuthManager.shared(home: home).storedState(of: server.name)
        switch stored.tokens {
        case .value(let t): tokens = t; corrupt = nil
        case .corrupt(let path, let reason): tokens = nil; corrupt = "\(path): \(reason)"
        case .missing: tokens = nil; corrupt = nil
        }
        verdict = stored.verdict
        let metadata = stored.metadata
        let client = stored.client
        issuer = metadata?.issuer ?? client?.issuer
        pendingScope = metadata?.challengedScope
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

    /// Expired, and nothing to refresh it with (a grant without a person gets a new one).
    var isDead: Bool {
        guard let tokens, !grant.isMachine else { return false }
        return tokens.refreshToken == nil && (tokens.expiresIn() ?? 1) <= 0
    }

    var needsLogin: Bool {
        guard notOAuth == nil else { return false }
        // Without a person, missing or expired tokens are obtained at the next call; only a
        // refusal of the credentials needs someone.
        if grant.isMachine { return verdict != nil || unbound != nil }
        return tokens == nil || unbound != nil || verdict != nil || isDead || pendingScope != nil
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["server": .string(name), "auth": .string(auth.rawValue), "enabled": .bool(enabled)]
        if let notOAuth {
            o["oauth"] = .bool(false)
            o["note"] = .string(notOAuth)
            return .object(o)
        }
        o["has_tokens"] = .bool(tokens != nil)
        o["registration"] = .string(registration)
        o["grant"] = .string(grant.rawValue)
        o["issuer"] = issuer.map(JSONValue.string) ?? .null
        if let tokens {
            o["dpop_bound"] = .bool(tokens.isDPoPBound)
            o["access_token"] = .string(Secret.mask(tokens.accessToken))
            o["refresh_token_held"] = .bool(tokens.refreshToken != nil)
            o["scope"] = tokens.scope.map(JSONValue.string) ?? .null
            o["expires_at"] = tokens.expiresAt.map(JSONValue.double) ?? .null
            o["expires_in"] = tokens.expiresIn().map { .int(Int64($0)) } ?? .null
        }
        if let verdict {
            o["verdict"] = .object(["kind": .string(verdict.kind.rawValue), "reason": .string(verdict.reason),
                                    "at": .string(TokenVerdict.iso(verdict.at))])
        }
        if let pendingScope { o["pending_scope"] = .string(pendingScope) }
        if let corrupt { o["problem"] = .string(corrupt) }
        if let unbound { o["problem"] = .string(unbound + "; the tokens are not used until `\(loginAdvice)`") }
        o["needs_login"] = .bool(needsLogin)
        if needsLogin { o["advice"] = .string(loginAdvice) }
        return .object(o)
    }

    func print(_ terminal: Terminal, home: HermesHome) {
        terminal.line()
        terminal.line("  \(name)", .cyanBold)
        if let notOAuth {
            terminal.info(notOAuth)
            if !enabled { terminal.info("Disabled (enabled: false in config.yaml)") }
            return
        }
        let held = tokens.map { "(\(Secret.mask($0.accessToken)) — \(TokenSummary.describe($0)))" }
        if let held, let unbound {
            terminal.warning("Tokens held but not used: \(unbound). Run `\(loginAdvice)`")
            terminal.info(held)
        } else if let held, let verdict {
            terminal.error(Advice.rejected(verdict, server: name, home: home))
            terminal.info(held)
        } else if let held, isDead {
            terminal.warning("Tokens expired and no refresh token is held: run `\(loginAdvice)`")
            terminal.info(held)
        } else if let held, let pendingScope {
            terminal.warning("The server asks for scope '\(ServerText.clipped(pendingScope))', which the tokens lack: run `\(loginAdvice)`")
            terminal.info(held)
        } else if let tokens {
            terminal.success("Tokens: \(Secret.mask(tokens.accessToken)) — \(TokenSummary.describe(tokens))")
        } else if let corrupt {
            terminal.warning("Tokens unusable (left as they are): \(corrupt)")
        } else if let verdict {
            // A refusal recorded before any token was held (credentials a grant without a person presented).
            terminal.error(Advice.rejected(verdict, server: name, home: home))
        } else if grant.isMachine {
            terminal.info("No tokens yet: the next call obtains them (\(grant.rawValue))")
        } else {
            terminal.warning("No tokens: run `\(loginAdvice)`")
        }
        terminal.info("Issuer: \(issuer.map { ServerText.clean($0) } ?? "not discovered yet")")
        if grant == .identityAssertion, identityLogin {
            terminal.info("Grant: identity_assertion (a login at the identity provider, then a new token whenever one is needed)")
        } else if grant.isMachine {
            terminal.info("Grant: \(grant.rawValue) (no person; a new token is obtained when one is needed)")
        } else {
            terminal.info("Registration: \(registration)")
        }
        if let tokens { terminal.info(tokens.isDPoPBound ? "DPoP-bound: yes (key \(ShellWord.quote(TokenStore(home: home, serverName: name).dpopKeyPath)))" : "DPoP-bound: no (Bearer)") }
        if !enabled { terminal.info("Disabled (enabled: false in config.yaml)") }
    }
}
