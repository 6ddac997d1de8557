import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Issue 13, item 1: `connect_timeout` bounds connecting as a whole, every try and pause included,
/// and the failure says how long it really took and how many tries it made. Against servers that
/// never answer (Tests/PythonPeers/silent_server.py): an HTTP one that accepts connections and
/// stays silent, and a stdio one that reads its input and never writes. Before, `connect_timeout: 3`
/// meant four tries of 3 s plus 7 s of pauses (~19 s) and the message said "timed out after 3.0s".
@Suite(.timeLimit(.minutes(3))) struct DeadlineCLITests {
    let dir = TemporaryDirectory("hermes-deadline")
    var home: String { dir.path }
    var hermes: String { Build.product("hermes") }
    var env: [String: String] { Build.environment(home: home) }
    /// The budget of these tests, and what the wall time may exceed it by (starting hermes and
    /// Python, stopping the stdio server).
    static let budget = 3.0
    static let margin = 3.0

    func config(_ entry: String) throws {
        try dir.write("config.yaml", "mcp_servers:\n" + entry)
    }

    func httpServer(_ url: String, connectTimeout: Double = budget) throws {
        try config("""
              h:
                url: \(url)
                connect_timeout: \(connectTimeout)
                timeout: 20
            """)
    }

    var pidFile: String { dir.file("silent.pids") }

    func stdioServer() throws {
        try config("""
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("silent_server.py")), stdio, \(pidFile)]
                connect_timeout: \(Self.budget)
                timeout: 20
            """)
    }

    /// Runs hermes and measures the wall time, as a person with a stopwatch would.
    func timed(_ args: [String]) async throws -> (result: ProgramResult, seconds: Double) {
        let start = Date()
        let result = try await run(hermes, args, environment: env, timeout: 60)
        return (result, Date().timeIntervalSince(start))
    }

    /// The seconds a message claims ("after 3.0s"), which must be real: at least the budget's worth
    /// when the budget ran out, and no more than the wall time.
    static func claimedSeconds(_ text: String) -> Double? {
        guard let range = text.range(of: #"after [0-9]+\.[0-9]s"#, options: .regularExpression) else { return nil }
        return Double(text[range].dropFirst(6).dropLast())
    }

    /// The pids the stdio peer wrote, one per start.
    func stdioPids() -> [Int32] {
        ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// True once no process `pid` exists, not even a zombie; polled for at most a second (hermes
    /// has exited by then, so only a leftover could keep it).
    static func gone(_ pid: Int32) async throws -> Bool {
        try await waitUntil(timeout: 1) { !FileManager.default.fileExists(atPath: "/proc/\(pid)") }
    }

    // MARK: mcp test

    @Test func mcpTestOnASilentHTTPServerEndsWithinConnectTimeout() async throws {
        let peer = try await PeerProcess(script: "silent_server.py", arguments: ["http", dir.file("connections.log")])
        defer { peer.stop() }
        try httpServer(peer["url"])

        let (json, jsonSeconds) = try await timed(["mcp", "test", "h", "--json"])
        #expect(json.status == 1)
        #expect(jsonSeconds < Self.budget + Self.margin, "took \(jsonSeconds) s with connect_timeout: \(Self.budget)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        let error = object["error"] as? String ?? ""
        #expect(error.contains("no answer from 'h' after"), "\(error)")
        #expect(error.contains("(1 try): timed out waiting for initialize"), "\(error)")
        #expect(object["tries"] as? Int == 1, "\(object)")
        #expect(object["connected"] as? Bool == false)
        let claimed = try #require(Self.claimedSeconds(error), "\(error)")
        #expect(claimed >= Self.budget - 0.05 && claimed <= jsonSeconds, "claims \(claimed) s, took \(jsonSeconds) s")

        let (text, textSeconds) = try await timed(["mcp", "test", "h"])
        #expect(text.status == 1)
        #expect(textSeconds < Self.budget + Self.margin, "took \(textSeconds) s")
        let said = text.stdout + text.stderr
        #expect(said.contains("no answer from 'h' after 3."), "\(said)")
        #expect(said.contains("(1 try)"), "\(said)")
        #expect(!said.contains("timed out after"), "\(said)")
    }

    @Test func mcpTestOnASilentStdioServerEndsWithinConnectTimeoutAndStopsIt() async throws {
        try stdioServer()
        let (run, seconds) = try await timed(["mcp", "test", "s", "--json"])
        #expect(run.status == 1)
        #expect(seconds < Self.budget + Self.margin, "took \(seconds) s with connect_timeout: \(Self.budget)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        let error = object["error"] as? String ?? ""
        #expect(error.contains("no answer from 's' after"), "\(error)")
        #expect(error.contains("(1 try): timed out waiting for initialize"), "\(error)")
        #expect(object["tries"] as? Int == 1)
        // The time spent stopping the server counts too: the claim is the real time.
        let claimed = try #require(Self.claimedSeconds(error), "\(error)")
        #expect(claimed >= Self.budget - 0.05 && claimed <= seconds, "claims \(claimed) s, took \(seconds) s")
        let pids = stdioPids()
        #expect(pids.count == 1, "the server was started \(pids.count) times")
        for pid in pids { #expect(try await Self.gone(pid), "the silent server \(pid) is still there") }
    }

    // MARK: mcp call

    @Test func mcpCallOnASilentHTTPServerEndsWithinConnectTimeout() async throws {
        let peer = try await PeerProcess(script: "silent_server.py", arguments: ["http"])
        defer { peer.stop() }
        try httpServer(peer["url"])
        let (run, seconds) = try await timed(["mcp", "call", "h", "echo", #"{"text": "hi"}"#])
        #expect(run.status == 1)
        #expect(seconds < Self.budget + Self.margin, "took \(seconds) s with connect_timeout: \(Self.budget)")
        #expect(run.stdout.hasPrefix(#"{"error": "MCP call failed: "#), "\(run.stdout)")
        #expect(run.stdout.contains("no answer from 'h' after 3."), "\(run.stdout)")
        #expect(run.stdout.contains("(1 try): timed out waiting for initialize"), "\(run.stdout)")
    }

    @Test func mcpCallOnASilentStdioServerEndsWithinConnectTimeoutAndStopsIt() async throws {
        try stdioServer()
        let (run, seconds) = try await timed(["mcp", "call", "s", "echo", #"{"text": "hi"}"#])
        #expect(run.status == 1)
        #expect(seconds < Self.budget + Self.margin, "took \(seconds) s with connect_timeout: \(Self.budget)")
        #expect(run.stdout.contains("no answer from 's' after"), "\(run.stdout)")
        #expect(run.stdout.contains("(1 try): timed out waiting for initialize"), "\(run.stdout)")
        let claimed = try #require(Self.claimedSeconds(run.stdout), "\(run.stdout)")
        #expect(claimed >= Self.budget - 0.05 && claimed <= seconds, "claims \(claimed) s, took \(seconds) s")
        let pids = stdioPids()
        #expect(pids.count == 1, "the server was started \(pids.count) times")
        for pid in pids { #expect(try await Self.gone(pid), "the silent server \(pid) is still there") }
    }

    // MARK: mcp add, mcp configure (one pause of 1 s between tries)

    @Test func mcpAddAndConfigureOnASilentServerEndWithinConnectTimeout() async throws {
        let peer = try await PeerProcess(script: "silent_server.py", arguments: ["http"])
        defer { peer.stop() }
        let (add, addSeconds) = try await timed(["mcp", "add", "h", "--url", peer["url"], "--connect-timeout", "3", "--yes"])
        #expect(addSeconds < Self.budget + Self.margin, "took \(addSeconds) s with --connect-timeout 3")
        let addSaid = add.stdout + add.stderr
        #expect(addSaid.contains("no answer from 'h' after 3."), "\(addSaid)")
        #expect(addSaid.contains("(1 try): timed out waiting for initialize"), "\(addSaid)")

        try httpServer(peer["url"])
        let (configure, seconds) = try await timed(["mcp", "configure", "h", "--all-tools"])
        #expect(configure.status == 1)
        #expect(seconds < Self.budget + Self.margin, "took \(seconds) s")
        let said = configure.stdout + configure.stderr
        #expect(said.contains("no answer from 'h' after 3."), "\(said)")
        #expect(said.contains("(1 try)"), "\(said)")
    }

    // MARK: retries within the budget

    /// A port that refuses: each try fails at once, so the tries and pauses are what
    /// takes the time. With `connect_timeout: 5` the pauses of 1 and 2 s fit, the one of 4 s does not.
    @Test func retriesOfARefusedConnectionFitInConnectTimeout() async throws {
        let refusing = RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        try httpServer(refusing.url, connectTimeout: 5)
        let (run, seconds) = try await timed(["mcp", "test", "h", "--json"])
        #expect(run.status == 1)
        #expect(seconds < 5 + Self.margin, "took \(seconds) s with connect_timeout: 5")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        let error = object["error"] as? String ?? ""
        #expect(error.contains("cannot reach 'h' at http://127.0.0.1:"), "\(error)")
        #expect(error.contains(" after 3."), "\(error)")
        #expect(error.contains("(3 tries)"), "\(error)")
        #expect(object["tries"] as? Int == 3)
    }

    /// A command that does not exist fails the same way every time: said at once, not after the budget.
    @Test func aMistypedCommandIsNotRetried() async throws {
        try config("""
              s:
                command: hermes-no-such-server-\(getpid())
                connect_timeout: 30
            """)
        let (run, seconds) = try await timed(["mcp", "test", "s", "--json"])
        #expect(run.status == 1)
        #expect(seconds < 5, "took \(seconds) s for a command that cannot start")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect((object["error"] as? String ?? "").contains("command not found: hermes-no-such-server-"), "\(object)")
        #expect(object["tries"] as? Int == 1, "\(object)")
    }

    @Test func theSpinnerSaysWhichTryItIs() async throws {
        let refusing = RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        try httpServer(refusing.url, connectTimeout: 10)
        let tmux = try TmuxSession("\(hermes) mcp test h", columns: 120, rows: 20, environment: env, directory: home)
        defer { tmux.kill() }
        let second = await tmux.waitFor("Connecting to 'h'… (try 2 of at most 4)", timeout: 15)
        #expect(second.found, "\(second.screen)")
        // Tries 1 and 4 fail in an instant; 2 and 3 are on screen for the pauses after them.
        let third = await tmux.waitFor("Connecting to 'h'… (try 3 of at most 4)", timeout: 15)
        #expect(third.found, "\(third.screen)")
        #expect(await tmux.waitForExit(timeout: 20) == 1, "\(tmux.screen())")
        let screen = tmux.screen()
        #expect(screen.contains("cannot reach 'h' at http://127.0.0.1:"), "\(screen)")
        #expect(screen.contains(" after 7."), "\(screen)")
        #expect(screen.components(separatedBy: "cannot reach").count == 2, "said more than once: \(screen)")
        #expect(screen.contains("(4 tries)"), "\(screen)")
    }
}
