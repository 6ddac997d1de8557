import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// 2026-07-28 servers that play with how requests end: a call held forever (hermes gives up and
/// says so on stdio), a subscription the server ends or notifications for a subscription that is
/// not hermes', a request of the server's own (2026-07-28 has none, and a client sends no
/// responses), a reply stream the network breaks (the request is asked again).
@Suite(.timeLimit(.minutes(2))) struct Hostile2026StreamTests {
    static func task(_ home: HostileHome, _ name: String) throws -> MCPServerTask {
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: name, environment: [:]))
        return MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
    }

    @Test func aStdioCallHermesGivesUpOnIsCancelledByName() async throws {
        let home = try Hostile2026Tests.stdioHome("call-hold", timeout: 2)
        let task = try Self.task(home, "s")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer.contains("timed out"), "\(answer)")
        let told = try await waitUntil(timeout: 10, poll: 0.1) {
            Hostile2026Tests.stdioRequests(home).contains("notifications/cancelled")
        }
        #expect(told, "\(Hostile2026Tests.stdioRequests(home))")
        await task.shutdown()
    }

    @Test func aSubscriptionTheServerEndsIsOpenedAgain() async throws {
        let home = try Hostile2026Tests.stdioHome("listen-cancel")
        let task = try Self.task(home, "s")
        await task.onChange { _ in }
        _ = try await task.connection()
        let again = try await waitUntil(timeout: 15, poll: 0.1) {
            Hostile2026Tests.stdioRequests(home).filter { $0 == "subscriptions/listen" }.count >= 2
        }
        #expect(again, "\(Hostile2026Tests.stdioRequests(home))")
        // hermes does not call off what the server ended.
        #expect(!Hostile2026Tests.stdioRequests(home).contains("notifications/cancelled"))
        await task.shutdown()
    }

    @Test func changesNamingAnotherSubscriptionAreNotHermes() async throws {
        let home = try Hostile2026Tests.stdioHome("listen-foreign")
        let task = try Self.task(home, "s")
        let heard = Heard<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        #expect(try await waitUntil(timeout: 10, poll: 0.1) { Hostile2026Tests.stdioRequests(home).contains("subscriptions/listen") })
        try await Task.sleep(nanoseconds: 3_000_000_000)
        #expect(heard.values.isEmpty, "\(heard.values)")
        #expect(Hostile2026Tests.stdioRequests(home).filter { $0 == "tools/list" }.count == 1)
        await task.shutdown()
    }

    @Test(arguments: [false, true])
    func aRequestOfTheServersOwnIsNotAnswered(stdio: Bool) async throws {
        let peer: PeerProcess? = stdio ? nil : try await Hostile2026Tests.peer("server-request")
        defer { peer?.stop() }
        let home = try peer.map { try Hostile2026Tests.home($0) } ?? Hostile2026Tests.stdioHome("server-request")
        let task = try Self.task(home, stdio ? "s" : "h")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer == #"{"result": "asked"}"#, "\(answer)")
        try await Task.sleep(nanoseconds: 500_000_000)
        let methods: [String] = if let peer {
            Array(try await Hostile2026Tests.requests(peer).keys)
        } else {
            Hostile2026Tests.stdioRequests(home)
        }
        #expect(!methods.contains("(response)"), "\(methods)")
        await task.shutdown()
    }

    /// 2026-07-28: "a broken response stream loses the in-flight request; clients MUST re-issue it
    /// as a new request with a new request ID".
    @Test func aReplyStreamTheNetworkBreaksIsAskedAgain() async throws {
        let peer = try await Hostile2026Tests.peer("call-break")
        defer { peer.stop() }
        let home = try Hostile2026Tests.home(peer)
        let task = try Self.task(home, "h")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "again"])
        #expect(answer == #"{"result": "again"}"#, "\(answer)")
        #expect(try await Hostile2026Tests.requests(peer)["tools/call"] == 2)
        await task.shutdown()
    }
}

/// Tool lists a decoder could choke on: schemas nesting 250 objects deep (a reply of 160 kB that
/// took minutes of CPU) are refused at once as too deep; 28 deep, within the bound, are read fast.
@Suite(.timeLimit(.minutes(2))) struct DeepSchemaTests {
    @Test func aToolListNestingTooDeepIsRefusedAtOnce() async throws {
        let peer = try await Hostile2026Tests.peer("deep-tools")
        defer { peer.stop() }
        let home = try Hostile2026Tests.home(peer, connectTimeout: 10, timeout: 10)
        let (result, kib, cpu) = try await Hostile2026Tests.measured(home, ["mcp", "test", "h", "--json"])
        #expect(result.stdout.contains("nests deeper than 64 levels"), "\(result.stdout)")
        #expect(cpu < 5, "\(cpu) CPU-s")
        #expect(kib < 300_000)
    }

    @Test func aToolListWithinTheBoundIsReadQuickly() async throws {
        let peer = try await Hostile2026Tests.peer("deep-tools-64")
        defer { peer.stop() }
        let home = try Hostile2026Tests.home(peer, connectTimeout: 10, timeout: 10)
        let (result, _, cpu) = try await Hostile2026Tests.measured(home, ["mcp", "test", "h", "--json"])
        #expect(result.stdout.contains("\"connected\" : true") || result.stdout.contains("\"connected\": true"), "\(result.stdout)")
        #expect(cpu < 5, "\(cpu) CPU-s")
    }
}

/// Ctrl-C at a server's question ends `hermes mcp call` at once (it was swallowed: the signal was
/// raised on a dispatch thread that blocks it, and the call waited for its timeout).
@Suite(.timeLimit(.minutes(2))) struct QuestionInterruptTests {
    @Test func ctrlCAtAQuestionEndsTheCall() async throws {
        let peer = try await Hostile2026Tests.peer("ir-escapes")
        defer { peer.stop() }
        let start = Date()
        let result = try await Hostile2026Tests.onTerminal(try Hostile2026Tests.home(peer), "h ask", """
            [{"expect": "Accept? [Y/n]: "}, {"send": "\\u0003"}]
            """)
        let seconds = Date().timeIntervalSince(start)
        #expect(result.status != 0 && result.status != 1 && result.status != 99, "exit \(result.status): \(result.stdout.suffix(300))")
        #expect(seconds < 15, "took \(seconds) s")
    }
}

/// A change stream that never stops sending list_changed: hermes leaves it once a second holds
/// more than FloodGate.perSecond messages and comes back after a pause (it read all of it before,
/// queueing faster than it could handle: 10 MB of memory a second and both cores busy).
@Suite(.timeLimit(.minutes(2))) struct ListenTorrentTests {
    @Test func aTorrentOfChangesIsLeftAndTakenUpLater() async throws {
        let peer = try await Hostile2026Tests.peer("listen-torrent")
        defer { peer.stop() }
        let home = try Hostile2026Tests.home(peer)
        let task = try Hostile2026StreamTests.task(home, "h")
        let heard = Heard<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        let left = try await waitUntil(timeout: 20, poll: 0.2) {
            (try await Hostile2026Tests.requests(peer)["subscriptions/listen"] ?? 0) >= 2
        }
        #expect(left, "the stream was never left")
        await task.shutdown()
        let listings = try await Hostile2026Tests.requests(peer)["tools/list"] ?? 0
        #expect(listings < 30, "\(listings) tool listings")
    }
}
