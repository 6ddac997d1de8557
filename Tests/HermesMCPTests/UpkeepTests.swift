import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A host that keeps servers connected for days: keepalive pings where the revision has sessions
/// (and the tool list where a server has no ping), stdio servers stopped when idle and replaced
/// when old but never under a call, a server that died between calls brought back without one,
/// and one that stays down never delaying another. Intervals are shortened: the task's floor for
/// `keepalive_interval` is lowered from hermes-agent's 5 s.
@Suite(.timeLimit(.minutes(2))) struct UpkeepTests {
    static func task(_ entry: String) throws -> (MCPServerTask, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let yaml = "mcp_servers:\n  u:\n" + entry.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + (entry.contains("connect_timeout") ? "" : "\n    connect_timeout: 20") + "\n    timeout: 20\n"
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        return (MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path)), keepaliveFloor: 0.1), dir)
    }

    static func plain(_ extra: String = "", env: [String: String] = [:]) throws -> String {
        var entry = "command: \(try Peers.python)\nargs: [\(Peers.script("plain_stdio_server.py"))]\n"
        if !env.isEmpty { entry += "env:\n" + env.map { "  \($0.key): \"\($0.value)\"" }.joined(separator: "\n") + "\n" }
        return entry + extra
    }

    static func pid(_ task: MCPServerTask) async throws -> pid_t {
        try #require(try await task.connection().transport as? StdioMCPTransport).process.pid
    }

    static func gone(_ pid: pid_t) -> Bool { !FileManager.default.fileExists(atPath: "/proc/\(pid)") }

    @Test(arguments: [("stateful", true), ("modern", false)])
    func keepalivePingsOnlyWhereTheRevisionHasSessions(mode: String, pings: Bool) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)\nkeepalive_interval: 0.3")
        _ = try await task.connection()
        if pings {
            #expect(try await waitUntil(timeout: 10) { try await peer.log().filter { $0.rpc == "ping" }.count >= 2 })
        } else {
            try await Task.sleep(for: .seconds(1.2))
            #expect(try await peer.log().filter { $0.rpc == "ping" }.isEmpty)
        }
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
    }

    @Test func aServerWithoutPingIsKeptAliveWithItsToolList() async throws {
        let dir = TemporaryDirectory()
        let log = dir.path + "/methods"
        let (task, _) = try Self.task(try Self.plain("keepalive_interval: 0.3", env: ["PEER_NO_PING": "1", "PEER_METHOD_LOG": log]))
        _ = try await task.connection()
        func methods() -> [Substring] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n") }
        #expect(try await waitUntil(timeout: 10) { methods().filter { $0 == "tools/list" }.count >= 3 })
        // Asked once: after a -32601 the tool list is the keepalive.
        #expect(methods().filter { $0 == "ping" }.count == 1, "\(methods())")
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
    }

    /// 2026-07-28 has no ping: a stdio server of that revision is asked `server/discover` instead
    /// (a process that hangs is noticed before a call waits on it), and that is not use.
    @Test func aStdioServerOf2026IsKeptAliveWithDiscover() async throws {
        let dir = TemporaryDirectory()
        let log = dir.path + "/methods"
        let entry = "command: \(try Peers.python)\n"
            + "args: [\(Peers.script("hostile_mcp_2026.py")), --stdio, --attack, call-hold, --log, \(log)]\n"
            + "keepalive_interval: 0.3\nidle_timeout_seconds: 60"
        let (task, _) = try Self.task(entry)
        let connection = try await task.connection()
        #expect(connection.protocolVersion == "2026-07-28")
        func methods() -> [Substring] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n") }
        #expect(try await waitUntil(timeout: 10) { methods().filter { $0 == "server/discover" }.count >= 4 }, "\(methods())")
        #expect(!methods().contains("ping"))
        let idle = try #require(await connection.session.idleSince)
        #expect(ContinuousClock.now - idle > .milliseconds(900), "the keepalive counted as use")
        await task.shutdown()
    }

    @Test func anIdleStdioServerIsStoppedAndStartedAgainWhenNeeded() async throws {
        let (task, _) = try Self.task(try Self.plain("lifecycle:\n  idle_timeout_seconds: 0.5"))
        let first = try await Self.pid(task)
        #expect(try await waitUntil(timeout: 10) { Self.gone(first) }, "the idle server \(first) still runs")
        #expect(await task.connectionAttempts == 1, "stopped, not replaced")
        #expect(await MCPOperations(task: task).callTool("echo", arguments: ["text": "back"]) == #"{"result": "back"}"#)
        #expect(try await Self.pid(task) != first)
        await task.shutdown()
    }

    @Test func anOldStdioServerIsReplacedWithoutACall() async throws {
        let (task, _) = try Self.task(try Self.plain("max_lifetime_seconds: 0.5"))
        let first = try await Self.pid(task)
        #expect(try await waitUntil(timeout: 10) { await task.connectionAttempts >= 2 && Self.gone(first) })
        let second = try await Self.pid(task)
        #expect(second != first)
        #expect(await MCPOperations(task: task).callTool("echo", arguments: ["text": "fresh"]) == #"{"result": "fresh"}"#)
        await task.shutdown()
        #expect(try await waitUntil(timeout: 10) { Self.gone(second) })
    }

    /// Neither idleness nor age ends a server while a call runs: the 2 s call outlives both limits.
    @Test func aCallInFlightHoldsOffStoppingAndReplacing() async throws {
        let (command, args) = try await EraPeer.stdio(mode: "legacy")
        let (task, _) = try Self.task("command: \(command)\nargs: [\(args.joined(separator: ", "))]\nidle_timeout_seconds: 0.3\nmax_lifetime_seconds: 0.3")
        let first = try await Self.pid(task)
        let answer = await MCPOperations(task: task).callTool("progress", arguments: ["steps": 4, "delay_ms": 500])
        #expect(answer == #"{"result": "done 4"}"#, "\(answer)")
        #expect(try await waitUntil(timeout: 10) { Self.gone(first) }, "stopped or replaced once the call ended")
        await task.shutdown()
    }

    @Test func aServerThatDiedBetweenCallsIsBroughtBack() async throws {
        let (task, _) = try Self.task(try Self.plain())
        let first = try await Self.pid(task)
        kill(first, SIGKILL)
        #expect(try await waitUntil(timeout: 15) { await task.connectionAttempts >= 2 })
        let second = try await Self.pid(task)
        #expect(second != first)
        #expect(await task.connectionAttempts == 2, "brought back once, by the upkeep, not by this call")
        await task.shutdown()
        let gone = try await waitUntil(timeout: 10) { Self.gone(second) }
        #expect(gone, "\((try? String(contentsOfFile: "/proc/\(second)/status", encoding: .utf8))?.split(separator: "\n").prefix(8) ?? [])")
    }

    /// One server keeps failing to come back (its program is gone); the other answers at once
    /// meanwhile, and the failing one keeps trying with growing pauses.
    @Test func aServerThatStaysDownDelaysNoOther() async throws {
        let dir = TemporaryDirectory()
        let script = dir.path + "/vanishing_server.py"
        try FileManager.default.copyItem(atPath: Peers.script("plain_stdio_server.py"), toPath: script)
        let (down, _) = try Self.task("command: \(try Peers.python)\nargs: [\(script)]\nconnect_timeout: 1")
        let (up, _) = try Self.task(try Self.plain())
        let doomed = try await Self.pid(down)
        let attempts = Recorded<Int>()
        await down.onAttempt { attempts.record($0.number) }
        try FileManager.default.removeItem(atPath: script)
        kill(doomed, SIGKILL)
        #expect(try await waitUntil(timeout: 10) { attempts.values.count >= 2 })
        let started = ContinuousClock.now
        #expect(await MCPOperations(task: up).callTool("echo", arguments: ["text": "here"]) == #"{"result": "here"}"#)
        #expect(ContinuousClock.now - started < .seconds(5))
        await down.shutdown()
        await up.shutdown()
    }
}
