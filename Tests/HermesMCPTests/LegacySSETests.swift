import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// `transport: sse`, the HTTP+SSE transport of MCP 2024-11-05: against the official Python SDK's SSE
/// app (era_server.py --mode sse, and oauth_server.py --sse behind its bearer gate) the five
/// operations, progress, elicitation and a 401 recovered through the manager; against
/// hostile_sse.py an endpoint on another origin (refused, and nothing reaches that origin), a
/// stream that never names its endpoint, oversized events, a POST refused and a stream that closes
/// mid-request, each failing at once with its reason.
@Suite(.timeLimit(.minutes(3))) struct LegacySSETests {
    static func task(_ url: String, connectTimeout: Int = 20, extra: String = "", elicit: ElicitationHandler? = nil) throws -> (MCPServerTask, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let yaml = "mcp_servers:\n  e:\n    url: \"\(url)\"\n    transport: sse\n    connect_timeout: \(connectTimeout)\n    timeout: 20\n" + extra
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        return (MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path)), elicit: elicit), dir)
    }

    // MARK: the SDK's SSE server

    @Test func theFiveOperationsOverTheSDKsSSEServer() async throws {
        let peer = try await EraPeer(mode: "sse")
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url)
        let ops = MCPOperations(task: task)
        await ProtocolEraTests.fiveOperations(ops, greeting: "hello from the era peer")
        let connection = try await task.connection()
        #expect(connection.tools.contains { $0.name == "echo" })
        #expect(ProtocolRevision.handshake.contains(connection.protocolVersion))
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
        let log = try await peer.log()
        // One stream; every message POSTed to the endpoint it named; no 2026-07-28 probe.
        #expect(log.filter { $0.method == "GET" && $0.path == "/sse" }.count == 1)
        let posts = log.filter { $0.method == "POST" }
        #expect(!posts.isEmpty && posts.allSatisfy { $0.path == "/messages/" && $0.query.hasPrefix("session_id=") })
        #expect(posts.first?.rpc == "initialize")
        #expect(!posts.contains { $0.rpc == "server/discover" })
        for rpc in ["tools/call", "resources/list", "resources/read", "prompts/list", "prompts/get"] {
            #expect(posts.contains { $0.rpc == rpc }, "no \(rpc)")
        }
    }

    @Test func progressReachesTheCallerWhileTheToolRuns() async throws {
        let peer = try await EraPeer(mode: "sse")
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url)
        let updates = Recorded<ProgressUpdate>()
        let answer = await MCPOperations(task: task).call(tool: "progress", arguments: ["steps": 3, "delay_ms": 20]) { updates.record($0) }
        #expect(answer.json == #"{"result": "done 3"}"#)
        #expect(updates.values.map(\.progress) == [1, 2, 3] && updates.values.allSatisfy { $0.total == 3 })
        await task.shutdown()
    }

    @Test func elicitationIsAnsweredOverThePOSTs() async throws {
        let peer = try await EraPeer(mode: "sse")
        defer { peer.stop() }
        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try Self.task(peer.url) { request in
            asked.record(request)
            return .accept(["copies": .int(3)])
        }
        #expect(await MCPOperations(task: task).callTool("reserve", arguments: ["title": "Dune"]) == #"{"result": "Reserved 3 of 'Dune'."}"#)
        #expect(asked.values.first?.message == "How many copies?")
        await task.shutdown()
        #expect(try await peer.log().contains { $0.method == "POST" && $0.rpc == "(response)" })
    }

    @Test func aChangedToolListArrivesOnTheStream() async throws {
        let peer = try await EraPeer(mode: "sse")
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url)
        let changes = Recorded<[MCPChange]>()
        await task.onChange { changes.record($0) }
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("add_tool", arguments: ["name": "late"]) == #"{"result": "tool late added"}"#)
        #expect(try await waitUntil(timeout: 10) { changes.values.contains { $0.contains(.tools) } })
        #expect(await ops.callTool("late", arguments: [:]) == #"{"result": "added late"}"#)
        await task.shutdown()
    }

    @Test func shutdownEndsTheStream() async throws {
        let peer = try await EraPeer(mode: "sse")
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url)
        let connection = try await task.connection()
        await task.shutdown()
        // The session is gone with its stream: a message sent now fails at once.
        await #expect(throws: MCPTransportError.self) { try await connection.transport.send(Data(#"{"jsonrpc":"2.0","method":"x"}"#.utf8)) }
    }

    // MARK: OAuth

    /// A logged-in HERMES_HOME beside oauth_server.py serving MCP over HTTP+SSE.
    struct OAuthFixture {
        let peer: OAuthPeer
        let dir = TemporaryDirectory("hermes-sse")
        let manager: OAuthManager

        init() async throws {
            peer = try await OAuthPeer(arguments: ["--sse", "--mcp-path", "/sse"])
            try dir.write("config.yaml", """
                mcp_servers:
                  demo:
                    url: \(peer.mcpURL)
                    transport: sse
                    auth: oauth
                    timeout: 20
                    connect_timeout: 10
                """)
            manager = OAuthManager(home: HermesHome(path: dir.path))
            var env = ProcessInfo.processInfo.environment
            for (k, v) in Peers.browser() { env[k] = v }
            _ = try await manager.login("demo", interaction: LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { _ in })
        }

        func task() throws -> MCPServerTask {
            let config = try #require(try ConfigFile.load(home: HermesHome(path: dir.path)).server(named: "demo", environment: [:]))
            return MCPServerTask(config: config, manager: manager)
        }

        func refreshes() async throws -> Int {
            try await peer.log().filter { $0.path == "/token" && $0["grant_type"] == "refresh_token" }.count
        }
    }

    /// The login's probes open the stream as a client of this transport would: a POST there is
    /// answered 405 by the SDK's SSE app, which the login took for the server refusing the new token.
    @Test func aLoginProbesTheStreamWithGETs() async throws {
        let f = try await OAuthFixture()
        defer { f.peer.stop() }
        let stored = try #require(TokenStore(home: HermesHome(path: f.dir.path), serverName: "demo").tokens())
        let mcp = try await f.peer.log().filter { $0.path == "/sse" }
        #expect(mcp.count == 2 && mcp.allSatisfy { $0.method == "GET" })
        #expect(mcp.first?.bearer == nil && mcp.last?.bearer == stored.accessToken)
    }

    @Test func aTokenRevokedMidSessionIsRefreshedAndTheCallRetriedOnce() async throws {
        let f = try await OAuthFixture()
        defer { f.peer.stop() }
        try await f.peer.call("/clear-log")   // the login's own requests
        let task = try f.task()
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "before"]) == #"{"result": "before"}"#)
        let first = try await task.connection().generation
        try await f.peer.call("/revoke-access")
        #expect(await ops.callTool("echo", arguments: ["text": "after"]) == #"{"result": "after"}"#)
        #expect(try await f.refreshes() == 1)
        #expect(try await task.connection().generation > first)
        await task.shutdown()
        let log = try await f.peer.log()
        #expect(log.filter { $0.path == "/authorize" }.isEmpty)   // recovered without a new login
        // The refused POST carried the old token; the new stream and the retried call the new one.
        let streams = log.filter { $0.method == "GET" && $0.path == "/sse" }
        #expect(streams.count == 2 && streams[0].bearer != nil && streams[0].bearer != streams[1].bearer)
        let calls = log.filter { $0.method == "POST" && $0.path.hasPrefix("/messages") && $0.json["method"] as? String == "tools/call" }
        #expect(calls.count == 3 && calls[1].bearer == streams[0].bearer && calls[2].bearer == streams[1].bearer)
    }

    @Test func aTokenRefusedAtTheStreamIsRefreshedBeforeTheFirstRequest() async throws {
        let f = try await OAuthFixture()
        defer { f.peer.stop() }
        try await f.peer.call("/clear-log")
        try await f.peer.call("/revoke-access")
        let task = try f.task()
        #expect(await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"]) == #"{"result": "x"}"#)
        #expect(try await f.refreshes() == 1)
        await task.shutdown()
        let streams = try await f.peer.log().filter { $0.method == "GET" && $0.path == "/sse" }
        #expect(streams.count == 2 && streams[0].bearer != streams[1].bearer)
    }

    // MARK: hostile servers

    final class Hostile: @unchecked Sendable {
        let peer: PeerProcess
        var origin: String { peer["origin"] }
        var recorder: String { peer["recorder"] }

        init() async throws { peer = try await PeerProcess(script: "hostile_sse.py") }

        func log() async throws -> (main: [[String: Any]], recorder: [[String: Any]]) {
            let (data, _) = try await URLSession.shared.data(from: URL(string: origin + "/log")!)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]] ?? [:]
            return (object["main"] ?? [], object["recorder"] ?? [])
        }

        func posts() async throws -> [[String: Any]] { try await log().main.filter { $0["method"] as? String == "POST" } }
    }

    static let secret = "Bearer sse-test-secret-4711"

    /// Endpoints on another origin, in the forms a hostile server might try (`{recorder}` is the
    /// recording listener's origin, `{rport}` its port, `{port}` the stream's port).
    @Test(arguments: ["{recorder}/messages?session_id=1", "//127.0.0.1:{rport}/messages", "http://localhost:{port}/proper/messages",
                      "https://127.0.0.1:{port}/proper/messages", "http://127.0.0.1:{rport}\\@127.0.0.1:{port}/proper/messages",
                      "http://x@127.0.0.1:{port}/proper/messages"])
    func anEndpointOnAnotherOriginIsRefusedAndNothingIsSentThere(template: String) async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let port = String(hostile.origin.split(separator: ":").last!), rport = String(hostile.recorder.split(separator: ":").last!)
        let endpoint = template.replacingOccurrences(of: "{recorder}", with: hostile.recorder)
            .replacingOccurrences(of: "{rport}", with: rport).replacingOccurrences(of: "{port}", with: port)
        let query = try #require(endpoint.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let (task, _) = try Self.task("\(hostile.origin)/proper/sse?endpoint=\(query)", extra: "    headers:\n      Authorization: \(Self.secret)\n")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer.contains("hermes posts only to the server's own origin") || answer.contains("is not a plain URL"), "\(answer)")
        #expect(await task.connectionAttempts == 1)   // refused, not retried
        await task.shutdown()
        let log = try await hostile.log()
        #expect(log.recorder.isEmpty, "\(log.recorder)")
        #expect(!log.main.contains { $0["method"] as? String == "POST" })
        // The stream itself did carry the header: it is the server's own origin.
        #expect(log.main.first?["authorization"] as? String == Self.secret)
    }

    @Test func aRelativeEndpointOnTheSameOriginIsFollowed() async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/proper/sse", extra: "    headers:\n      Authorization: \(Self.secret)\n")
        #expect(await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"]) == #"{"result": "x"}"#)
        await task.shutdown()
        let posts = try await hostile.posts()
        #expect(posts.count >= 3 && posts.allSatisfy { $0["authorization"] as? String == Self.secret && ($0["path"] as? String)?.hasPrefix("/proper/messages?session_id=") == true })
    }

    @Test func aStreamThatNeverNamesItsEndpointFailsWithinTheConnectTimeout() async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/silent/sse", connectTimeout: 2)
        let started = Date()
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(Date().timeIntervalSince(started) < 8, "took \(Date().timeIntervalSince(started)) s")
        #expect(answer.contains("no endpoint event"), "\(answer)")
        #expect(try await hostile.posts().isEmpty)
        await task.shutdown()
    }

    @Test func aGETNeverAnsweredFailsWithinTheConnectTimeout() async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/mute/sse", connectTimeout: 2)
        let started = Date()
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(Date().timeIntervalSince(started) < 8, "took \(Date().timeIntervalSince(started)) s")
        #expect(answer.contains("did not answer the SSE stream's GET") || answer.contains("timed out"), "\(answer)")
        #expect(try await hostile.posts().isEmpty)
        await task.shutdown()
    }

    @Test(arguments: [("huge-line", "a line longer than 64 MiB"), ("huge-event", "an event larger than 64 MiB")])
    func aHundredMegabyteEventIsCutAtTheBound(attack: String, says: String) async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/\(attack)/sse")
        let started = Date()
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer.contains(says), "\(answer)")
        #expect(Date().timeIntervalSince(started) < 15)
        // Over at once, and not tried again: the same server would send the same.
        #expect(try await hostile.posts().filter { $0["rpc"] as? String == "tools/call" }.count == 1)
        await task.shutdown()
    }

    @Test func aStreamClosedMidRequestFailsTheRequestAtOnce() async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/close/sse")
        let started = Date()
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(Date().timeIntervalSince(started) < 10, "took \(Date().timeIntervalSince(started)) s")
        #expect(answer.contains("ended the SSE stream"), "\(answer)")
        // A lost session is opened again and the call retried once, as over every transport.
        #expect(try await hostile.posts().filter { $0["rpc"] as? String == "tools/call" }.count == 2)
        await task.shutdown()
    }

    @Test func aPOSTRefusedFailsThatRequestWithTheServersStatusAndWords() async throws {
        let hostile = try await Hostile()
        defer { hostile.peer.stop() }
        let (task, _) = try Self.task("\(hostile.origin)/post-error/sse")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        #expect(answer.contains("HTTP 500") && answer.contains("the tool store is on fire"), "\(answer)")
        // The session outlives one refused message.
        let connection = try await task.connection()
        #expect(connection.tools.contains { $0.name == "echo" })
        await task.shutdown()
    }
}

