import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Item 7 of issue 13: nothing left behind. The header key an `add` wrote for a server it did not
/// save, the key of a removed server, the tokens of an `add` that saved nothing: each goes (or the
/// person is asked), and what was there before is never touched.
@Suite(.timeLimit(.minutes(3))) struct LeftoversCLITests {
    let dir = TemporaryDirectory("hermes-leftovers")
    var home: String { dir.path }

    @discardableResult
    func hermes(_ args: [String], input: String? = nil, env: [String: String] = [:]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: env), input: input)
    }

    func envFile() -> String { (try? String(contentsOfFile: dir.file(".env"), encoding: .utf8)) ?? "" }

    static let dotenv = """
        # keys for hermes-agent
        OPENROUTER_API_KEY=sk-or-kept
        export OTHER="two words" # comment kept

        """

    @Test func dotEnvRemoveKeepsEveryOtherLine() throws {
        try dir.write(".env", Self.dotenv + "MCP_X_API_KEY=\"gone\"\n# trailing comment\n")
        #expect(try DotEnv.remove(path: dir.file(".env"), key: "MCP_X_API_KEY"))
        #expect(envFile() == Self.dotenv + "# trailing comment\n")
        #expect(try DotEnv.remove(path: dir.file(".env"), key: "MCP_X_API_KEY") == false)
        #expect(try DotEnv.remove(path: dir.file("missing.env"), key: "MCP_X_API_KEY") == false)
    }

    /// The key is typed at the hidden prompt (only a terminal has one), the server cannot be
    /// reached, the person declines to save it: the key goes, the rest of `.env` stays.
    @Test func theHeaderKeyOfAnAddThatSavedNothingIsRemoved() async throws {
        try dir.write(".env", Self.dotenv)
        let hermes = Build.product("hermes")
        let tmux = try TmuxSession("\(hermes) mcp add down --url http://127.0.0.1:9/mcp --auth header", columns: 100, rows: 30,
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("API key / Bearer token:").found)
        try tmux.send("secret-typed-here", "Enter")
        let saved = await tmux.waitFor("Save config anyway")
        #expect(saved.found, "\(saved.screen)")
        #expect(envFile().contains("MCP_DOWN_API_KEY"), "written before connecting")
        try tmux.send("n", "Enter")
        let status = await tmux.waitForExit()
        #expect(status == 1)
        let screen = tmux.screen()
        #expect(screen.contains("Removed MCP_DOWN_API_KEY from"), "\(screen)")
        #expect(envFile() == Self.dotenv)
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames.isEmpty)
    }

    /// A header server that answers: the OAuth peer takes one of its access tokens as the key.
    func keyedAdd(_ peer: OAuthPeer) async throws -> (TmuxSession, key: String) {
        try dir.write("config.yaml", "mcp_servers:\n  dyn:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
        #expect(try await hermes(["mcp", "login", "dyn"], env: Peers.browser()).status == 0)
        let key = try #require(TokenStore(home: HermesHome(path: home), serverName: "dyn").tokens()).accessToken
        try dir.write(".env", Self.dotenv)
        // The shell around hermes outlives a Ctrl-C to report hermes's exit status.
        let tmux = try TmuxSession("trap true INT; \(Build.product("hermes")) mcp add hdr --url \(peer.mcpURL) --auth header",
                                   environment: Build.environment(home: home), directory: home)
        #expect(await tmux.waitFor("API key / Bearer token:").found)
        try tmux.send(key, "Enter")
        let asked = await tmux.waitFor("[Y/n/select]:")
        #expect(asked.found, "\(asked.screen)")
        #expect(envFile().contains("MCP_HDR_API_KEY"))
        return (tmux, key)
    }

    @Test func theHeaderKeyGoesWhenTheToolQuestionIsAnsweredNo() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let (tmux, _) = try await keyedAdd(peer)
        defer { tmux.kill() }
        try tmux.send("n", "Enter")
        #expect(await tmux.waitForExit() == 1)
        #expect(tmux.screen().contains("Removed MCP_HDR_API_KEY from"), "\(tmux.screen())")
        #expect(envFile() == Self.dotenv)
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames == ["dyn"])
    }

    @Test func theHeaderKeyGoesWhenTheAddIsInterrupted() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let (tmux, _) = try await keyedAdd(peer)
        defer { tmux.kill() }
        try tmux.send("C-c")
        #expect(await tmux.waitForExit() == 130)
        let screen = tmux.screen()
        #expect(screen.contains("Cancelled — 'hdr' was not saved.") && screen.contains("Removed MCP_HDR_API_KEY from"), "\(screen)")
        #expect(envFile() == Self.dotenv)
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames == ["dyn"])
    }

    @Test func ctrlCAtTheHiddenKeyPromptGivesTheTerminalItsEchoBack() async throws {
        try dir.write(".env", Self.dotenv)
        let tmux = try TmuxSession("trap true INT; \(Build.product("hermes")) mcp add down --url http://127.0.0.1:9/mcp --auth header; stty -a | tr ' ' '\\n' | grep -x -- '-*echo' | sed 's/^/stty:/'",
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("API key / Bearer token:").found)
        try tmux.send("C-c")
        let after = await tmux.waitFor("stty:")
        #expect(after.screen.contains("Cancelled — nothing was saved."), "\(after.screen)")
        #expect(after.screen.contains("stty:echo") && !after.screen.contains("stty:-echo"), "\(after.screen)")
        #expect(envFile() == Self.dotenv)
    }

    @Test func aKeyThatWasThereBeforeTheAddStays() async throws {
        try dir.write(".env", Self.dotenv + "MCP_DOWN_API_KEY=\"was-here\"\n")
        let result = try await hermes(["mcp", "add", "down", "--url", "http://127.0.0.1:9/mcp", "--auth", "header"], input: "")
        #expect(result.status == 1)
        #expect(result.stdout.contains("MCP_DOWN_API_KEY: already configured"))
        #expect(!result.stdout.contains("Removed MCP_DOWN_API_KEY"))
        #expect(envFile() == Self.dotenv + "MCP_DOWN_API_KEY=\"was-here\"\n")
    }

    static let headerConfig = """
        mcp_servers:
          secret:
            url: http://127.0.0.1:9/mcp
            headers: {Authorization: "Bearer ${MCP_SECRET_API_KEY}"}
          plain:
            url: http://127.0.0.1:9/other
        """

    @Test func removeOfAHeaderServerRemovesItsKey() async throws {
        try dir.write("config.yaml", Self.headerConfig)
        try dir.write(".env", Self.dotenv + "MCP_SECRET_API_KEY=\"abc\"\n")
        let result = try await hermes(["mcp", "remove", "secret", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✓ Removed 'secret' from config"))
        #expect(result.stdout.contains("✓ Removed MCP_SECRET_API_KEY from"), "\(result.stdout)")
        #expect(envFile() == Self.dotenv)
    }

    @Test func aKeyStillUsedElsewhereOrNotConfirmedStays() async throws {
        try dir.write("config.yaml", Self.headerConfig + "\n    headers: {X-Key: \"${MCP_SECRET_API_KEY}\"}\n")
        try dir.write(".env", Self.dotenv + "MCP_SECRET_API_KEY=\"abc\"\n")
        let shared = try await hermes(["mcp", "remove", "secret", "--yes"])
        #expect(shared.status == 0)
        #expect(!shared.stdout.contains("MCP_SECRET_API_KEY"), "\(shared.stdout)")
        #expect(envFile().contains("MCP_SECRET_API_KEY"))

        // A piped "y" answers the removal, not a question about the key it never heard.
        try dir.write("config.yaml", Self.headerConfig)
        let piped = try await hermes(["mcp", "remove", "secret"], input: "y\n")
        #expect(piped.status == 0)
        #expect(piped.stdout.contains("Kept MCP_SECRET_API_KEY in") && piped.stdout.contains("pass --yes"), "\(piped.stdout)")
        #expect(envFile().contains("MCP_SECRET_API_KEY"))
    }

    @Test func removeAsksAboutTheKeyOnATerminal() async throws {
        try dir.write("config.yaml", Self.headerConfig)
        try dir.write(".env", Self.dotenv + "MCP_SECRET_API_KEY=\"abc\"\n")
        let tmux = try TmuxSession("\(Build.product("hermes")) mcp remove secret", environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("Remove server 'secret'? [Y/n]").found)
        try tmux.send("y", "Enter")
        let asked = await tmux.waitFor("Also remove MCP_SECRET_API_KEY from")
        #expect(asked.found, "\(asked.screen)")
        try tmux.send("Enter")
        #expect(await tmux.waitForExit() == 0)
        #expect(tmux.screen().contains("✓ Removed MCP_SECRET_API_KEY from"))
        #expect(envFile() == Self.dotenv)
    }

    /// The login worked, then the add stopped (here: a tool it does not offer): its tokens go.
    @Test func theTokensOfAnAddThatSavedNothingAreRemoved() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let store = TokenStore(home: HermesHome(path: home), serverName: "demo")
        let result = try await hermes(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--tools", "no_such_tool"],
                                env: Peers.browser())
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✓ Authenticated"))
        #expect(result.stderr.contains("unknown tool(s): no_such_tool"))
        #expect(result.stdout.contains("Removed the OAuth tokens this login stored for 'demo' (the server was not saved)."), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: store.tokensPath))
        #expect(!FileManager.default.fileExists(atPath: store.clientPath))
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames.isEmpty)
    }

    @Test func tokensThatWereThereBeforeTheAddStay() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try dir.write("config.yaml", "mcp_servers:\n  demo:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
        #expect(try await hermes(["mcp", "login", "demo"], env: Peers.browser()).status == 0)
        let store = TokenStore(home: HermesHome(path: home), serverName: "demo")
        let before = FileManager.default.contents(atPath: store.tokensPath)
        let result = try await hermes(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--tools", "no_such_tool", "--yes"],
                                env: Peers.browser())
        #expect(result.status == 1)
        #expect(!result.stdout.contains("Removed the OAuth tokens"))
        #expect(FileManager.default.contents(atPath: store.tokensPath) == before)
    }
}
