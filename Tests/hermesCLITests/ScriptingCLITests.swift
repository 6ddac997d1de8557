import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Item 8 of issue 13 (scripting): no question takes the end of input as "yes", the
/// `[Y/n/select]` question insists on an answer it knows, and the exit codes are the documented
/// ones: 0 done, 1 failed, 64 a usage error (ArgumentParser's), 130 interrupted.
@Suite(.timeLimit(.minutes(3))) struct ScriptingCLITests {
    let dir = TemporaryDirectory("hermes-scripting")
    var home: String { dir.path }

    @discardableResult
    func hermes(_ args: [String], input: String? = nil) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home), input: input)
    }

    static let config = """
        mcp_servers:
          time:
            command: uvx
            args: [mcp-server-time]
          fs:
            command: npx
        """

    @Test func removeWithoutATerminalNeverTakesTheEndOfInputAsYes() async throws {
        try dir.write("config.yaml", Self.config)
        for input in ["", "\n"] {
            let result = try await hermes(["mcp", "remove", "time"], input: input)
            #expect(result.status == 1, "\(result.stdout)")
            #expect(result.stderr.contains("not removing 'time': there is no terminal to confirm on; pass --yes to remove it"), "\(result.stderr)")
            #expect(!result.stdout.contains("Removed"))
            #expect(try String(contentsOfFile: dir.file("config.yaml"), encoding: .utf8) == Self.config)
        }
        let answered = try await hermes(["mcp", "remove", "time"], input: "y\n")
        #expect(answered.status == 0 && answered.stdout.contains("✓ Removed 'time' from config"))
        let forced = try await hermes(["mcp", "remove", "fs", "--yes"], input: "")
        #expect(forced.status == 0 && forced.stdout.contains("✓ Removed 'fs' from config"))
    }

    func addInTmux() async throws -> TmuxSession {
        let command = "\(Build.product("hermes")) mcp add local --command \(try Peers.python) --args \(Peers.script("stdio_server.py"))"
        let tmux = try TmuxSession(command, environment: Build.environment(home: home), directory: home)
        let asked = await tmux.waitFor("Enable all 3 tools? [Y/n/select]:")
        #expect(asked.found, "\(asked.screen)")
        return tmux
    }

    @Test func theToolQuestionAsksAgainOnAnUnknownAnswer() async throws {
        let tmux = try await addInTmux()
        defer { tmux.kill() }
        try tmux.send("maybe", "Enter")
        let again = await tmux.waitFor("Please answer y (all tools), n (cancel) or s (select tools).")
        #expect(again.found, "\(again.screen)")
        #expect(again.screen.components(separatedBy: "Enable all 3 tools? [Y/n/select]:").count == 3, "asked a second time: \(again.screen)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")), "nothing saved on an unknown answer")
        try tmux.send("n", "Enter")
        #expect(await tmux.waitForExit() == 1)
        #expect(tmux.screen().contains("Cancelled — server not saved."))
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    @Test func theEndOfInputAtTheToolQuestionCancels() async throws {
        let tmux = try await addInTmux()
        defer { tmux.kill() }
        try tmux.send("C-d")
        #expect(await tmux.waitForExit() == 1)
        #expect(tmux.screen().contains("Cancelled — server not saved."), "\(tmux.screen())")
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    @Test func exitCodesAreTheDocumentedOnes() async throws {
        try dir.write("config.yaml", Self.config)
        let usage: [[String]] = [
            ["mcp", "bogus"], ["mcp", "add"], ["mcp", "add", "x", "--bogus"], ["mcp", "call", "time"],
            ["mcp", "list", "--bogus"], ["mcp", "test"], ["mcp", "login"], ["mcp", "enable"], ["mcp", "disable"],
            ["mcp", "remove"], ["mcp", "add", "x", "--redirect-port", "abc"], ["mcp", "reauth"],
        ]
        for args in usage {
            let result = try await hermes(args, input: "")
            #expect(result.status == 64, "\(args): \(result.status) \(result.stderr)")
        }
        let failures: [[String]] = [
            ["mcp", "remove", "nope", "--yes"], ["mcp", "test", "nope"], ["mcp", "enable", "nope"], ["mcp", "login", "time"],
            ["mcp", "call", "nope", "echo"],
        ]
        for args in failures {
            let result = try await hermes(args, input: "")
            #expect(result.status == 1, "\(args): \(result.status) \(result.stderr)")
        }
        for args in [["mcp", "list"], ["--version"], ["mcp", "disable", "time"], ["mcp", "enable", "time"]] {
            let result = try await hermes(args, input: "")
            #expect(result.status == 0, "\(args): \(result.status) \(result.stderr)")
        }
    }
}
