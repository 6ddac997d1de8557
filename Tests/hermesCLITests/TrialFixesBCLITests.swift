import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Defects a new-user trial found after issue 13: a login nobody completed reported as a server
/// that cannot be reached, an entry that says both `url:` and `command:` listed as if nothing were
/// odd, and a spinner promising more tries than the deadline leaves room for.
@Suite(.timeLimit(.minutes(3))) struct TrialFixesBCLITests {
    let dir = TemporaryDirectory("hermes-trial-b")
    var home: String { dir.path }

    func hermes(_ args: [String], env: [String: String] = [:], timeout: Double = 60) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: env), timeout: timeout)
    }

    /// `add` with a login nobody completes (no browser, no terminal to paste into): the servers
    /// answered, so it is a login that did not complete, never "cannot reach … check the url", and
    /// the next step is `login` (the entry was saved, disabled), then `enable`.
    @Test func aLoginThatTimesOutIsSaidAsSuch() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let noBrowser = ["BROWSER": "/nonexistent/b"]
        let saved = try await hermes(["mcp", "add", "d", "--url", peer.mcpURL, "--auth", "oauth", "--timeout", "2", "--yes"], env: noBrowser)
        let all = saved.stdout + saved.stderr
        #expect(saved.status == 0, "\(all)")
        #expect(saved.stdout.contains("✗ the login did not complete: no authorization response arrived within 2 s"), "\(all)")
        for wrong in ["cannot reach", "Failed to connect", "check that the server is running", "paste", "hermes mcp test d"] {
            #expect(!all.contains(wrong), "says '\(wrong)': \(all)")
        }
        #expect(saved.stdout.contains("Saved 'd' to config (disabled)"), "\(all)")
        #expect(saved.stdout.contains("Log in when you can: hermes mcp login d"), "\(all)")
        #expect(saved.stdout.contains("Once logged in, turn it on: hermes mcp enable d"), "\(all)")
        // What `add` sent the person to agrees with what `test` says next.
        let test = try await hermes(["mcp", "test", "d"])
        #expect(test.status == 1 && test.stderr.contains("'d' needs a login"), "\(test.stdout)\(test.stderr)")

        // Without --yes and without a terminal nothing is saved, and it says so once, on stderr.
        let refused = try await hermes(["mcp", "add", "e", "--url", peer.mcpURL, "--auth", "oauth", "--timeout", "1"], env: noBrowser)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("— 'e' was not saved (--yes saves it disabled)\n"), "\(refused.stderr)")
        #expect(refused.stderr.contains("error: the login did not complete: no authorization response arrived within 1 s"), "\(refused.stderr)")
        #expect(!(refused.stdout + refused.stderr).contains("cannot reach"), "\(refused.stdout)\(refused.stderr)")
    }

    /// `login` keeps saying what happened, without asking for a paste after the wait is over.
    @Test func loginSaysItsTimeoutWithoutPasteAdvice() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
            """)
        let result = try await hermes(["mcp", "login", "demo", "--timeout", "1"], env: ["BROWSER": "/nonexistent/b"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: Authentication failed: no authorization response arrived within 1 s (if the browser showed an error such as 'client not found', run `hermes mcp login demo --new-client`)\n"), "\(result.stderr)")
        #expect(!result.stderr.contains("paste the redirect"), "\(result.stderr)")
    }

    /// hermes-agent uses the url of an entry that has both and logs a warning; hermes does the
    /// same, and `list` says so with the line instead of showing it as if nothing were odd.
    @Test func anEntryWithUrlAndCommandIsUsedAsHTTPWithAWarning() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try dir.write("config.yaml", """
            mcp_servers:
              both:
                url: \(peer.mcpURL)
                command: uvx
            """)
        let list = try await hermes(["mcp", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let path = dir.file("config.yaml")
        #expect(list.stdout.contains("  ⚠ \(path):4: mcp_servers.both has both url: and command:; the url is used (HTTP) and the command is ignored: remove one of them"), "\(list.stdout)")
        #expect(list.stdout.contains("✓ enabled"), "\(list.stdout)")
    }

    /// With `connect_timeout: 4` and pauses of 1, 2, 4 s only three tries fit: the spinner never
    /// promises a fourth that the failure ("3 tries") then contradicts.
    @Test func theSpinnerPromisesOnlyTriesThatFit() async throws {
        let gone = try await PeerProcess(script: "silent_server.py", arguments: ["http"])
        let url = gone["url"]
        gone.stop()
        try dir.write("config.yaml", """
            mcp_servers:
              h:
                url: \(url)
                connect_timeout: 4
                timeout: 20
            """)
        let tmux = try TmuxSession("\(Build.product("hermes")) mcp test h", columns: 120, rows: 20,
                                   environment: Build.environment(home: home), directory: home)
        defer { tmux.kill() }
        let second = await tmux.waitFor("Connecting to 'h'… (try 2 of at most 3)", timeout: 15)
        #expect(second.found, "\(second.screen)")
        #expect(await tmux.waitForExit(timeout: 20) == 1, "\(tmux.screen())")
        let screen = tmux.screen()
        #expect(screen.contains("(3 tries)"), "\(screen)")
        #expect(!screen.contains("of 4"), "\(screen)")
    }
}
