import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// A config.yaml written by hermes-agent 0.19.0 itself (its `config set` and `mcp add`, from its
/// PyPI release in .peers/agent) goes through hermes' editing commands and comes out with every
/// key and value it had, bar the one change asked for; hermes-agent then reads hermes' file back.
@Suite(.timeLimit(.minutes(3))) struct AgentConfigRoundTripTests {
    let dir = TemporaryDirectory("hermes-agent-roundtrip")
    var home: String { dir.path }
    var env: [String: String] { Build.environment(home: home) }

    var agent: String {
        get throws {
            let path = Build.packageRoot + "/.peers/agent/bin/hermes"
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ProgramError(description: "\(path) is missing: run scripts/agent.sh (scripts/test.sh does)")
            }
            return path
        }
    }

    func agentRun(_ args: [String], input: String? = nil) async throws -> ProgramResult {
        let result = try await run(try agent, args, environment: env, input: input, timeout: 90)
        #expect(result.status == 0, "hermes-agent \(args): \(result.stdout)\n\(result.stderr)")
        return result
    }

    @Test func hermesAgentsConfigSurvivesHermesEdits() async throws {
        let python = try Peers.python
        let server = Peers.script("plain_stdio_server.py")
        _ = try await agentRun(["config", "set", "model.default", "anthropic/claude-sonnet-4"])
        _ = try await agentRun(["config", "set", "display.compact", "true"])
        _ = try await agentRun(["config", "set", "agent.max_turns", "42"])
        _ = try await agentRun(["config", "set", "terminal.backend", "local"])
        _ = try await agentRun(["mcp", "add", "agentlocal", "--command", python, "--args", server], input: "\n")
        _ = try await agentRun(["mcp", "add", "agentenv", "--command", python, "--env", "PEER_EXTRA_TOOLS=2", "--args", server], input: "\n")
        _ = try await agentRun(["config", "set", "mcp_servers.remote.url", "https://mcp.example.com/mcp"])
        _ = try await agentRun(["config", "set", "mcp_servers.remote.auth", "oauth"])
        _ = try await agentRun(["config", "set", "mcp_servers.remote.timeout", "120"])
        let original = dir.file("config.agent.yaml")
        try FileManager.default.copyItem(atPath: dir.file("config.yaml"), toPath: original)
        #expect(try String(contentsOfFile: original, encoding: .utf8).contains("_config_version"))

        let hermes = Build.product("hermes")
        let configure = try await run(hermes, ["mcp", "configure", "agentlocal", "--tools", "echo"], environment: env)
        #expect(configure.status == 0, "\(configure.stderr)")
        let add = try await run(hermes, ["mcp", "add", "ours", "--command", python, "--all-tools", "--args", server], environment: env)
        #expect(add.status == 0, "\(add.stderr)")
        let remove = try await run(hermes, ["mcp", "remove", "ours", "--yes"], environment: env)
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(try await run(hermes, ["mcp", "list"], environment: env).stdout.contains("agentlocal"))

        // Same document, bar agentlocal's new tools block (compared as data, comments aside).
        let compare = """
            import sys, yaml
            before = yaml.safe_load(open(sys.argv[1]))
            after = yaml.safe_load(open(sys.argv[2]))
            assert after["mcp_servers"]["agentlocal"].pop("tools") == {"include": ["echo"]}, after
            assert before == after, (before, after)
            assert list(before) == list(after), "top-level key order changed"
            print("same")
            """
        let agentPython = Build.packageRoot + "/.peers/agent/bin/python"
        let same = try await run(agentPython, ["-c", compare, original, dir.file("config.yaml")], environment: env)
        #expect(same.stdout == "same\n", "\(same.stderr)")
        var st = stat()
        stat(dir.file("config.yaml"), &st)
        #expect(st.st_mode & 0o777 == 0o600)

        // hermes-agent reads hermes' file.
        #expect(try await agentRun(["config", "get", "model.default"]).stdout.contains("anthropic/claude-sonnet-4"))
        let list = try await agentRun(["mcp", "list"])
        let row = list.stdout.split(separator: "\n").first { $0.contains("agentlocal") } ?? ""
        #expect(row.contains("1 selected"), "\(list.stdout)")
    }
}
