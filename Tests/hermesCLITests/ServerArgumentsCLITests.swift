import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import hermes

/// `hermes mcp add … --args …` takes the server's arguments as typed: everything after `--args`
/// (or `--`) goes to the server, even words that look like hermes options.
@Suite(.timeLimit(.minutes(3))) struct ServerArgumentsCLITests {
    let dir = TemporaryDirectory("hermes-args")
    var home: String { dir.path + "/home" }

    @Test func theSplit() {
        func split(_ line: String) -> ServerArguments.Split {
            ServerArguments.split(line.split(separator: " ").map(String.init))
        }
        #expect(split("mcp add t --command uvx --args mcp-server-time --local-timezone UTC")
            == .init(hermes: ["mcp", "add", "t", "--command", "uvx"], server: ["mcp-server-time", "--local-timezone", "UTC"]))
        #expect(split("mcp add fs --command npx --args -y @pkg /tmp")
            == .init(hermes: ["mcp", "add", "fs", "--command", "npx"], server: ["-y", "@pkg", "/tmp"]))
        #expect(split("mcp add s --command python3 --args server.py -y").server == ["server.py", "-y"])
        #expect(split("mcp add s --command c -- a --b c") == .init(hermes: ["mcp", "add", "s", "--command", "c"], server: ["a", "--b", "c"]))
        #expect(split("mcp add s --command c --args -- -x --").server == ["-x", "--"])
        #expect(split("mcp add s --command c --args=one two").server == ["one", "two"])
        #expect(split("mcp add s --command c --args").server == [])
        #expect(split("mcp add s --url http://127.0.0.1:1/mcp --yes") == .init(hermes: ["mcp", "add", "s", "--url", "http://127.0.0.1:1/mcp", "--yes"], server: nil))
        // Only `mcp add` has server arguments.
        #expect(split("mcp call demo echo -- --args x").server == nil)
    }

    func add(_ arguments: [String], shims: CommandShims) async throws -> ProgramResult {
        try await run(Build.product("hermes"), ["mcp", "add"] + arguments, environment: shims.environment(home: home), timeout: 60)
    }

    @Test func optionLikeWordsReachTheServer() async throws {
        let shims = try CommandShims(in: dir.path)
        // `-y` after --args is the server's, not hermes' --yes.
        let first = try await add(["one", "--command", "uvx", "--all-tools", "--args", "server.py", "-y"], shims: shims)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        // After `--`, the same.
        let second = try await add(["two", "--command", "npx", "--all-tools", "--", "a", "--url", "c"], shims: shims)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        // hermes options after --args are the server's too: --args comes last.
        let third = try await add(["three", "--command", "uvx", "--args", "--", "-x", "--all-tools"], shims: shims)
        #expect(third.status == 0, "\(third.stdout)\n\(third.stderr)")

        #expect(shims.invocations("uvx") == [["server.py", "-y"], ["-x", "--all-tools"]])
        #expect(shims.invocations("npx") == [["a", "--url", "c"]])
        let config = try ConfigFile.load(home: HermesHome(path: home))
        #expect(config.server(named: "one", environment: [:])?.args == ["server.py", "-y"])
        #expect(config.server(named: "two", environment: [:])?.args == ["a", "--url", "c"])
        #expect(config.server(named: "three", environment: [:])?.args == ["-x", "--all-tools"])
    }

    @Test func theHelpSaysArgsComesLast() async throws {
        var env = Build.environment(home: home)
        env["COLUMNS"] = "200"
        let help = try await run(Build.product("hermes"), ["mcp", "add", "--help"], environment: env)
        #expect(help.stdout.contains("Everything after --args (or after --) is the stdio server's command line"))
        #expect(help.stdout.contains("--args comes last"))
    }
}
