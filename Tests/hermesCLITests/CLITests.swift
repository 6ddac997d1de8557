import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// The `hermes` binary driven as a person or a script drives it: real config.yaml, real token
/// files, answers on stdin, exit codes and stderr checked.
@Suite struct CLITests {
    let dir = TemporaryDirectory("hermes-cli")
    var home: String { dir.path }

    @discardableResult
    func hermes(_ args: [String], input: String? = nil, env: [String: String] = [:]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: env), input: input)
    }

    static let config = """
        # written by hermes-agent
        model: anthropic/claude-sonnet
        mcp_servers:
          linear:
            url: https://mcp.linear.app/mcp
            auth: oauth
          time:
            command: uvx
            args: [mcp-server-time, --local-timezone, UTC]
            tools:
              include: [get_current_time]
          fs:
            command: npx
            args: [-y, "@modelcontextprotocol/server-filesystem"]
            enabled: false
            tools: {exclude: [write_file, move_file]}
          secret:
            url: "https://api.example.com/a/long/path/mcp"
            headers: {Authorization: "Bearer ${MCP_SECRET_API_KEY}"}
        toolsets: [web]
        """

    @Test func versionAndHelp() async throws {
        let version = try await hermes(["--version"])
        #expect(version.status == 0 && version.stdout == "hermes \(HermesVersion.string)\n")
        let help = try await hermes(["mcp", "remove", "--help"])
        #expect(help.status == 0 && help.stdout.contains("Examples:"))
    }

    @Test func listWithNoServers() async throws {
        let result = try await hermes(["mcp", "list"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("No MCP servers configured."))
        #expect(result.stdout.contains("hermes mcp add <name> --url <endpoint>"))
        let bare = try await hermes(["mcp"])
        #expect(bare.stdout.contains("No MCP servers configured."))
    }

    @Test func listShowsTheReferenceTable() async throws {
        try dir.write("config.yaml", Self.config)
        let result = try await hermes(["mcp", "ls"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("  MCP Servers:"))
        #expect(lines.contains("  Name             Transport                      Tools        Status    "))
        #expect(lines.contains("  linear           https://mcp.linear.app/mcp     all          ✓ enabled"))
        #expect(lines.contains("  time             uvx mcp-server-time --loc...   1 selected   ✓ enabled"))
        #expect(lines.contains("  fs               npx -y @modelcontextproto...   -2 excluded  ✗ disabled"))
        #expect(lines.contains("  secret           https://api.example.com/a...   all          ✓ enabled"))
        // Not a terminal: no colour codes.
        #expect(!result.stdout.contains("\u{1B}["))
    }

    @Test func listAsJSON() async throws {
        try dir.write("config.yaml", Self.config)
        let result = try await hermes(["mcp", "list", "--json"], env: ["MCP_SECRET_API_KEY": "sk-live-abcdefghijklmnop"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let servers = try #require(object?["servers"] as? [[String: Any]])
        #expect(servers.map { $0["name"] as? String } == ["linear", "time", "fs", "secret"])
        #expect(servers[0]["auth"] as? String == "oauth")
        #expect(servers[1]["transport"] as? String == "stdio")
        #expect(servers[2]["enabled"] as? Bool == false)
        #expect(servers[3]["headers"] as? [String] == ["Authorization"])
        #expect(!result.stdout.contains("sk-live"))
    }

    @Test func removeDeletesTheEntryAndItsTokensAndKeepsEverythingElse() async throws {
        try dir.write("config.yaml", Self.config)
        let store = TokenStore(home: HermesHome(path: home), serverName: "linear")
        try store.save(tokens: OAuthTokens(accessToken: "a", refreshToken: "r"))
        try store.save(client: ClientRegistration(clientID: "c"))
        let keep = TokenStore(home: HermesHome(path: home), serverName: "time")
        try keep.save(tokens: OAuthTokens(accessToken: "keep"))

        let result = try await hermes(["mcp", "remove", "linear", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("✓ Removed 'linear' from config"))
        #expect(result.stdout.contains("✓ Cleaned up OAuth tokens"))
        #expect(!FileManager.default.fileExists(atPath: store.tokensPath))
        #expect(!FileManager.default.fileExists(atPath: store.clientPath))
        #expect(keep.tokens()?.accessToken == "keep")

        let config = try ConfigFile.load(home: HermesHome(path: home))
        #expect(config.serverNames == ["time", "fs", "secret"])
        let text = try String(contentsOfFile: home + "/config.yaml", encoding: .utf8)
        #expect(text.contains("model: anthropic/claude-sonnet") && text.contains("toolsets:"))
        #expect(text.contains("Bearer ${MCP_SECRET_API_KEY}"))
    }

    @Test func removeAsksAndHonoursTheAnswer() async throws {
        try dir.write("config.yaml", Self.config)
        let no = try await hermes(["mcp", "rm", "time"], input: "n\n")
        #expect(no.status == 0)
        #expect(no.stdout.contains("Remove server 'time'? [Y/n]:"))
        #expect(no.stdout.contains("Cancelled."))
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames.contains("time"))

        let yes = try await hermes(["mcp", "rm", "time"], input: "y\n")
        #expect(yes.stdout.contains("Removed 'time'"))
        // End of input is no answer: without a terminal, nothing is removed unasked.
        let eof = try await hermes(["mcp", "rm", "fs"], input: "")
        #expect(eof.status == 1 && !eof.stdout.contains("Removed 'fs'"))
        #expect(try ConfigFile.load(home: HermesHome(path: home)).serverNames == ["linear", "fs", "secret"])
    }

    @Test func removingTheLastServerDropsTheMapButKeepsTheRest() async throws {
        try dir.write("config.yaml", "model: x\nmcp_servers:\n  only:\n    url: http://127.0.0.1:1/mcp\n")
        let result = try await hermes(["mcp", "remove", "only", "-y"])
        #expect(result.status == 0)
        let text = try String(contentsOfFile: home + "/config.yaml", encoding: .utf8)
        #expect(text == "model: x\n")
    }

    @Test func removeOfAnUnknownServerFails() async throws {
        try dir.write("config.yaml", Self.config)
        let result = try await hermes(["mcp", "remove", "nope", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("Server 'nope' not found in \(home)/config.yaml (available: linear, time, fs, secret)"))
    }

    /// Found by fuzzing: YAML that loads but cannot be written back as it was (two keys that
    /// serialise alike) is refused, and the file stays exactly as it is.
    @Test func aConfigHermesCannotRewriteFaithfullyIsLeftAlone() async throws {
        let odd = "? !!a\n?\nmcp_servers:\n  a:\n    command: cat\n"
        try dir.write("config.yaml", odd)
        let result = try await hermes(["mcp", "remove", "a", "--yes"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write this file back faithfully"), "\(result.stderr)")
        #expect(try String(contentsOfFile: home + "/config.yaml", encoding: .utf8) == odd)
        #expect(try await hermes(["mcp", "list"]).stdout.contains("cat"))
    }

    @Test func aMalformedConfigIsReportedAndNotTouched() async throws {
        let broken = "mcp_servers:\n  a: {url: x\n  b: 1\n"
        try dir.write("config.yaml", broken)
        for args in [["mcp", "list"], ["mcp", "remove", "a", "--yes"]] {
            let result = try await hermes(args)
            #expect(result.status == 1)
            #expect(result.stderr.contains(home + "/config.yaml:"), "\(result.stderr)")
            #expect(result.stderr.contains("invalid YAML"))
        }
        #expect(try String(contentsOfFile: home + "/config.yaml", encoding: .utf8) == broken)
    }

    @Test func aCorruptTokenFileIsNamedAndLeftInPlaceByRemoveOfAnotherServer() async throws {
        try dir.write("config.yaml", Self.config)
        try dir.write("mcp-tokens/linear.json", "{\"access_token\": \"trunc")
        let result = try await hermes(["mcp", "remove", "time", "--yes"])
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: home + "/mcp-tokens/linear.json", encoding: .utf8) == "{\"access_token\": \"trunc")
    }

    @Test func colourOnlyWhenAllowed() async throws {
        try dir.write("config.yaml", Self.config)
        // Under `script` stdout is a terminal: colour appears, unless NO_COLOR is set.
        let cmd = "\(Build.product("hermes")) mcp list"
        let coloured = try await run("/usr/bin/script", ["-qec", cmd, "/dev/null"], environment: Build.environment(home: home, extra: ["TERM": "xterm"]))
        #expect(coloured.stdout.contains("\u{1B}[36;1m  MCP Servers:"))
        let plain = try await run("/usr/bin/script", ["-qec", cmd, "/dev/null"],
                            environment: Build.environment(home: home, extra: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(plain.stdout.contains("MCP Servers:") && !plain.stdout.contains("\u{1B}["))
    }
}
