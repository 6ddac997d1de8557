import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// Each server in the revision it speaks, against the official Python SDK's server in each of its
/// forms (era_server.py): the 2026-07-28 lifecycle (no initialize, the `_meta` envelope and the
/// routing headers on every request) where the server offers it, `initialize` where it does not,
/// the five operations the same on both, and what 2026-07-28 added (multi-round requests,
/// mirrored arguments) working.
@Suite(.timeLimit(.minutes(2))) struct ProtocolEraTests {
    static func task(_ entry: String, elicit: ElicitationHandler? = nil) throws -> (MCPServerTask, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let yaml = "mcp_servers:\n  e:\n" + entry.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n    connect_timeout: 20\n    timeout: 20\n"
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        return (MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path)), elicit: elicit), dir)
    }

    static func fiveOperations(_ ops: MCPOperations, greeting: String) async {
        #expect(await ops.callTool("echo", arguments: ["text": "hi"]) == #"{"result": "hi"}"#)
        let resources = decode(await ops.listResources())["resources"] as? [[String: Any]]
        #expect(resources?.contains { $0["uri"] as? String == "hermes://greeting" } == true)
        #expect(await ops.readResource("hermes://greeting") == #"{"result": "\#(greeting)"}"#)
        let prompts = decode(await ops.listPrompts())["prompts"] as? [[String: Any]]
        #expect(prompts?.first?["name"] as? String == "summarize")
        #expect("\(decode(await ops.getPrompt("summarize", arguments: ["topic": "eras"]))["messages"] ?? "")".contains("Summarize eras in one line."))
    }

    @Test(arguments: [("dual", "2026-07-28"), ("modern", "2026-07-28"), ("stateful", "2025-11-25"), ("stateless", "2025-11-25")])
    func eachHTTPServerInItsOwnRevision(mode: String, expected: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let ops = MCPOperations(task: task)
        await Self.fiveOperations(ops, greeting: "hello from the era peer")
        #expect(try await task.connection().protocolVersion == expected)
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
        let posts = try await peer.log().filter { $0.method == "POST" }
        if expected == "2026-07-28" {
            // No handshake, no session; every request names its version and method, and the
            // three that name something name it.
            #expect(!posts.contains { $0.rpc == "initialize" })
            #expect(posts.allSatisfy { $0.headers["mcp-protocol-version"] == "2026-07-28" && $0.headers["mcp-method"] == $0.rpc })
            #expect(posts.allSatisfy { $0.headers["mcp-session-id"] == nil })
            #expect(posts.first { $0.rpc == "tools/call" }?.headers["mcp-name"] == "echo")
            #expect(posts.first { $0.rpc == "resources/read" }?.headers["mcp-name"] == "hermes://greeting")
        } else {
            #expect(posts.filter { $0.rpc == "initialize" }.count == 1)
            #expect(posts.first { $0.rpc == "tools/call" }?.headers["mcp-protocol-version"] == expected)
        }
    }

    @Test(arguments: [("dual", "2026-07-28"), ("modern", "2026-07-28"), ("legacy", "2025-11-25")])
    func eachStdioServerInItsOwnRevision(mode: String, expected: String) async throws {
        let (command, args) = try await EraPeer.stdio(mode: mode)
        let (task, _) = try Self.task("command: \(command)\nargs: [\(args.joined(separator: ", "))]")
        await Self.fiveOperations(MCPOperations(task: task), greeting: "hello from the era peer")
        #expect(try await task.connection().protocolVersion == expected)
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
    }

    @Test func aStdioServerThatPredates2026IsSpokenToWithInitialize() async throws {
        let (task, _) = try Self.task("command: \(try Peers.python)\nargs: [\(Peers.script("plain_stdio_server.py"))]")
        await Self.fiveOperations(MCPOperations(task: task), greeting: "hello from stdio")
        #expect(try await task.connection().protocolVersion == "2025-11-25")
        await task.shutdown()
    }

    /// A server of 2025-03-26 alone answers `initialize` with that revision whatever hermes offers:
    /// hermes takes it and speaks it.
    @Test func aServerOfOnly20250326IsSpokenToInItsRevision() async throws {
        let (task, _) = try Self.task("command: \(try Peers.python)\nargs: [\(Peers.script("plain_stdio_server.py"))]\nenv:\n  PEER_ONLY_VERSION: \"2025-03-26\"")
        await Self.fiveOperations(MCPOperations(task: task), greeting: "hello from stdio")
        #expect(try await task.connection().protocolVersion == "2025-03-26")
        await task.shutdown()
    }

    @Test func aPinnedRevisionIsSpokenWithoutAsking() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)\nprotocol_version: 2025-06-18")
        #expect(await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"]) == #"{"result": "x"}"#)
        let connection = try await task.connection()
        #expect(connection.protocolVersion == "2025-06-18" && connection.pinned)
        await task.shutdown()
        #expect(!(try await peer.log()).contains { $0.rpc == "server/discover" })
    }

    @Test(arguments: [("modern", "2025-11-25", "this server speaks only 2026-07-28"), ("stateful", "2026-07-28", "Missing session ID")])
    func aPinnedRevisionTheServerDoesNotSpeakIsOneClearFailure(mode: String, pin: String, says: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)\nprotocol_version: \(pin)")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer.contains(says), "\(answer)")
        #expect(await task.connectionAttempts == 1)   // final: asking again gets the same
        await task.shutdown()
    }

    @Test func aServerFoundToPredate2026IsNotProbedAgainOnReconnect() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let first = try await task.connection()
        _ = try await task.reconnect(after: first.generation)
        await task.shutdown()
        let rpcs = try await peer.log().compactMap(\.rpc)
        #expect(rpcs.filter { $0 == "server/discover" }.count == 1)
        #expect(rpcs.filter { $0 == "initialize" }.count == 2)
    }

    @Test(arguments: ["dual", "stateful"])
    func elicitationReachesTheHostOnBothLifecycles(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try Self.task("url: \(peer.url)") { request in
            asked.record(request)
            return .accept(["copies": .int(2)])
        }
        let answer = await MCPOperations(task: task).callTool("reserve", arguments: ["title": "Dune"])
        #expect(answer == #"{"result": "Reserved 2 of 'Dune'."}"#)
        let request = try #require(asked.values.first)
        #expect(request.message == "How many copies?" && request.server == "e")
        guard case .form(let schema) = request.mode, case .object(let properties)? = schema["properties"],
              case .object(let copies)? = properties["copies"] else {
            Issue.record("not a form with a copies field: \(request.mode)")
            return
        }
        #expect(copies["type"] == .string("integer") && copies["default"] == .int(1))
        await task.shutdown()
    }

    @Test(arguments: ["dual", "stateful"])
    func aDeclinedElicitationIsTheToolsOwnAnswer(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)") { _ in .decline }
        #expect(await MCPOperations(task: task).callTool("reserve", arguments: ["title": "Dune"]) == #"{"result": "Nothing reserved (decline)."}"#)
        await task.shutdown()
    }

    @Test(arguments: ["dual", "stateful"])
    func progressReachesTheCallerWhileTheToolRuns(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let updates = Recorded<ProgressUpdate>()
        let answer = await MCPOperations(task: task).call(tool: "progress", arguments: ["steps": 3, "delay_ms": 20]) { updates.record($0) }
        #expect(answer.json == #"{"result": "done 3"}"#)
        #expect(updates.values.map(\.progress) == [1, 2, 3] && updates.values.allSatisfy { $0.total == 3 })
        #expect(updates.values.last?.message == "step 3")
        await task.shutdown()
    }

    @Test(arguments: ["dual", "stateful"])
    func everyPageIsListed(mode: String) async throws {
        let peer = try await EraPeer(mode: mode, arguments: ["--resource-pages", "3"])
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let resources = decode(await MCPOperations(task: task).listResources())["resources"] as? [[String: Any]]
        #expect(resources?.count == 9)
        await task.shutdown()
        #expect(try await peer.log().filter { $0.rpc == "resources/list" }.count == 3)
    }

    @Test func anArgumentMarkedForAHeaderTravelsInItToo() async throws {
        let peer = try await EraPeer(mode: "modern")
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        #expect(await MCPOperations(task: task).callTool("regional", arguments: ["region": "eu-west"]) == #"{"result": "region eu-west"}"#)
        await task.shutdown()
        #expect(try await peer.log().first { $0.rpc == "tools/call" }?.headers["mcp-param-region"] == "eu-west")
    }

    /// 2025-11-25 resumability: the server ends the call's event stream before answering (its
    /// events have ids, the first says `retry: 100`); hermes comes back with a GET carrying
    /// Last-Event-ID and gets the rest, progress included, as one answer.
    @Test func aStreamEndedBeforeTheAnswerIsResumedWhereItEnded() async throws {
        let peer = try await EraPeer(mode: "stateful", arguments: ["--resumable"])
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let updates = Recorded<ProgressUpdate>()
        let answer = await MCPOperations(task: task).call(tool: "interrupted", arguments: [:]) { updates.record($0) }
        #expect(answer.json == #"{"result": "answered after the break"}"#, "\(answer.json)")
        #expect(updates.values.map(\.progress) == [1, 2], "\(updates.values)")
        await task.shutdown()
        let log = try await peer.log()
        let resumed = log.filter { $0.method == "GET" && $0.headers["last-event-id"] != nil }
        #expect(resumed.count == 1, "\(log)")
        #expect(log.filter { $0.rpc == "tools/call" }.count == 1, "the call was not sent again")
    }

    /// The server moved the header after hermes listed its tools: its -32020 makes hermes list them
    /// again and resend once, with the new header; a second refusal would be the answer.
    @Test func aMovedHeaderIsLearntAgainOnce() async throws {
        let peer = try await EraPeer(mode: "modern")
        defer { peer.stop() }
        let (task, _) = try Self.task("url: \(peer.url)")
        let operations = MCPOperations(task: task)
        #expect(await operations.callTool("move_header", arguments: ["header": "Zone"]) == #"{"result": "regional now uses Mcp-Param-Zone"}"#)
        #expect(await operations.callTool("regional", arguments: ["region": "eu-west"]) == #"{"result": "region eu-west via Zone"}"#)
        await task.shutdown()
        let calls = try await peer.log().filter { $0.rpc == "tools/call" || $0.rpc == "tools/list" }.map(\.rpc)
        #expect(calls == ["tools/list", "tools/call", "tools/call", "tools/list", "tools/call"], "\(calls)")
        #expect(try await peer.log().last { $0.rpc == "tools/call" }?.headers["mcp-param-zone"] == "eu-west")
    }
}

/// What a callback was handed, in order.
final class Recorded<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func record(_ item: T) { lock.withLock { items.append(item) } }
    var values: [T] { lock.withLock { items } }
}
