import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import hermes

/// Every example printed by every `--help` is typed into a shell, as a person copying it would,
/// against loopback stand-ins: URLs point at the Python SDK's OAuth server, `uvx`/`npx` are shims
/// that record their arguments and run the stdio peer, `firefox` approves the login. Each example
/// must succeed, and the servers must have been started with exactly the arguments typed.
@Suite(.timeLimit(.minutes(6))) struct HelpExamplesCLITests {
    let dir = TemporaryDirectory("hermes-examples")
    var home: String { dir.path + "/home" }
    static let apiKey = "ghp-example-key-0123456789"

    /// The commands a person can ask for help on: hermes, mcp and each of mcp's subcommands.
    static var commandPaths: [[String]] {
        [[], ["mcp"]] + MCPCommand.configuration.subcommands.compactMap { $0.configuration.commandName.map { ["mcp", $0] } }
    }

    /// The indented lines after `Examples:` up to the next blank line.
    static func examples(inHelp text: String) -> [String] {
        var out: [String] = []
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "Examples:" { inside = true; continue }
            if inside {
                if trimmed.isEmpty { inside = false } else { out.append(trimmed) }
            }
        }
        return out
    }

    /// `add` first (the others use what it saved), `remove` last.
    static func rank(_ example: String) -> Int {
        if example.contains(" mcp add ") { return 0 }
        if example.contains(" mcp remove ") || example.contains(" mcp rm ") { return 2 }
        return 1
    }

    @Test func everyExampleInEveryHelpRuns() async throws {
        let shims = try CommandShims(in: dir.path)
        let peer = try await OAuthPeer(settings: ["static_bearer": Self.apiKey])
        defer { peer.stop() }
        try dir.write("home/.env", "MCP_GITHUB_API_KEY=\(Self.apiKey)\n")
        // The servers the examples use without adding them first.
        try dir.write("home/config.yaml", """
            mcp_servers:
              notion:
                url: \(peer.mcpURL)
                auth: oauth
              internal:
                url: \(peer.mcpURL)
                auth: oauth
              demo:
                command: \(try Peers.python)
                args: [\(Peers.script("stdio_server.py"))]
            """)
        let env = shims.environment(home: home, extra: Peers.browser())

        var examples: [String] = []
        for path in Self.commandPaths {
            var wide = env
            wide["COLUMNS"] = "1000"
            let help = try await run(Build.product("hermes"), path + ["--help"], environment: wide)
            #expect(help.status == 0, "hermes \(path) --help: \(help.stderr)")
            examples += Self.examples(inHelp: help.stdout)
        }
        #expect(examples.count >= 20, "\(examples)")
        let ordered = examples.enumerated().sorted { (Self.rank($0.element), $0.offset) < (Self.rank($1.element), $1.offset) }.map(\.element)

        let url = try Regex("https?://[^ ]+")
        for example in ordered {
            let typed = example.replacing(url) { _ in peer.mcpURL }
            let asks = (typed.contains(" configure ") && !typed.contains("--tools") && !typed.contains("--all-tools"))
                || ((typed.contains(" remove ") || typed.contains(" rm ")) && !typed.contains("--yes") && !typed.contains(" -y"))
            if typed.contains("--watch") || asks {
                try await runOnTerminal(typed, env: env)
                continue
            }
            let result = try await run("/bin/sh", ["-c", typed], environment: env, timeout: 90)
            #expect(result.status == 0, "\(example)\n--- stdout\n\(result.stdout)\n--- stderr\n\(result.stderr)")
        }

        // The servers got exactly what was typed after --args, and config.yaml keeps it.
        #expect(shims.invocations("uvx").first == ["mcp-server-time", "--local-timezone", "UTC"])
        #expect(shims.invocations("npx").first == ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"])
        let config = try ConfigFile.load(home: HermesHome(path: home))
        #expect(config.server(named: "time", environment: [:])?.args == ["mcp-server-time", "--local-timezone", "UTC"])
        #expect(config.rawServer(named: "fs")?["tools"]?["include"] == .list([.string("read_file")]))
        #expect(config.server(named: "github", environment: [:])?.headers["Authorization"] == "Bearer ${MCP_GITHUB_API_KEY}")
    }

    /// The examples that need a terminal: the tool checklist (accepted as it stands) and
    /// `status --watch` (stopped with Ctrl-C, as its banner says).
    func runOnTerminal(_ typed: String, env: [String: String]) async throws {
        // A person's interactive shell survives the Ctrl-C that stops the command; so does this one,
        // and records the command's exit status.
        let session = try TmuxSession("trap true INT; " + typed, columns: 120, rows: 40, environment: env, directory: dir.path)
        defer { session.kill() }
        if typed.contains("--watch") {
            // With --json, stdout carries JSON lines only: the first is the state of a server.
            let shown = await session.waitFor(typed.contains("--json") ? #""event":"current""# : "Ctrl-C to stop")
            #expect(shown.found, "\(typed)\n\(shown.screen)")
            try session.send("C-c")
            let status = await session.waitForExit(timeout: 20)
            #expect(status == 0 || status == 130, "\(typed): exit \(String(describing: status))\n\(session.screen())")
        } else if typed.contains(" remove ") || typed.contains(" rm ") {
            // Asks first, as it should on a terminal; the person answers yes.
            let shown = await session.waitFor("[Y/n]")
            #expect(shown.found, "\(typed)\n\(shown.screen)")
            try session.send("y", "Enter")
            let status = await session.waitForExit(timeout: 60)
            #expect(status == 0, "\(typed): exit \(String(describing: status))\n\(session.screen())")
        } else {
            let shown = await session.waitFor("Select tools")
            #expect(shown.found, "\(typed)\n\(shown.screen)")
            try session.send("Enter")
            let status = await session.waitForExit(timeout: 60)
            #expect(status == 0, "\(typed): exit \(String(describing: status))\n\(session.screen())")
        }
    }
}