/// The endpoint rule alone, on the forms a server may send.
@Suite struct SSEEndpointTests {
    let base = URL(string: "http://127.0.0.1:8000/api/sse")!

    @Test func relativeForms() throws {
        #expect(try SSEEndpoint.resolve(Data("/messages/?session_id=ab".utf8), against: base).absoluteString == "http://127.0.0.1:8000/messages/?session_id=ab")
        #expect(try SSEEndpoint.resolve(Data("messages?x=1".utf8), against: base).absoluteString == "http://127.0.0.1:8000/api/messages?x=1")
        #expect(try SSEEndpoint.resolve(Data("http://127.0.0.1:8000/m#frag".utf8), against: base).absoluteString == "http://127.0.0.1:8000/m")
        let https = URL(string: "https://example.com/sse")!
        #expect(try SSEEndpoint.resolve(Data("https://EXAMPLE.com:443/m".utf8), against: https).absoluteString == "https://example.com/m")
    }

    @Test(arguments: ["http://127.0.0.1:8001/m", "//evil.example/m", "https://127.0.0.1:8000/m", "http://localhost:8000/m",
                      "http://a@127.0.0.1:8000/m", "http://127.0.0.1:8001\\@127.0.0.1:8000/m", "/m x", "", "javascript:alert(1)",
                      "file:///etc/passwd", String(repeating: "a", count: 5000)])
    func otherOriginsAndOddTextAreRefused(endpoint: String) {
        #expect(throws: SSEEndpoint.Refused.self) { try SSEEndpoint.resolve(Data(endpoint.utf8), against: base) }
    }
}
