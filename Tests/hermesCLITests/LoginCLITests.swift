import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// `hermes mcp login` and `logout` as a person runs them, against the Python SDK's OAuth server.
@Suite(.timeLimit(.minutes(2))) struct LoginCLITests {
    let dir = TemporaryDirectory("hermes-login")
    var home: String { dir.path }

    func configure(_ peer: OAuthPeer, extra: String = "") throws {
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
            \(extra)
              plain:
                url: http://127.0.0.1:9/mcp
              local:
                command: echo
            """)
    }

    func hermes(_ args: [String], env: [String: String] = [:], input: String? = nil) async throws -> ProgramResult {
        var all = Peers.browser(record: dir.file("browser.log"))
        for (k, v) in env { all[k] = v }
        return try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: all), input: input)
    }

    @Test func loginStoresTokensAndSaysSo() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        let result = try await hermes(["mcp", "login", "demo"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Starting OAuth flow for 'demo'..."))
        #expect(result.stdout.contains("✓ Authenticated — tokens stored for 'demo'"))
        #expect(result.stdout.contains("scope: read write") && result.stdout.contains("refresh token held"))
        // The URL always goes to stderr, with the browser's outcome.
        #expect(result.stderr.contains("Open this URL in your browser:"))
        #expect(result.stderr.contains("/authorize?response_type=code&client_id="))
        #expect(result.stderr.contains("(Browser opened automatically.)"))
        let tokens = try #require(TokenStore(home: HermesHome(path: home), serverName: "demo").tokens())
        #expect(!result.stdout.contains(tokens.accessToken) && !result.stderr.contains(tokens.accessToken))
        #expect(!result.stderr.contains(try #require(tokens.refreshToken)))
    }

    @Test func loginRefusesWhatCannotBeLoggedInto() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        let missing = try await hermes(["mcp", "login", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("Server 'nope' not found in \(home)/config.yaml (available: demo, plain, local)"))
        let plain = try await hermes(["mcp", "login", "plain"])
        #expect(plain.status == 1 && plain.stderr.contains("is not configured for OAuth (auth: none): to use OAuth, add `auth: oauth`"))
        let local = try await hermes(["mcp", "login", "local"])
        #expect(local.status == 1 && local.stderr.contains("'local' runs a local command (stdio), which has no OAuth login"))
    }

    @Test func aFailedLoginExitsNonZeroAndKeepsTheOldTokens() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        let store = TokenStore(home: HermesHome(path: home), serverName: "demo")
        let before = FileManager.default.contents(atPath: store.tokensPath)
        try await peer.configure(["deny": true])
        let denied = try await hermes(["mcp", "login", "demo"])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("error: Authentication failed: authorization for 'demo' was denied (access_denied"))
        #expect(!denied.stdout.contains("✗"))
        #expect(FileManager.default.contents(atPath: store.tokensPath) == before)
    }

    @Test func aLoginNobodyCompletesTimesOut() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        let start = Date()
        let result = try await hermes(["mcp", "login", "demo", "--timeout", "1"], env: ["BROWSER_MODE": "print"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no authorization response arrived within 1 s"))
        #expect(Date().timeIntervalSince(start) < 15)
    }

    @Test func logoutRevokesAndDeletes() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        let result = try await hermes(["mcp", "logout", "demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("✓ Revoked the refresh token and access token at the authorization server"))
        #expect(result.stdout.contains("✓ Removed local OAuth state for 'demo' (3 file(s))"))
        let again = try await hermes(["mcp", "logout", "demo"])
        #expect(again.stdout.contains("No local tokens were stored for 'demo'."))
    }

    /// On a terminal the person can paste the address the browser ended on; afterwards the
    /// terminal's input belongs to whatever runs next, untouched.
    @Test func pasteBackOnATerminalAndNothingSwallowedAfter() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        let script = """
            [{"expect": "Or paste the address"},
             {"paste_redirect_of_url_after": "Open this URL in your browser:"},
             {"expect": "Authenticated"},
             {"send": "typed-after-login\\r"},
             {"expect": "got:typed-after-login"}]
            """
        let command = "\(Build.product("hermes")) mcp login demo; read line; echo \"got:$line\""
        var env = Build.environment(home: home, extra: ["BROWSER_MODE": "print"])
        for (k, v) in Peers.browser(record: dir.file("browser.log"), mode: "print") { env[k] = v }
        let result = try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command], environment: env)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("✓ Authenticated — tokens stored for 'demo'"))
        #expect(result.stdout.contains("got:typed-after-login"))
    }

    @Test func whenTheBrowserWinsThePasteReaderLetsGoOfTheTerminal() async throws {
        let peer = try await OAuthPeer()
        try configure(peer)
        let script = """
            [{"expect": "Authenticated"}, {"send": "next-command-input\\r"}, {"expect": "got:next-command-input"}]
            """
        let command = "\(Build.product("hermes")) mcp login demo; read line; echo \"got:$line\""
        var env = Build.environment(home: home)
        for (k, v) in Peers.browser(record: dir.file("browser.log")) { env[k] = v }
        let result = try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command], environment: env)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("got:next-command-input"))
    }
}

@Suite(.timeLimit(.minutes(2))) struct RuntimeCLITests {
    let dir = TemporaryDirectory("hermes-runtime-cli")

    @Test func testAndCallAgainstHTTPAndStdioServers() async throws {
        let peer = try await OAuthPeer()
        let python = try Peers.python
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
              local:
                command: \(python)
                args: [\(Peers.script("stdio_server.py")), --marker, \(dir.path)]
            """)
        var env = Build.environment(home: dir.path)
        for (k, v) in Peers.browser() { env[k] = v }
        let hermes = Build.product("hermes")

        let before = try await run(hermes, ["mcp", "test", "demo"], environment: env)
        #expect(before.status == 1)
        #expect(before.stderr.contains("'demo' needs a login — no tokens are stored: run `hermes mcp login demo`"))
        let needs = try await run(hermes, ["mcp", "call", "demo", "echo", #"{"text":"hi"}"#], environment: env)
        #expect(needs.status == 1 && needs.stdout.contains(#""needs_reauth": true"#))

        #expect(try await run(hermes, ["mcp", "login", "demo"], environment: env).status == 0)
        let test = try await run(hermes, ["mcp", "test", "demo"], environment: env)
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        for line in ["  Testing 'demo'...", "  Transport: HTTP → \(peer.mcpURL)", "  Auth: OAuth 2.1 PKCE", "  ✓ Tools discovered: 2"] {
            #expect(test.stdout.contains(line), "missing \(line)")
        }
        #expect(test.stdout.contains("  ✓ Connected ("))
        let json = try await run(hermes, ["mcp", "test", "local", "--json"], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["connected"] as? Bool == true)
        #expect((object?["tools"] as? [[String: Any]])?.map { $0["name"] as? String } == ["echo", "add", "crash"])

        let call = try await run(hermes, ["mcp", "call", "demo", "echo", #"{"text":"hi"}"#], environment: env)
        #expect(call.status == 0 && call.stdout == "{\"result\": \"hi\"}\n")
        let local = try await run(hermes, ["mcp", "call", "local", "add", #"{"a":2,"b":40}"#], environment: env)
        #expect(local.status == 0 && local.stdout == "{\"result\": \"42\"}\n")
        let bad = try await run(hermes, ["mcp", "call", "local", "add", "not json"], environment: env)
        #expect(bad.status == 1 && bad.stderr.contains("JSON object"))
        // No stdio server outlives the command.
        let left = try await run("/usr/bin/env", ["pgrep", "-f", "--marker \(dir.path)"])
        #expect(left.stdout.isEmpty)
    }
}

@Suite(.timeLimit(.minutes(2))) struct StatusAndReauthCLITests {
    let dir = TemporaryDirectory("hermes-status")

    func setUp() async throws -> (OAuthPeer, [String: String]) {
        let peer = try await OAuthPeer()
        try dir.write("config.yaml", """
            mcp_servers:
              one:
                url: \(peer.mcpURL)
                auth: oauth
              two:
                url: \(peer.mcpURL)
                auth: oauth
              plain:
                command: echo
            """)
        var env = Build.environment(home: dir.path)
        for (k, v) in Peers.browser() { env[k] = v }
        return (peer, env)
    }

    @Test func statusShowsStateWithoutSecrets() async throws {
        let (peer, env) = try await setUp()
        defer { peer.stop() }
        let hermes = Build.product("hermes")
        let login = try await run(hermes, ["mcp", "login", "one"], environment: env)
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        let tokens = try #require(TokenStore(home: HermesHome(path: dir.path), serverName: "one").tokens())
        let status = try await run(hermes, ["mcp", "status"], environment: env)
        #expect(status.status == 0)
        #expect(status.stdout.contains("  ✓ Tokens: \(Secret.mask(tokens.accessToken)) — expires in"))
        #expect(status.stdout.contains("refresh token held") && status.stdout.contains("scope: read write"))
        #expect(status.stdout.contains("Registration: dynamic") && status.stdout.contains("Issuer: http://127.0.0.1:"))
        #expect(status.stdout.contains("No tokens: run `hermes mcp login two`"))
        #expect(!status.stdout.contains("plain"))
        #expect(!status.stdout.contains(tokens.accessToken) && !status.stdout.contains(tokens.refreshToken!))
        let json = try await run(hermes, ["mcp", "status", "one", "--json"], environment: env)
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["refresh_token_held"] as? Bool == true)
        #expect(rows?.first?["access_token"] as? String == Secret.mask(tokens.accessToken))
    }

    @Test func statusWatchPrintsAnotherProcessesRefresh() async throws {
        let (peer, env) = try await setUp()
        defer { peer.stop() }
        #expect(try await run(Build.product("hermes"), ["mcp", "login", "one"], environment: env).status == 0)
        let watcher = try Interactive(Build.product("hermes"), ["mcp", "status", "--watch"], environment: env)
        #expect(await watcher.read(until: "Watching"))
        let refresh = try await run(Build.product("hermes-test-helper"), ["refresh", dir.path, "one"])
        #expect(refresh.stdout.hasPrefix("ok "))
        #expect(await watcher.read(until: ", expires in"), "\(watcher.output)")
        kill(watcher.process.processIdentifier, SIGTERM)
        let output = await watcher.finish().stdout
        // The line names the new token masked, never whole.
        let stored = try #require(TokenStore(home: HermesHome(path: dir.path), serverName: "one").tokens())
        #expect(output.contains("  one  updated  \(Secret.mask(stored.accessToken)), expires in"), "\(output)")
        #expect(!output.contains(stored.accessToken))
    }

    @Test func reauthOneOrAll() async throws {
        let (peer, env) = try await setUp()
        defer { peer.stop() }
        let hermes = Build.product("hermes")
        let none = try await run(hermes, ["mcp", "reauth"], environment: env)
        #expect(none.status == 64 && none.stderr.contains("Specify a server name, or use --all"), "a usage error: \(none.stderr)")
        let all = try await run(hermes, ["mcp", "reauth", "--all"], environment: env)
        #expect(all.status == 0, "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("Re-authenticated 2/2 server(s)"))
        let one = try await run(hermes, ["mcp", "reauth", "two"], environment: env)
        #expect(one.status == 0 && one.stdout.contains("Authenticated — tokens stored for 'two'"))
    }
}

@Suite(.timeLimit(.minutes(2))) struct AddCLITests {
    let dir = TemporaryDirectory("hermes-add")

    @Test func addingHTTPAndStdioServersWithoutATerminal() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        var env = Build.environment(home: dir.path)
        for (k, v) in Peers.browser() { env[k] = v }
        let hermes = Build.product("hermes")
        let python = try Peers.python

        let oauth = try await run(hermes, ["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--tools", "echo"], environment: env)
        #expect(oauth.status == 0, "\(oauth.stdout)\(oauth.stderr)")
        #expect(oauth.stdout.contains("Connected! Found 2 tool(s) from 'demo':"))
        #expect(oauth.stdout.contains("✓ Saved 'demo' to"))
        #expect(oauth.stdout.contains("(1/2 tools enabled)"))
        // The login really produced tokens.
        #expect(TokenStore(home: HermesHome(path: dir.path), serverName: "demo").tokens() != nil)

        let stdio = try await run(hermes, ["mcp", "add", "local", "--command", python, "--env", "DEBUG=1", "--args", Peers.script("stdio_server.py")], environment: env)
        #expect(stdio.status == 0 && stdio.stdout.contains("(3/3 tools enabled)"), "\(stdio.stdout)\(stdio.stderr)")

        let config = try ConfigFile.load(home: HermesHome(path: dir.path))
        let demo = try #require(config.server(named: "demo", environment: [:]))
        #expect(demo.usesOAuth && demo.tools.include == ["echo"] && demo.enabled)
        let local = try #require(config.server(named: "local", environment: [:]))
        #expect(local.env == ["DEBUG": "1"] && local.tools.include == nil && local.args == [Peers.script("stdio_server.py")])

        // Existing name: no overwrite without --yes, said once (on stderr).
        let again = try await run(hermes, ["mcp", "add", "local", "--command", python], environment: env)
        #expect(again.status == 1 && again.stderr.contains("'local' already exists (use --yes to overwrite)") && again.stdout.isEmpty)

        // Unreachable: not saved, unless --yes (then saved disabled).
        let down = try await run(hermes, ["mcp", "add", "down", "--command", "false"], environment: env)
        #expect(down.status == 1 && down.stderr.contains("Failed to connect"))
        #expect(try ConfigFile.load(home: HermesHome(path: dir.path)).rawServer(named: "down") == nil)
        let saved = try await run(hermes, ["mcp", "add", "down", "--command", "false", "--yes"], environment: env)
        #expect(saved.status == 0 && saved.stdout.contains("Saved 'down' to config (disabled)"))
        #expect(try ConfigFile.load(home: HermesHome(path: dir.path)).server(named: "down", environment: [:])?.enabled == false)
    }

    /// A server that lists its tools to anybody is not "authenticated" for having answered: with
    /// `--auth oauth`, add logs in anyway, and without tokens at the end it does not claim success.
    @Test func anOpenServerConfiguredForOAuthMustStillYieldTokens() async throws {
        var env = Build.environment(home: dir.path)
        for (k, v) in Peers.browser() { env[k] = v }
        let hermes = Build.product("hermes")
        let open = try await OAuthPeer(settings: ["open_mcp": true])
        defer { open.stop() }
        let added = try await run(hermes, ["mcp", "add", "open", "--url", open.mcpURL, "--auth", "oauth", "--all-tools"], environment: env)
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        // Without tokens, an OAuth server is not even asked: the login runs first.
        #expect(added.stdout.contains("Starting OAuth flow for 'open'"))
        #expect(TokenStore(home: HermesHome(path: dir.path), serverName: "open").tokens() != nil)

        let broken = try await OAuthPeer(settings: ["open_mcp": true, "asm_raw": "this is not metadata"])
        defer { broken.stop() }
        let refused = try await run(hermes, ["mcp", "add", "nologin", "--url", broken.mcpURL, "--auth", "oauth", "--all-tools"], environment: env)
        #expect(refused.status == 1, "\(refused.stdout)")
        // The servers answered; the login could not use what they said.
        #expect(refused.stderr.contains("the login did not complete: ") && refused.stderr.contains("oauth-authorization-server"), "\(refused.stderr)")
        #expect(!refused.stdout.contains("Saved 'nologin'"))
        #expect(TokenStore(home: HermesHome(path: dir.path), serverName: "nologin").tokens() == nil)
        #expect(try ConfigFile.load(home: HermesHome(path: dir.path)).rawServer(named: "nologin") == nil)
    }

    @Test func badInputIsRefusedWithTheReferenceMessages() async throws {
        let hermes = Build.product("hermes")
        let env = Build.environment(home: dir.path)
        let cases: [([String], String)] = [
            (["mcp", "add", "x"], "Must specify --url <endpoint>, --command <cmd>, or --preset <name>"),
            (["mcp", "add", "x", "--url", "http://127.0.0.1:9/mcp", "--env", "A=1"], "--env is only supported for stdio MCP servers"),
            (["mcp", "add", "x", "--command", "cat", "--env", "BAD-NAME=1"], "Invalid --env variable name 'BAD-NAME'"),
            (["mcp", "add", "x", "--command", "cat", "--env", "NOVALUE"], "Invalid --env value 'NOVALUE' (expected KEY=VALUE)"),
            (["mcp", "add", "x", "--preset", "nope"], "Unknown MCP preset: nope"),
        ]
        for (args, message) in cases {
            let result = try await run(hermes, args, environment: env)
            // No transport at all is a usage error; the rest are bad values.
            #expect(result.status == (args.count == 3 ? 64 : 1), "\(args)")
            #expect((result.stdout + result.stderr).contains(message), "\(args): \(result.stdout)\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }
}
