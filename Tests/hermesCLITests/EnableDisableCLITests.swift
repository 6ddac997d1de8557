import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Item 5 of issue 13: a disabled server is not a dead end. `enable`/`disable` flip it, the
/// commands that work on a disabled server say it is still off, and `call` shows what the agent
/// would get (nothing from a disabled server or a filtered-out tool) unless forced.
@Suite(.timeLimit(.minutes(3))) struct EnableDisableCLITests {
    let dir = TemporaryDirectory("hermes-enable")
    var home: String { dir.path }

    @discardableResult
    func hermes(_ args: [String], input: String? = nil, env: [String: String] = [:]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: env), input: input)
    }

    func config() throws -> String { try String(contentsOfFile: dir.file("config.yaml"), encoding: .utf8) }

    func localServer(_ extra: String = "") throws -> String {
        """
          local:
            command: \(try Peers.python)
            args: [\(Peers.script("plain_stdio_server.py"))]
        \(extra)
        """
    }

    @Test func enableAndDisableFlipOnlyTheEnabledKey() async throws {
        try dir.write("config.yaml", """
            model: anthropic/claude-sonnet
            mcp_servers:
              fs:
                command: npx
                args: [-y, "@modelcontextprotocol/server-filesystem"]
                enabled: false
                tools: {exclude: [write_file]}
                timeout: 90
              time:
                command: uvx
                args: [mcp-server-time]
            toolsets: [web]
            """)
        let enable = try await hermes(["mcp", "enable", "fs"])
        #expect(enable.status == 0, "\(enable.stdout)\(enable.stderr)")
        #expect(enable.stdout.contains("✓ Enabled 'fs'"))
        var file = try ConfigFile.load(home: HermesHome(path: home))
        #expect(file.server(named: "fs", environment: [:])?.enabled == true)
        let fs = try #require(file.rawServer(named: "fs")?.pairs)
        #expect(fs.map(\.key) == ["command", "args", "enabled", "tools", "timeout"], "the key stays where it was")
        #expect(file.rawServer(named: "fs")?["tools"]?["exclude"]?.stringList == ["write_file"])

        let disable = try await hermes(["mcp", "disable", "time"])
        #expect(disable.status == 0)
        #expect(disable.stdout.contains("✓ Disabled 'time'") && disable.stdout.contains("hermes mcp enable time"))
        file = try ConfigFile.load(home: HermesHome(path: home))
        #expect(file.server(named: "time", environment: [:])?.enabled == false)
        #expect(file.rawServer(named: "time")?.pairs?.map(\.key) == ["command", "args", "enabled"])
        let text = try config()
        #expect(text.contains("model: anthropic/claude-sonnet") && text.contains("toolsets:"))

        let again = try await hermes(["mcp", "enable", "fs"])
        #expect(again.status == 0 && again.stdout.contains("'fs' is already enabled; nothing changed."))
        let againOff = try await hermes(["mcp", "disable", "time"])
        #expect(againOff.status == 0 && againOff.stdout.contains("'time' is already disabled; nothing changed."))
        #expect(try config() == text, "nothing to do writes nothing")

        let unknown = try await hermes(["mcp", "enable", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Server 'nope' not found in ") && unknown.stderr.contains("(available: fs, time)"), "\(unknown.stderr)")
        #expect(try config() == text)
    }

    @Test func addYesOfAnUnreachableServerSaysHowToEnableIt() async throws {
        let result = try await hermes(["mcp", "add", "down", "--url", "http://127.0.0.1:9/mcp", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Saved 'down' to config (disabled)"))
        #expect(result.stdout.contains("hermes mcp test down"))
        #expect(result.stdout.contains("turn it on: hermes mcp enable down"), "\(result.stdout)")
    }

    @Test func testAndLoginOfADisabledServerSayItIsStillDisabled() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try dir.write("config.yaml", """
            mcp_servers:
            \(try localServer("    enabled: false"))
              demo:
                url: \(peer.mcpURL)
                auth: oauth
                enabled: false
            """)
        let test = try await hermes(["mcp", "test", "local"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("'local' is still disabled: the agent does not use it. Enable it with: hermes mcp enable local"), "\(test.stdout)")
        let login = try await hermes(["mcp", "login", "demo"], env: Peers.browser())
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        #expect(login.stdout.contains("✓ Authenticated — tokens stored for 'demo'"))
        #expect(login.stdout.contains("'demo' is still disabled"), "\(login.stdout)")

        try await hermes(["mcp", "enable", "local"])
        let enabled = try await hermes(["mcp", "test", "local"])
        #expect(enabled.status == 0 && !enabled.stdout.contains("still disabled"))
    }

    /// A server whose command would leave a file behind if hermes ever started it.
    func tracingServer(_ extra: String) throws -> String {
        """
            mcp_servers:
              traced:
                command: /bin/sh
                args: [-c, "touch \(dir.file("started"))"]
            \(extra)
            \(try localServer())
            """
    }

    @Test func callRefusesADisabledServerWithoutConnecting() async throws {
        try dir.write("config.yaml", try tracingServer("    enabled: false"))
        let result = try await hermes(["mcp", "call", "traced", "echo", #"{"text":"hi"}"#])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'traced' is disabled in config.yaml, so the agent does not connect to it. Enable it with `hermes mcp enable traced`, or pass --force"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.file("started")), "no connection was tried")
    }

    @Test func callRefusesAToolTheAgentDoesNotGetUnlessForced() async throws {
        try dir.write("config.yaml", """
            mcp_servers:
            \(try localServer("    tools:\n      include: [add]"))
              traced:
                command: /bin/sh
                args: [-c, "touch \(dir.file("started"))"]
                tools: {exclude: [echo]}
            """)
        let included = try await hermes(["mcp", "call", "local", "echo", #"{"text":"hi"}"#])
        #expect(included.status == 1)
        #expect(included.stderr.contains("the agent does not get tool 'echo': tools.include of 'local' does not list it (it lists: add)"), "\(included.stderr)")
        #expect(included.stderr.contains("pass --force"))
        let excluded = try await hermes(["mcp", "call", "traced", "echo"])
        #expect(excluded.status == 1)
        #expect(excluded.stderr.contains("tools.exclude of 'traced' lists it"), "\(excluded.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("started")))

        let allowed = try await hermes(["mcp", "call", "local", "add", #"{"a":2,"b":3}"#])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        let forced = try await hermes(["mcp", "call", "local", "echo", #"{"text":"hi"}"#, "--force"])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(forced.stdout.contains("hi"))
    }

    @Test func forceCallsADisabledServer() async throws {
        try dir.write("config.yaml", "mcp_servers:\n" + (try localServer("    enabled: false")))
        let forced = try await hermes(["mcp", "call", "local", "echo", #"{"text":"forced"}"#, "--force"])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(forced.stdout.contains("forced"))
    }
}
