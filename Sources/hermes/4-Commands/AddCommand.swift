import ArgumentParser
import Foundation
import Glibc
import HermesMCP
import HermesOAuth

struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add an MCP server: connect (logging in when it uses OAuth), pick its tools, save.",
        usage: """
            hermes mcp add <name> --url <url> [<options>]
            hermes mcp add <name> --command <cmd> [<options>]
                           [--args <arg> ...]
            hermes mcp add <name> --preset <preset> [<options>]
            """,
        discussion: """
            Discovery comes first: hermes connects, runs the OAuth login when the server needs one, lists the tools and asks which to enable, then saves. Without a terminal it never asks: all tools are enabled unless --tools says otherwise, and a server that cannot be reached is not saved unless --yes.

            Everything after --args (or after --) is the stdio server's command line, passed on as typed, even words that look like hermes options; so --args comes last.

            Examples:
              hermes mcp add linear --url https://mcp.linear.app/mcp --auth oauth
              hermes mcp add github --url https://api.githubcopilot.com/mcp/ --auth header
              hermes mcp add time --command uvx --all-tools --args mcp-server-time --local-timezone UTC
              hermes mcp add fs --command npx --tools read_file --args -y @modelcontextprotocol/server-filesystem /tmp
            """
    )

    @Argument(help: "The name to save the server under.")
    var name: String
    @Option(help: "The server's streamable-HTTP endpoint.") var url: String?
    @Option(help: "The command of a stdio server.") var command: String?
    // Never parsed here: `ServerArguments.split` takes everything from `--args` on before parsing.
    @Option(parsing: .remaining, help: "The stdio command's arguments: everything after --args (or --), as typed. Give it last.")
    var args: [String] = []
    @Option(help: ArgumentHelp("oauth or header.", valueName: "oauth|header"),
            completion: .list(ServerEntryCheck.authValues)) var auth: String?
    @Option(help: "A known server: codex.") var preset: String?
    @Option(parsing: .singleValue, help: "KEY=VALUE for a stdio server's environment (repeatable).") var env: [String] = []
    @Option(parsing: .singleValue, help: "Name=Value HTTP header (repeatable).") var header: [String] = []
    @Option(help: "Pre-registered OAuth client id.") var clientId: String?
    @Option(help: "Pre-registered OAuth client secret (kept in .env; config.yaml refers to it).") var clientSecret: String?
    @Option(help: ArgumentHelp("How tokens are obtained: authorization-code (a browser, the default), client-credentials (a service account), jwt-bearer (a workload token), identity-assertion (the enterprise identity provider).",
                               valueName: "grant")) var grant: String?
    @Option(help: ArgumentHelp("The .env or environment variable holding the client secret.", valueName: "VAR")) var clientSecretEnv: String?
    @Option(help: ArgumentHelp("A PEM private key (mode 0600) for private_key_jwt client authentication.", valueName: "FILE")) var privateKey: String?
    @Option(help: ArgumentHelp("The private key's algorithm when its type does not say (ES256 or RS256).", valueName: "alg")) var privateKeyAlg: String?
    @Option(help: ArgumentHelp("The key id (kid) the authorization server knows the private key by.", valueName: "kid")) var keyId: String?
    @Option(help: ArgumentHelp("jwt-bearer: the file the workload token is read from at each use.", valueName: "FILE")) var assertionFile: String?
    @Option(help: ArgumentHelp("jwt-bearer: the environment variable holding the workload token.", valueName: "VAR")) var assertionEnv: String?
    @Option(help: ArgumentHelp("identity-assertion: the identity provider's token endpoint.", valueName: "URL")) var idpTokenEndpoint: String?
    @Option(help: ArgumentHelp("identity-assertion: the identity provider's issuer (its metadata names the token endpoint).", valueName: "URL")) var idpIssuer: String?
    @Option(help: ArgumentHelp("identity-assertion: hermes' client id at the identity provider.", valueName: "ID")) var idpClientId: String?
    @Option(help: ArgumentHelp("identity-assertion: the variable holding hermes' client secret at the identity provider.", valueName: "VAR")) var idpClientSecretEnv: String?
    @Option(help: ArgumentHelp("identity-assertion: the file holding the user's identity token.", valueName: "FILE")) var idTokenFile: String?
    @Option(help: ArgumentHelp("identity-assertion: the variable holding the user's identity token.", valueName: "VAR")) var idTokenEnv: String?
    @Option(help: ArgumentHelp("DPoP-bound tokens: auto (when the server offers them, the default), true (required) or false.", valueName: "auto|true|false")) var dpop: String?
    @Option(help: "OAuth scope to request.") var scope: String?
    @Option(parsing: .unconditional, help: "Fixed OAuth callback port.") var redirectPort: Int?
    // `.unconditional`: `--connect-timeout -3` is a (wrong) value, refused below, not a missing one.
    @Option(parsing: .unconditional, help: "Seconds allowed for connecting.") var connectTimeout: Double?
    @Option(parsing: .unconditional, help: "Seconds to wait for the browser when logging in (default: oauth.timeout, else 300).") var timeout: Double?
    @Option(help: "Comma-separated tools to enable.") var tools: String?
    @Flag(help: "Enable every tool without asking.") var allTools = false
    @Flag(name: [.short, .long], help: "Answer yes: overwrite, and save even when the server cannot be reached (disabled).") var yes = false

    static let noTransport = """
        Must specify --url <endpoint>, --command <cmd>, or --preset <name>:
          hermes mcp add <name> --url https://mcp.example.com/mcp --auth oauth
          hermes mcp add <name> --command npx --args -y @some/mcp-server
          hermes mcp add <name> --preset codex
        """

    /// A usage error (exit code 64) before anything is read: the three forms an add can take.
    func validate() throws {
        if url == nil, command == nil, preset == nil { throw ValidationError(Self.noTransport) }
    }

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let interactive = isatty(STDIN_FILENO) == 1

            var entry: [ConfigPair] = []
            var environment: [ConfigPair] = []
            for item in env {
                guard let eq = item.firstIndex(of: "=") else { throw CLIFailure("Invalid --env value '\(item)' (expected KEY=VALUE)") }
                let key = String(item[..<eq])
                if key.isEmpty { throw CLIFailure("Invalid --env value '\(item)' (missing variable name)") }
                guard DotEnv.isValidKey(key) else { throw CLIFailure("Invalid --env variable name '\(key)'") }
                environment.append(ConfigPair(key: key, value: .string(String(item[item.index(after: eq)...]))))
            }
            try validateFlags()
            var command = self.command, args = self.args
            if let preset, url == nil, command == nil {
                guard preset == "codex" else { throw CLIFailure("Unknown MCP preset: \(preset)") }
                command = "codex"
                args = ["mcp-server"]
            }
            if url != nil, !environment.isEmpty {
                throw CLIFailure("--env is only supported for stdio MCP servers (--command or stdio presets)")
            }
            if let url {
                entry.append(ConfigPair(key: "url", value: .string(url)))
            } else if let command {
                entry.append(ConfigPair(key: "command", value: .string(command)))
                if !args.isEmpty { entry.append(ConfigPair(key: "args", value: .list(args.map(ConfigValue.string)))) }
                if !environment.isEmpty { entry.append(ConfigPair(key: "env", value: .map(environment))) }
            } else {
                throw CLIFailure(Self.noTransport)
            }

            let existing = try context.loadConfig()
            if existing.rawServer(named: name) != nil, !yes {
                guard interactive else { throw CLIFailure("'\(name)' already exists (use --yes to overwrite)") }
                if !terminal.confirm("Server '\(name)' already exists. Overwrite?", default: false) {
                    // Said once: the person who answered no needs no error on top.
                    terminal.info("Cancelled — '\(name)' was not changed.")
                    throw ExitCode.failure
                }
            }

            var headers: [ConfigPair] = []
            var addedKey: String?
            var secretKeyName: String?
            var replacedValue: String?
            let envExisted = FileManager.default.fileExists(atPath: context.home.envPath)
            for item in header {
                guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw CLIFailure("Invalid --header '\(item)' (expected Name=Value)") }
                headers.append(ConfigPair(key: String(item[..<eq]), value: .string(String(item[item.index(after: eq)...]))))
            }
            if url != nil, auth?.lowercased() == "header" {
                let key = HeaderKey.envName(for: name)
                let envShown = "\(context.home.display())/.env"
                let dotenv = (try? DotEnv.fileValues(path: context.home.envPath)) ?? [:]
                if let at = headers.firstIndex(where: { $0.key.lowercased() == "authorization" }) {
                    // A key given on the command line is kept out of config.yaml just like one
                    // typed at the prompt: .env holds it, the entry refers to it.
                    if case .string(let value) = headers[at].value, !value.contains("${") {
                        let (scheme, credential) = HeaderKey.split(value)
                        if dotenv[key] != credential {
                            try DotEnv.set(path: context.home.envPath, key: key, value: credential)
                            if let previous = dotenv[key] { replacedValue = previous } else { addedKey = key }
                            terminal.success("Saved the Authorization key to \(envShown) as \(key) (config.yaml refers to it)")
                        }
                        headers[at].value = .string((scheme.map { "\($0) " } ?? "") + "${\(key)}")
                    }
                } else {
                    if dotenv[key] != nil {
                        terminal.success("\(key): already configured")
                    } else {
                        guard interactive, let secret = Self.readSecret("  API key / Bearer token: "), !secret.isEmpty else {
                            throw CLIFailure("header auth needs the key: run on a terminal to type it, or put \(key)=<key> in \(envShown) first (config.yaml then refers to it as ${\(key)})")
                        }
                        var value = secret.trimmingCharacters(in: .whitespaces)
                        if value.lowercased().hasPrefix("bearer ") { value = String(value.dropFirst(7)) }
                        try DotEnv.set(path: context.home.envPath, key: key, value: value)
                        addedKey = key
                        terminal.success("Saved to \(envShown) as \(key)")
                    }
                    headers.append(ConfigPair(key: "Authorization", value: .string("Bearer ${\(key)}")))
                }
            }
            if !headers.isEmpty { entry.append(ConfigPair(key: "headers", value: .map(headers))) }
            if url != nil, auth?.lowercased() == "oauth" {
                entry.append(ConfigPair(key: "auth", value: .string("oauth")))
                var oauth: [ConfigPair] = []
                if let grant, let kind = GrantKind(config: grant), kind != .authorizationCode {
                    oauth.append(ConfigPair(key: "grant", value: .string(kind.rawValue)))
                }
                if let clientId { oauth.append(ConfigPair(key: "client_id", value: .string(clientId))) }
                if let clientSecret {
                    // Like a header key: the secret goes to .env, config.yaml names it. Names that
                    // differ only in punctuation map to one variable: another entry's is never taken.
                    var key = HeaderKey.envName(for: name, suffix: "CLIENT_SECRET")
                    let dotenv = (try? DotEnv.fileValues(path: context.home.envPath)) ?? [:]
                    let this = self.name
                    let others = existing.serverNames.filter { $0 != this }.compactMap { existing.rawServer(named: $0) }
                    if dotenv[key] != nil, dotenv[key] != clientSecret, others.contains(where: { HeaderKey.mentions(key, in: $0) }) {
                        key += "_" + Crypto.sha256(this).prefix(4).map { String(format: "%02X", $0) }.joined()
                    }
                    secretKeyName = key
                    if dotenv[key] != clientSecret {
                        try DotEnv.set(path: context.home.envPath, key: key, value: clientSecret)
                        if let previous = dotenv[key] { replacedValue = previous } else { addedKey = key }
                        terminal.success("Saved the client secret to \(context.home.display())/.env as \(key) (config.yaml refers to it)")
                    }
                    oauth.append(ConfigPair(key: "client_secret", value: .string("${\(key)}")))
                } else if let clientSecretEnv {
                    oauth.append(ConfigPair(key: "client_secret", value: .string("${\(clientSecretEnv)}")))
                }
                for (key, value) in [("private_key", privateKey.map(Self.absolute)), ("private_key_alg", privateKeyAlg?.uppercased()), ("key_id", keyId),
                                     ("assertion_file", assertionFile.map(Self.absolute)), ("assertion_env", assertionEnv)] {
                    if let value { oauth.append(ConfigPair(key: key, value: .string(value))) }
                }
                var idp: [ConfigPair] = []
                for (key, value) in [("token_endpoint", idpTokenEndpoint), ("issuer", idpIssuer), ("client_id", idpClientId),
                                     ("client_secret", idpClientSecretEnv.map { "${\($0)}" }),
                                     ("id_token_file", idTokenFile.map(Self.absolute)), ("id_token_env", idTokenEnv)] {
                    if let value { idp.append(ConfigPair(key: key, value: .string(value))) }
                }
                if !idp.isEmpty { oauth.append(ConfigPair(key: "idp", value: .map(idp))) }
                if let dpop { oauth.append(ConfigPair(key: "dpop", value: .scalar(dpop.lowercased()))) }
                if let scope { oauth.append(ConfigPair(key: "scope", value: .string(scope))) }
                if let redirectPort { oauth.append(ConfigPair(key: "redirect_port", value: .scalar(String(redirectPort)))) }
                if !oauth.isEmpty { entry.append(ConfigPair(key: "oauth", value: .map(oauth))) }
            }
            if let connectTimeout { entry.append(ConfigPair(key: "connect_timeout", value: .scalar(String(connectTimeout)))) }

            // Until the entry is saved, what this add wrote is taken back however it ends.
            let leftovers = AddLeftovers(home: context.home, name: name, addedKey: addedKey, replacedValue: replacedValue,
                                          createdEnvFile: !envExisted, addedKeyName: secretKeyName)
            var didSave = false
            defer { if !didSave { leftovers.clean(terminal: terminal) } }
            let name = self.name
            let interrupt = InterruptGuard {
                // Whatever was drawing on the cursor's line (a spinner) is wiped first.
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                terminal.line()
                terminal.info("Cancelled — '\(name)' was not saved.")
                leftovers.clean(terminal: terminal)
            }
            defer { interrupt.end() }

            // Probe with the entry as it would be saved (interpolated the same way).
            let raw = ConfigValue.map(entry)
            let probeConfig = MCPServerConfig(name: name, raw: Interpolation.expand(raw, environment: context.environment))
            terminal.line()
            terminal.line("  Connecting to '\(name)'...", .cyan)
            let manager = OAuthManager.shared(home: context.home)
            var connection: MCPConnection?
            var failure: String?
            // The servers answered and the person's login did not complete: no connection failure.
            var loginFailed = false
            let timeout = self.timeout
            let login: @Sendable () async throws -> Void = {
                let server = try OAuthServer(config: probeConfig)
                var legacy: LegacyDiscovery?
                do {
                    legacy = try await TerminalLogin.run(name) { interaction in try await manager.login(server, interaction: interaction, timeout: timeout) }.legacy
                } catch OAuthFailure.serverError {
                    // The tokens are stored; the connection that follows reports what the server said.
                }
                terminal.success("Authenticated — tokens stored for '\(name)'")
                if let legacy { terminal.info(legacy.summary) }
            }
            do {
                // A server asking for more scope than stored tokens carry gets it as the login would.
                connection = try await ServerProbe.connection(probeConfig, manager: manager, environment: context.environment,
                                                              stepUp: probeConfig.usesOAuth)
            } catch {
                if probeConfig.usesOAuth, Self.needsLogin(error) {
                    // The server needs a login: run it now, then connect again.
                    terminal.info("Starting OAuth flow for '\(name)'...")
                    do {
                        try await login()
                    } catch {
                        // A server that cannot be reached stays that; the rest is the login's own end.
                        if Advice.isNetworkFailure(error) {
                            failure = await Advice.connectionFailure(error, server: probeConfig, home: context.home)
                        } else {
                            failure = Advice.loginFailure(error)
                            loginFailed = true
                        }
                    }
                    if !loginFailed {
                        do {
                            connection = try await ServerProbe.connection(probeConfig, manager: manager, environment: context.environment,
                                                                          stepUp: true)
                        } catch {
                            failure = await Advice.connectionFailure(error, server: probeConfig, home: context.home)
                        }
                    }
                } else {
                    failure = await Advice.connectionFailure(error, server: probeConfig, home: context.home)
                }
            }
            if connection != nil, probeConfig.usesOAuth, manager.storedTokens(of: name) == nil {
                // Answering without a token proves nothing about OAuth: the person asked for it, so
                // log in now; only tokens on disk count as authenticated.
                terminal.info("'\(name)' answered without authentication; starting OAuth flow to obtain tokens...")
                do {
                    try await login()
                } catch {
                    connection = nil
                    failure = "'\(name)' answered without authentication, but " + Advice.loginFailure(error)
                    loginFailed = true
                }
            }

            guard let connection else {
                let reason = (loginFailed ? "" : "Failed to connect: ") + (failure ?? "unknown error")
                // The reason is said once: before the question when there is one, else in the failure.
                if !yes, !interactive { throw CLIFailure("\(reason) — '\(name)' was not saved (--yes saves it disabled)") }
                terminal.error(reason)
                let save = yes || terminal.confirm("Save config anyway (you can test later)?", default: false)
                guard save else { throw CLIFailure("'\(name)' was not saved") }
                try ConfigFile.update(home: context.home) { file in
                    try file.setServer(named: name, .map(entry + [ConfigPair(key: "enabled", value: .scalar("false"))]))
                }
                didSave = true
                terminal.success("Saved '\(name)' to config (disabled)")
                if loginFailed {
                    terminal.info("Log in when you can: hermes mcp login \(ShellWord.quote(name))")
                    terminal.info("Once logged in, turn it on: hermes mcp enable \(ShellWord.quote(name))")
                } else {
                    terminal.info("Fix the issue, then: hermes mcp test \(ShellWord.quote(name))")
                    terminal.info("Once it connects, turn it on: hermes mcp enable \(ShellWord.quote(name))")
                }
                return
            }

            let names = connection.tools.map(\.name)
            var enabled = names
            if !names.isEmpty {
                terminal.line()
                terminal.line("  Connected! Found \(names.count) tool(s) from '\(name)':")
                for tool in connection.tools {
                    terminal.line("    \(ServerListing.pad(TerminalText.clean(tool.name), 40)) \(TerminalText.short(tool.description ?? "", 60))")
                }
                if let tools {
                    let wanted = try ToolChoice.parse(tools, offered: names)
                    enabled = names.filter { wanted.contains($0) }
                } else if interactive, !allTools, !yes {
                    let answer = Self.askToolChoice(count: names.count, terminal: terminal)
                    if answer == nil || answer == "n" {
                        terminal.info("Cancelled — server not saved.")
                        throw CLIFailure("'\(name)' was not saved")
                    }
                    if answer == "s" {
                        let checklist = Checklist(heading: "Select tools for '\(name)'",
                                                  items: connection.tools.map { .init(title: TerminalText.clean($0.name), detail: TerminalText.short($0.description ?? "", 60)) },
                                                  preselected: Set(names.indices))
                        guard let picked = ChecklistPrompt.run(checklist, colour: terminal.colour) else {
                            terminal.info("Cancelled — server not saved.")
                            throw CLIFailure("'\(name)' was not saved")
                        }
                        enabled = picked.map { names[$0] }
                        if enabled.isEmpty {
                            terminal.info("No tools selected — server not saved.")
                            throw CLIFailure("'\(name)' was not saved")
                        }
                        terminal.info("Selected \(enabled.count)/\(names.count): \(enabled.map(TerminalText.clean).joined(separator: ", "))")
                    }
                }
            } else {
                terminal.info("Server connected but reported no tools.")
            }
            var saved = entry
            if enabled.count < names.count {
                saved.append(ConfigPair(key: "tools", value: .map([ConfigPair(key: "include", value: .list(enabled.map(ConfigValue.string)))])))
            }
            saved.append(ConfigPair(key: "enabled", value: .scalar("true")))
            try ConfigFile.update(home: context.home) { file in try file.setServer(named: name, .map(saved)) }
            didSave = true
            terminal.success("Saved '\(name)' to \(context.home.display())/config.yaml (\(enabled.count)/\(names.count) tools enabled)")
            terminal.info("Start a new session to use these tools.")
        }
    }

    /// Flags that contradict each other or cannot name a server are refused before anything is
    /// read, written or connected to.
    func validateFlags() throws {
        // Storage would take any name (it hashes what it cannot spell), but a person has to see
        // and type it back: nothing empty, nothing invisible.
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CLIFailure("the server name must not be empty: give a name such as 'linear' or 'time'")
        }
        if !ServerText.isClean(name) {
            throw CLIFailure("the server name must not contain control or invisible characters: \(ServerText.clean(name))")
        }
        if url != nil, command != nil {
            throw CLIFailure("--url and --command exclude each other: give --url for an HTTP server or --command for a stdio one")
        }
        if preset != nil, url != nil || command != nil {
            throw CLIFailure("--preset replaces --url and --command: give only one of them")
        }
        if let url, !url.contains("${"), !ServerEntryCheck.isHTTPURL(url) {
            throw CLIFailure("--url must be an http:// or https:// URL, not '\(url)'")
        }
        if let command, command.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CLIFailure("--command must name the program to run (its arguments go after --args), not '\(command)'")
        }
        if url != nil, !args.isEmpty {
            throw CLIFailure("--args is only for stdio servers (--command); an HTTP server takes none")
        }
        if let connectTimeout, !(connectTimeout.isFinite && connectTimeout > 0) {
            throw CLIFailure("--connect-timeout must be a positive number of seconds, not \(connectTimeout)")
        }
        if let timeout, !(timeout.isFinite && timeout > 0) {
            throw CLIFailure("--timeout must be a positive number of seconds, not \(timeout)")
        }
        if let auth, !ServerEntryCheck.authValues.contains(auth.lowercased()) {
            throw CLIFailure("--auth must be \(ServerEntryCheck.authValues.joined(separator: " or ")), not '\(auth)'")
        }
        if auth != nil, url == nil {
            throw CLIFailure("--auth is only for HTTP servers (--url); a stdio server (--command or --preset) has no login")
        }
        if let url, auth?.lowercased() == "oauth", let why = ServerEntryCheck.oauthURLProblem(url) {
            throw CLIFailure("--url cannot be used with --auth oauth: \(why)")
        }
        if tools != nil, allTools {
            throw CLIFailure("--tools and --all-tools exclude each other: give --tools a,b to pick tools, or --all-tools for every one")
        }
        if let redirectPort, !(1...65535).contains(redirectPort) {
            throw CLIFailure("--redirect-port must be a port from 1 to 65535 (leave it out to let hermes pick one), not \(redirectPort)")
        }
        try validateGrant()
    }

    /// The options of `--grant` hold together, said before anything is written or sent.
    func validateGrant() throws {
        let grantOptions: [(String, Any?)] = [("--grant", grant), ("--client-secret-env", clientSecretEnv), ("--private-key", privateKey),
                                              ("--private-key-alg", privateKeyAlg), ("--key-id", keyId), ("--assertion-file", assertionFile),
                                              ("--assertion-env", assertionEnv), ("--idp-token-endpoint", idpTokenEndpoint), ("--idp-issuer", idpIssuer),
                                              ("--idp-client-id", idpClientId), ("--idp-client-secret-env", idpClientSecretEnv),
                                              ("--id-token-file", idTokenFile), ("--id-token-env", idTokenEnv), ("--dpop", dpop)]
        let given = grantOptions.filter { $0.1 != nil }.map(\.0)
        guard !given.isEmpty else { return }
        if auth?.lowercased() != "oauth" || url == nil {
            throw CLIFailure("\(given[0]) is for an OAuth server: give --url URL --auth oauth too")
        }
        let kind: GrantKind
        if let grant {
            guard let parsed = GrantKind(config: grant) else {
                throw CLIFailure("--grant must be one of authorization-code, client-credentials, jwt-bearer, identity-assertion, not '\(grant)'")
            }
            kind = parsed
        } else {
            kind = .authorizationCode
        }
        if let dpop, !(dpop.lowercased() == "auto" || Boolish.parse(dpop) != nil) {
            throw CLIFailure("--dpop must be auto, true or false, not '\(dpop)'")
        }
        if clientSecret != nil, clientSecretEnv != nil { throw CLIFailure("--client-secret and --client-secret-env exclude each other") }
        if let privateKeyAlg, SigningKey.Algorithm(rawValue: privateKeyAlg.uppercased()) == nil {
            throw CLIFailure("--private-key-alg must be ES256 or RS256, not '\(privateKeyAlg)'")
        }
        for (option, name) in [("--client-secret-env", clientSecretEnv), ("--assertion-env", assertionEnv),
                               ("--idp-client-secret-env", idpClientSecretEnv), ("--id-token-env", idTokenEnv)] {
            if let name, name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) || name.first!.isNumber {
                throw CLIFailure("\(option) takes a variable name (letters, digits and _), not '\(name)'")
            }
        }
        if let privateKey {
            // Checked now as the grant will check it: a key others may read is refused.
            do { _ = try SigningKey(pem: try CredentialFile.read(Self.absolute(privateKey), what: "--private-key", privateOnly: true), what: "--private-key \(privateKey)") } catch {
                throw CLIFailure("\(error)")
            }
        }
        switch kind {
        case .authorizationCode:
            let machineOnly = given.filter { !["--grant", "--dpop", "--client-secret-env"].contains($0) }
            if let first = machineOnly.first { throw CLIFailure("\(first) needs --grant client-credentials, jwt-bearer or identity-assertion") }
        case .clientCredentials:
            guard clientId != nil else { throw CLIFailure("--grant client-credentials needs --client-id") }
            let foreign = given.filter { $0.hasPrefix("--assertion") || $0.hasPrefix("--id") }
            if let first = foreign.first { throw CLIFailure("\(first) is not for --grant client-credentials") }
            if clientSecret == nil, clientSecretEnv == nil, privateKey == nil {
                throw CLIFailure("--grant client-credentials needs --client-secret SECRET (kept in .env), --client-secret-env VAR (the secret in .env) or --private-key FILE")
            }
            if clientSecret != nil || clientSecretEnv != nil, privateKey != nil {
                throw CLIFailure("give either a client secret or --private-key, not both")
            }
        case .jwtBearer:
            if assertionFile != nil, assertionEnv != nil { throw CLIFailure("--assertion-file and --assertion-env exclude each other") }
            if assertionFile == nil, assertionEnv == nil {
                throw CLIFailure("--grant jwt-bearer needs one of --assertion-file FILE or --assertion-env VAR")
            }
        case .identityAssertion:
            guard clientId != nil else { throw CLIFailure("--grant identity-assertion needs --client-id (hermes' client at the MCP server's authorization server)") }
            if idpTokenEndpoint == nil, idpIssuer == nil { throw CLIFailure("--grant identity-assertion needs --idp-token-endpoint URL or --idp-issuer URL") }
            if idTokenFile != nil, idTokenEnv != nil { throw CLIFailure("--id-token-file and --id-token-env exclude each other") }
            if idTokenFile == nil, idTokenEnv == nil, idpIssuer == nil || idpClientId == nil {
                throw CLIFailure("--grant identity-assertion needs --id-token-file FILE or --id-token-env VAR, or --idp-issuer URL and --idp-client-id ID for hermes to log in at the identity provider")
            }
        }
    }

    /// A path as config.yaml keeps it: absolute, so it means the same from any directory.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("~") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Whether a failed connect is answered with a login. A refusal is not: the person or the
    /// authorization server said no, or would not grant the scope the server asks for (step-up
    /// already tried), and another login would only ask the same again.
    static func needsLogin(_ error: any Error) -> Bool {
        if case OAuthFailure.denied = error { return false }
        return MCPErrors.isAuthFailure(error)
    }

    /// The `[Y/n/select]` question, asked again until the answer is one of them: "y", "n" or
    /// "s", nil at end of input (which cancels: a closed terminal is no "yes").
    static func askToolChoice(count: Int, terminal: Terminal) -> String? {
        while true {
            guard let line = terminal.readAnswer("Enable all \(count) tools? [Y/n/select]: ") else { return nil }
            switch line {
            case "", "y", "yes": return "y"
            case "n", "no": return "n"
            case "s", "select": return "s"
            default: terminal.info("Please answer y (all tools), n (cancel) or s (select tools).")
            }
        }
    }

    /// Reads a line from the terminal without echoing it.
    static func readSecret(_ prompt: String) -> String? {
        print(prompt, terminator: "")
        StandardOutput.flush()
        var old = termios()
        tcgetattr(STDIN_FILENO, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        // Ctrl-C at this prompt must not leave the terminal without echo.
        let saved = old
        let interrupt = InterruptGuard {
            var restore = saved
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &restore)
            FileHandle.standardOutput.write(Data("\n  Cancelled — nothing was saved.\n".utf8))
        }
        defer {
            interrupt.end()
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old)
            print()
        }
        return readLine()
    }
}
