import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Item 9 of issue 13: a login on a real terminal (tmux, 60 columns where wrapping matters), as
/// a person sees it: the pasted address stays readable, `skip` is announced with the prompt, no
/// spinner is left behind, Ctrl-C is answered, and `add` logs in like `login` does.
@Suite(.timeLimit(.minutes(3))) struct LoginTerminalCLITests {
    let dir = TemporaryDirectory("hermes-login-tty")
    var home: String { dir.path }
    var hermes: String { Build.product("hermes") }
    static let spinnerFrames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

    func configure(_ peer: OAuthPeer) throws {
        try dir.write("config.yaml", "mcp_servers:\n  demo:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
    }

    func environment(browserMode: String? = nil, extra: [String: String] = [:]) -> [String: String] {
        var env = Build.environment(home: home, extra: Peers.browser(record: dir.file("browser.log"), mode: browserMode))
        for (k, v) in extra { env[k] = v }
        return env
    }

    func piped(_ args: [String], env: [String: String]) async throws -> ProgramResult {
        try await run(hermes, args, environment: env, input: "")
    }

    /// The authorization URL the stand-in browser was handed, once it has been.
    func authorizationURL(timeout: Double = 30) async throws -> String? {
        var url: String?
        try await waitUntil(timeout: timeout, poll: 0.1) {
            url = (try? String(contentsOfFile: dir.file("browser.log"), encoding: .utf8))?
                .split(separator: "\n").first.map(String.init)
            return url != nil
        }
        return url
    }

    /// Where the authorization server sends the browser: the address a person would copy.
    func redirect(of url: String) async throws -> String {
        let script = """
            import sys, urllib.request, urllib.error
            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a, **k): return None
            try:
                urllib.request.build_opener(NoRedirect).open(sys.argv[1], timeout=20)
            except urllib.error.HTTPError as e:
                print(e.headers.get("Location", ""))
            """
        return try await run(try Peers.python, ["-c", script, url]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The screen with its rows joined, so a line wrapped at the window's edge reads whole again.
    func joined(_ screen: String) -> String { screen.replacingOccurrences(of: "\n", with: "") }

    @Test func aWrappedPasteIsNeverDrawnOverAndNoSpinnerIsLeft() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        let tmux = try TmuxSession("\(hermes) mcp login demo", columns: 60, rows: 40, environment: environment(browserMode: "print"), directory: home)
        defer { tmux.kill() }
        let prompt = await tmux.waitFor("type skip to cancel the login:")
        #expect(prompt.found, "skip is announced with the prompt: \(prompt.screen)")
        let url = try #require(try await authorizationURL())
        let address = try await redirect(of: url)
        #expect(address.count > 120, "wraps over several 60-column rows: \(address)")
        try tmux.send(address)
        // Watched for a while: a spinner redraw would land on the wrapped rows within 100 ms.
        let watchUntil = Date().addingTimeInterval(2)
        var intact = true
        var last = ""
        repeat {
            last = tmux.screen()
            if !joined(last).contains(address) { intact = false; break }
            try await Task.sleep(for: .milliseconds(100))
        } while Date() < watchUntil
        #expect(intact, "the pasted address was drawn over: \(last)")
        try tmux.send("Enter")
        let done = await tmux.waitFor("Authenticated — tokens stored for 'demo'")
        #expect(done.found, "\(done.screen)")
        #expect(await tmux.waitForExit() == 0)
        let screen = tmux.screen()
        #expect(joined(screen).contains(address), "\(screen)")
        #expect(!screen.contains(where: { Self.spinnerFrames.contains($0) }), "a spinner is left on the screen: \(screen)")
    }

    @Test func theSpinnerIsGoneWhenTheBrowserCompletesTheLogin() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        let tmux = try TmuxSession("\(hermes) mcp login demo", columns: 60, rows: 40,
                                   environment: environment(extra: ["BROWSER_DELAY": "1.5"]), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("Authenticated — tokens stored for 'demo'").found)
        #expect(await tmux.waitForExit() == 0)
        let screen = tmux.screen()
        #expect(!screen.contains(where: { Self.spinnerFrames.contains($0) }), "\(screen)")
        #expect(!screen.contains("Waiting for the browser") && !screen.contains("Logging in to"), "\(screen)")
    }

    @Test func ctrlCCancelsTheLoginAndLeavesTheTokens() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        #expect(try await piped(["mcp", "login", "demo"], env: environment()).status == 0)
        let store = TokenStore(home: HermesHome(path: home), serverName: "demo")
        let before = try #require(FileManager.default.contents(atPath: store.tokensPath))
        // Ctrl-C reaches the whole foreground group: the shell around hermes only notes it, so it
        // lives to record hermes's exit status.
        let tmux = try TmuxSession("trap true INT; \(hermes) mcp login demo", columns: 60, rows: 40,
                                   environment: environment(browserMode: "print"), directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("type skip to cancel the login:").found)
        try tmux.send("C-c")
        let cancelled = await tmux.waitFor("Login cancelled — nothing was changed")
        #expect(cancelled.found, "\(cancelled.screen)")
        #expect(await tmux.waitForExit() == 130)
        #expect(!tmux.screen().contains(where: { Self.spinnerFrames.contains($0) }))
        #expect(FileManager.default.contents(atPath: store.tokensPath) == before)
    }

    @Test func addSaysAuthenticatedAfterItsLogin() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let result = try await piped(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--all-tools"], env: environment())
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✓ Authenticated — tokens stored for 'demo'"))
        #expect(result.stdout.contains("Saved 'demo'"))
    }

    @Test func addTakesTheLoginTimeout() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let start = Date()
        let result = try await piped(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--timeout", "1"], env: environment(browserMode: "print"))
        #expect(result.status == 1)
        #expect((result.stdout + result.stderr).contains("no authorization response arrived within 1 s"), "\(result.stdout)\(result.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    @Test func aBrowserThatCannotBeStartedIsNamedAndTheURLStillShown() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        try dir.write("not-a-program", "#!/bin/sh\n", mode: 0o644)
        for (browser, why) in [(dir.file("not-a-program"), "which is not executable"), (dir.file("missing"), "which does not exist")] {
            let result = try await piped(["mcp", "login", "demo", "--timeout", "1"], env: environment(extra: ["BROWSER": browser]))
            #expect(result.status == 1)
            #expect(result.stderr.contains("(Could not open a browser: $BROWSER names \(browser), \(why). Open the URL above manually.)"), "\(result.stderr)")
            #expect(result.stderr.contains("/authorize?response_type=code&client_id="))
        }
    }
}
