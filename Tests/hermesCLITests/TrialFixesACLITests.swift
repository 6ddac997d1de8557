import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// What a new-user trial of the issue-13 CLI still found: a header key written into config.yaml,
/// a mask that showed the scheme and hid nothing of a short key, an invalid entry's secret shown
/// whole by `list --json`, advice commands that a shell splits, messages printed twice or with the
/// wrong code, a `[y/N]` that took "maybe" as no, an empty `.env` left behind, Ctrl-C leaving the
/// prompt or spinner line under the shell's prompt, a warning that contradicted `✗ invalid`.
@Suite(.timeLimit(.minutes(4))) struct TrialFixesACLITests {
    let dir = TemporaryDirectory("hermes-trial-a")
    var home: String { dir.path }

    @discardableResult
    func hermes(_ args: [String], input: String? = nil) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home), input: input)
    }

    func text(_ file: String) -> String? { try? String(contentsOfFile: dir.file(file), encoding: .utf8) }

    // MARK: 1. A key given with --header stays out of config.yaml

    @Test func anAuthorizationHeaderKeyGoesToDotEnvNotConfig() async throws {
        let add = try await hermes(["mcp", "add", "st", "--url", "http://127.0.0.1:9/mcp", "--auth", "header",
                              "--header", "Authorization=Bearer sk-secret123", "--connect-timeout", "1", "--yes"])
        #expect(add.status == 0, "\(add.stdout)\(add.stderr)")
        let config = try #require(text("config.yaml"))
        #expect(!config.contains("sk-secret123"), "\(config)")
        #expect(config.contains("Authorization: Bearer ${MCP_ST_API_KEY}"), "\(config)")
        #expect(text(".env") == "MCP_ST_API_KEY=\"sk-secret123\"\n")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file(".env"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!add.stdout.contains("sk-secret123") && !add.stderr.contains("sk-secret123"))
    }

    /// A server that takes the key: the probe reads it back from .env, the entry is saved with
    /// the reference, the key itself only in .env.
    @Test func anAuthorizationHeaderKeyFromDotEnvAuthenticatesTheProbe() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try dir.write("config.yaml", "mcp_servers:\n  dyn:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
        let login = try await run(Build.product("hermes"), ["mcp", "login", "dyn"], environment: Build.environment(home: home, extra: Peers.browser()))
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        let key = try #require(TokenStore(home: HermesHome(path: home), serverName: "dyn").tokens()).accessToken
        let add = try await hermes(["mcp", "add", "hdr", "--url", peer.mcpURL, "--auth", "header", "--header", "Authorization=Bearer \(key)", "--all-tools"],
                             input: "")
        #expect(add.status == 0, "\(add.stdout)\(add.stderr)")
        #expect(add.stdout.contains("Saved 'hdr'"), "\(add.stdout)")
        let config = try #require(text("config.yaml"))
        #expect(!config.contains(key) && config.contains("Bearer ${MCP_HDR_API_KEY}"), "\(config)")
        #expect(text(".env")?.contains(key) == true)
    }

    /// Not saved (no terminal, no --yes): the key goes again, and the `.env` this add made with it.
    @Test func aHeaderKeyOfAnAddThatSavedNothingLeavesNoDotEnv() async throws {
        let add = try await hermes(["mcp", "add", "st", "--url", "http://127.0.0.1:9/mcp", "--auth", "header",
                              "--header", "Authorization=Bearer sk-secret123", "--connect-timeout", "1"], input: "")
        #expect(add.status == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file(".env")), "\(text(".env") ?? "")")
        #expect(text("config.yaml")?.contains("sk-secret123") != true)

        // A key that was there before is put back, not lost.
        try dir.write(".env", "MCP_ST_API_KEY=\"old-key\"\n")
        let again = try await hermes(["mcp", "add", "st", "--url", "http://127.0.0.1:9/mcp", "--auth", "header",
                                "--header", "Authorization=Bearer sk-secret123", "--connect-timeout", "1"], input: "")
        #expect(again.status == 1)
        #expect(text(".env") == "MCP_ST_API_KEY=\"old-key\"\n")
    }

    @Test func withoutATerminalTheAdviceKeepsTheKeyOutOfConfig() async throws {
        let add = try await hermes(["mcp", "add", "st", "--url", "http://127.0.0.1:9/mcp", "--auth", "header"], input: "")
        #expect(add.status == 1)
        #expect(add.stderr.contains("MCP_ST_API_KEY=<key>") && add.stderr.contains("/.env first"), "\(add.stderr)")
        #expect(!add.stderr.contains("--header Authorization"), "\(add.stderr)")
    }

    // MARK: 2. test masks the credential, not the scheme

    @Test func testMasksTheCredentialAfterTheScheme() async throws {
        try dir.write("config.yaml", """
            mcp_servers:
              short:
                url: http://127.0.0.1:9/mcp
                connect_timeout: 1
                headers: {Authorization: "Bearer ${MCP_SHORT_API_KEY}"}
              long:
                url: http://127.0.0.1:9/mcp
                connect_timeout: 1
                headers: {Authorization: "Bearer ${MCP_LONG_API_KEY}", X-Api-Key: "${MCP_LONG_API_KEY}"}
            """)
        try dir.write(".env", "MCP_SHORT_API_KEY=abc\nMCP_LONG_API_KEY=abcd0123456789wxyz\n")
        let short = try await hermes(["mcp", "test", "short"])
        #expect(short.stdout.contains("Authorization: Bearer ***\n"), "\(short.stdout)")
        #expect(!short.stdout.contains("abc"))
        let long = try await hermes(["mcp", "test", "long"])
        #expect(long.stdout.contains("Authorization: Bearer abcd…wxyz\n"), "\(long.stdout)")
        #expect(long.stdout.contains("X-Api-Key: abcd…wxyz\n"), "\(long.stdout)")
        #expect(!long.stdout.contains("0123456789"))
    }

    // MARK: 3. list cuts an invalid entry's values like its problem text

    @Test func listCutsTheValuesOfAnInvalidEntry() async throws {
        let secret = "sk-abcdefghijklmnop123456"
        try dir.write("config.yaml", "mcp_servers:\n  bad:\n    url: \(secret)\n  worse:\n    command: \(secret)\n    args: [\(secret)]\n    enabled: maybe\n")
        let table = try await hermes(["mcp", "list"])
        let json = try await hermes(["mcp", "list", "--json"])
        for out in [table.stdout, json.stdout] {
            #expect(out.contains("sk-abcdefghi…"), "\(out)")
            #expect(!out.contains("sk-abcdefghij"), "\(out)")
        }
    }

    // MARK: 4. Advice commands quote a name with a space

    @Test func adviceCommandsQuoteANameWithASpace() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  my srv:\n    url: http://127.0.0.1:9/mcp\n")
        let disable = try await hermes(["mcp", "disable", "my srv"])
        #expect(disable.stdout.contains("Turn it back on with: hermes mcp enable 'my srv'"), "\(disable.stdout)")
        let call = try await hermes(["mcp", "call", "my srv", "x"])
        #expect(call.status == 1)
        #expect(call.stderr.contains("`hermes mcp enable 'my srv'`"), "\(call.stderr)")
        let add = try await hermes(["mcp", "add", "my srv.x", "--url", "http://127.0.0.1:9/mcp", "--connect-timeout", "1", "--yes"])
        #expect(add.stdout.contains("Fix the issue, then: hermes mcp test 'my srv.x'"), "\(add.stdout)")
        #expect(add.stdout.contains("turn it on: hermes mcp enable 'my srv.x'"), "\(add.stdout)")
    }

    // MARK: 5. One message, the right code

    @Test func addWithoutATransportIsOneUsageError() async throws {
        let add = try await hermes(["mcp", "add", "x"], input: "")
        #expect(add.status == 64, "\(add.stdout)\(add.stderr)")
        #expect(add.stdout.isEmpty, "\(add.stdout)")
        #expect(add.stderr.components(separatedBy: "Must specify --url").count == 2, "\(add.stderr)")
        for form in ["--url https://mcp.example.com/mcp", "--command npx --args", "--preset codex"] {
            #expect(add.stderr.contains(form), "\(add.stderr)")
        }
        #expect(!add.stderr.contains("no transport given"))
    }

    @Test func anAddThatWouldOverwriteSaysSoOnce() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  st:\n    url: http://127.0.0.1:9/mcp\n")
        let add = try await hermes(["mcp", "add", "st", "--url", "http://127.0.0.1:9/other"], input: "")
        #expect(add.status == 1)
        #expect(add.stdout.isEmpty, "\(add.stdout)")
        #expect(add.stderr == "error: 'st' already exists (use --yes to overwrite)\n", "\(add.stderr)")
    }

    @Test func reauthWithANameAndAllIsAUsageError() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  f:\n    url: http://127.0.0.1:9/mcp\n    auth: oauth\n")
        let reauth = try await hermes(["mcp", "reauth", "f", "--all"], input: "")
        #expect(reauth.status == 64, "\(reauth.stdout)\(reauth.stderr)")
        #expect(reauth.stderr.contains("not both"), "\(reauth.stderr)")
        #expect(!reauth.stdout.contains("Starting OAuth flow"))
    }

    // MARK: 6. [y/N] asks again; no empty .env left behind

    @Test func saveAnywayAsksAgainAndLeavesNoEmptyDotEnv() async throws {
        let tmux = try TmuxSession("\(Build.product("hermes")) mcp add down --url http://127.0.0.1:9/mcp --auth header --connect-timeout 1",
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("API key / Bearer token:").found)
        try tmux.send("typed-secret", "Enter")
        #expect(await tmux.waitFor("Save config anyway").found)
        #expect(text(".env")?.contains("MCP_DOWN_API_KEY") == true)
        try tmux.send("maybe", "Enter")
        let asked = await tmux.waitFor("Please answer y or n.", timeout: 10)
        #expect(asked.found, "\(asked.screen)")
        #expect(await tmux.waitForExit(timeout: 1) == nil, "still asking")
        try tmux.send("n", "Enter")
        #expect(await tmux.waitForExit() == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file(".env")), "\(text(".env") ?? "")")
        #expect(text("config.yaml")?.contains("down") != true)
    }

    // MARK: 7. Ctrl-C leaves a clean line

    @Test func ctrlCAtTheRemovePromptSaysNothingWasRemoved() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  s:\n    url: http://127.0.0.1:9/mcp\n")
        let tmux = try TmuxSession("trap true INT; \(Build.product("hermes")) mcp remove s; echo \"rc=$?\"",
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("Remove server 's'? [Y/n]").found)
        try tmux.send("C-c")
        let after = await tmux.waitFor("rc=")
        let lines = after.screen.components(separatedBy: "\n")
        #expect(lines.contains("  Cancelled — nothing was removed."), "\(after.screen)")
        #expect(lines.contains("rc=130"), "\(after.screen)")
        #expect(text("config.yaml")?.contains("  s:") == true)
    }

    @Test func ctrlCDuringTheSpinnerClearsItsLine() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  quiet:\n    command: sleep\n    args: ['60']\n    connect_timeout: 50\n")
        let tmux = try TmuxSession("trap true INT; \(Build.product("hermes")) mcp test quiet; echo \"rc=$?\"",
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        let spinning = await tmux.waitFor("Connecting to 'quiet'… 1s")
        #expect(spinning.found, "\(spinning.screen)")
        try tmux.send("C-c")
        let after = await tmux.waitFor("rc=")
        #expect(!after.screen.contains("Connecting to 'quiet'…"), "\(after.screen)")
        #expect(after.screen.components(separatedBy: "\n").contains("rc=130"), "\(after.screen)")
    }

    // MARK: 8. ✗ invalid, and no warning that says otherwise

    @Test func anInvalidEnabledGivesNoContradictingWarning() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  f:\n    url: http://127.0.0.1:9/mcp\n    enabled: maybe\n")
        for args in [["mcp", "list"], ["mcp", "list", "--json"]] {
            let list = try await hermes(args)
            #expect(list.status == 0)
            #expect(!list.stderr.contains("is not a boolean"), "\(args): \(list.stderr)")
            #expect(list.stdout.contains("✗ invalid") || list.stdout.contains("\"enabled\" : null") || list.stdout.contains("\"enabled\": null"),
                    "\(list.stdout)")
        }
    }
}
