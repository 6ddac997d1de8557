import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// The checklist, prompts and spinner on real terminals: tmux (as people run hermes over ssh) and
/// a bare pseudo-terminal fed the raw bytes terminals send. The server is the Python SDK stdio
/// peer, with 15 tools (one with a hostile description) so the list must scroll.
@Suite(.timeLimit(.minutes(3))) struct ChecklistCLITests {
    let dir = TemporaryDirectory("hermes-checklist")
    var home: String { dir.path }

    func writeConfig(extraTools: Int = 12, tools: String = "") throws {
        try dir.write("config.yaml", """
            # hermes-agent style file with keys hermes must not lose
            model:
              default: anthropic/claude-sonnet
              provider: openrouter
            toolsets: [web, terminal]
            mcp_servers:
              local:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
                env: {PEER_EXTRA_TOOLS: "\(extraTools)"}
                timeout: 90
            \(tools)
              other:
                url: https://mcp.example.com/mcp
                enabled: false
            display:
              compact: true
            """)
    }

    func config() throws -> ConfigFile { try ConfigFile.load(path: dir.file("config.yaml")) }
    var hermes: String { Build.product("hermes") }
    var env: [String: String] { Build.environment(home: home) }

    @Test func configureInTmuxScrollsTogglesAndKeepsEveryOtherKey() async throws {
        try writeConfig(tools: """
                tools:
                  resources: false
                  prompts: false
                  exclude: [add]
            """)
        let tmux = try TmuxSession("\(hermes) mcp configure local", columns: 90, rows: 12, environment: env, directory: home)
        defer { tmux.kill() }
        let opened = await tmux.waitFor("Select tools for 'local'")
        #expect(opened.found, "\(opened.screen)")
        #expect(opened.screen.contains("14/15 selected"), "\(opened.screen)")
        #expect(opened.screen.contains("(1–7 of 15)"), "a 12-row window shows 7 rows: \(opened.screen)")
        try tmux.send("Down", "Space")                       // add: on
        try tmux.send("Down", "Down")                        // extra_00, whose description is hostile
        let hostile = await tmux.waitFor("15/15 selected")
        #expect(hostile.screen.contains("Select tools for 'local'"), "the description must not clear the screen: \(hostile.screen)")
        #expect(hostile.screen.contains(#"Looks harmless\u{1B}]0;pwned\u{7}\u{1B}[2J second line"#), "\(hostile.screen)")
        try tmux.send("End", "Space")                        // extra_11: off
        let scrolled = await tmux.waitFor("14/15 selected")
        #expect(scrolled.screen.contains("› [ ] extra_11"), "\(scrolled.screen)")
        #expect(scrolled.screen.contains("(9–15 of 15)"), "\(scrolled.screen)")
        try tmux.send("Enter")
        #expect(await tmux.waitForExit() == 0, "\(tmux.screen())")
        #expect(tmux.screen().contains("Updated config: 14/15 tools enabled"), "\(tmux.screen())")

        let file = try config()
        let local = try #require(file.rawServer(named: "local"))
        let include = try #require(local["tools"]?["include"]?.stringList)
        #expect(include.count == 14 && include.contains("add") && !include.contains("extra_11"))
        #expect(local["tools"]?["exclude"] == nil)
        #expect(local["tools"]?["resources"]?.text == "false" && local["tools"]?["prompts"]?.text == "false")
        #expect(local["timeout"]?.text == "90" && local["env"]?["PEER_EXTRA_TOOLS"]?.text == "12")
        let text = try String(contentsOfFile: dir.file("config.yaml"), encoding: .utf8)
        for key in ["default: anthropic/claude-sonnet", "provider: openrouter", "- terminal", "compact: true", "url: https://mcp.example.com/mcp"] {
            #expect(text.contains(key), "lost \(key): \(text)")
        }
    }

    @Test func escapeInTmuxCancelsAndTouchesNothing() async throws {
        try writeConfig(extraTools: 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("config.yaml")))
        let tmux = try TmuxSession("\(hermes) mcp configure local", environment: env, directory: home)
        defer { tmux.kill() }
        #expect(await tmux.waitFor("3/3 selected").found, "\(tmux.screen())")
        try tmux.send("Space", "Escape")
        #expect(await tmux.waitForExit() == 0)
        #expect(tmux.screen().contains("Cancelled — no changes made."), "\(tmux.screen())")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("config.yaml"))) == before)
        // The terminal is back in normal mode: the shell after hermes reads a typed line.
        let echo = try TmuxSession("\(hermes) mcp configure local; read line; echo \"got:$line\"", environment: env, directory: home)
        defer { echo.kill() }
        #expect(await echo.waitFor("3/3 selected").found)
        try echo.send("q")
        #expect(await echo.waitFor("Cancelled").found)
        try echo.send("typed", "Enter")
        #expect(await echo.waitFor("got:typed").found, "\(echo.screen())")
    }

    @Test func addSelectWithTheRawBytesOfBothArrowModes() async throws {
        try writeConfig(extraTools: 0)
        // Start: all three on, cursor on echo. SS3 down → add, toggle off; CSI down → crash, off.
        let script = """
            [{"expect": "[Y/n/select]"}, {"send": "s\\r"},
             {"expect": "3/3 selected"}, {"send": "\\u001bOB "}, {"expect": "2/3 selected"},
             {"send": "\\u001b[B "}, {"expect": "1/3 selected"}, {"send": "\\r"},
             {"expect": "tools enabled)"}]
            """
        let command = "\(hermes) mcp add picked --command \(try Peers.python) --args \(Peers.script("plain_stdio_server.py"))"
        let result = try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command], environment: env)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("Saved 'picked' to"), "\(result.stdout)")
        #expect(result.stdout.contains("(1/3 tools enabled)"))
        #expect(try config().rawServer(named: "picked")?["tools"]?["include"]?.stringList == ["echo"])
    }

    @Test func configureWithoutATerminalNeedsAChoiceOnTheCommandLine() async throws {
        try writeConfig(extraTools: 0, tools: """
                tools:
                  prompts: false
            """)
        let refused = try await run(hermes, ["mcp", "configure", "local"], environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("requires an interactive terminal"))
        let some = try await run(hermes, ["mcp", "config", "local", "--tools", "echo,crash"], environment: env)
        #expect(some.status == 0, "\(some.stderr)")
        #expect(some.stdout.contains("Updated config: 2/3 tools enabled"))
        #expect(try config().rawServer(named: "local")?["tools"]?["include"]?.stringList == ["echo", "crash"])
        let unknown = try await run(hermes, ["mcp", "configure", "local", "--tools", "nope"], environment: env)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown tool(s): nope"))
        let all = try await run(hermes, ["mcp", "configure", "local", "--all-tools"], environment: env)
        #expect(all.status == 0 && all.stdout.contains("3/3 tools enabled"))
        let tools = try config().rawServer(named: "local")?["tools"]
        #expect(tools?["include"] == nil && tools?["prompts"]?.text == "false")
        let again = try await run(hermes, ["mcp", "configure", "local", "--all-tools"], environment: env)
        #expect(again.stdout.contains("No changes made."))
        // Output into a pipe: no spinner frames, no escape sequences.
        #expect(!(some.stdout + some.stderr).contains("\u{1B}"))
    }

    @Test func theSpinnerStaysOffTheInputLineWhileThePasteIsRead() async throws {
        let peer = try await OAuthPeer()
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
            """)
        var environment = env
        for (k, v) in Peers.browser(record: dir.file("browser.log")) { environment[k] = v }
        environment["BROWSER_DELAY"] = "2.5"
        let script = """
            [{"expect": "type skip to cancel the login:"}, {"expect": "Authenticated"}]
            """
        let command = "\(hermes) mcp login demo"
        let result = try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command], environment: environment)
        #expect(result.status == 0, "\(result.stdout)")
        // While the paste is read nothing is drawn: a paste wrapped over several rows leaves the
        // cursor where no relative move could find the line above it (LoginTerminalCLITests).
        let waiting = try #require(result.stdout.range(of: "type skip to cancel the login:"))
        let during = result.stdout[waiting.upperBound...].prefix { $0 != "✓" }
        #expect(!during.contains("\u{1B}7") && !during.contains("\u{1B}[1A"), "\(during)")
        #expect(result.stdout.contains("✓ Authenticated — tokens stored for 'demo'"))
    }

    @Test func bareMCPShowsTheTableAndTheCommands() async throws {
        try writeConfig(extraTools: 0)
        let result = try await run(hermes, ["mcp"], environment: env)
        #expect(result.status == 0)
        #expect(result.stdout.contains("  MCP Servers:"))
        #expect(result.stdout.contains("  Commands:"))
        #expect(result.stdout.contains("hermes mcp configure <name>") && result.stdout.contains("Toggle tools"))
    }
}

/// README's first command, run as written (with the test build's binary instead of a release
/// build): it must finish, and the call after the external refresh must carry the new token.
@Suite(.timeLimit(.minutes(3))) struct DemoScriptTests {
    @Test func theDemoRunsAndTheNextCallUsesTheExternallyRefreshedToken() async throws {
        let result = try await run("/bin/bash", [Build.packageRoot + "/scripts/demo.sh"],
                             environment: ProcessInfo.processInfo.environment.merging(["HERMES_BIN": Build.product("hermes"), "NO_COLOR": "1"]) { $1 },
                             timeout: 150)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let out = result.stdout
        let refreshed = try #require(out.split(separator: "\n").first { $0.hasPrefix("refreshed 'demo' outside hermes") }, "\(out)")
        let newToken = try #require(refreshed.split(separator: " ").last.map(String.init))
        let seen = out.split(separator: "\n").filter { $0.hasPrefix("the server saw the last MCP request") }
        #expect(seen.count == 2)
        #expect(seen.last?.hasSuffix(newToken) == true, "\(seen)")
        #expect(seen.first?.hasSuffix(newToken) == false)
        #expect(out.contains(" updated  \(newToken)"), "status --watch saw the change")
        #expect(out.contains("(2/2 tools enabled)") && out.contains("{\"result\": \"42\"}"))
        #expect(out.contains("\"needs_reauth\": true"), "after logout")
    }
}
