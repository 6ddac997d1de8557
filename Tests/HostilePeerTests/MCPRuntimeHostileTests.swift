import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import HermesMCP

/// MCP servers that answer `initialize` properly and then misbehave (Tests/PythonPeers/
/// hostile_mcp_http.py and hostile_mcp_stdio.py), met through `hermes mcp test` / `hermes mcp call`
/// and the runtime API. Each must end in a clear error at once (or at the configured deadline when
/// the server just streams), tried once, with nothing left running: before, most of them waited out
/// the connect timeout four times (~247 s with the defaults) and said only "timed out".
@Suite(.timeLimit(.minutes(3))) struct MCPRuntimeHostileTests {
    /// `hermes mcp test h --json` against a peer URL path, with its outcome and its duration.
    struct Outcome {
        let json: [String: Any]
        let seconds: Double
        var connected: Bool { json["connected"] as? Bool ?? false }
        var error: String { json["error"] as? String ?? "" }
    }

    static func mcpTest(_ home: HostileHome, server: String, timeout: Double = 45) async throws -> Outcome {
        let start = Date()
        let result = try await home.hermes(["mcp", "test", server, "--json"], timeout: timeout)
        let seconds = Date().timeIntervalSince(start)
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        #expect(!json.isEmpty, "no JSON from hermes mcp test: \(result.stdout) \(result.stderr)")
        return Outcome(json: json, seconds: seconds)
    }

    static func httpHome(_ peer: PeerProcess, path: String, connectTimeout: Int = 30) throws -> HostileHome {
        let home = HostileHome()
        try home.config("""
            mcp_servers:
              h:
                url: \(peer["url"])/\(path)
                connect_timeout: \(connectTimeout)
                timeout: 20
            """)
        return home
    }

    static func stdioHome(_ attack: String, method: String = "tools/list", connectTimeout: Int = 30) throws -> HostileHome {
        let home = HostileHome()
        try home.config("""
            mcp_servers:
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("hostile_mcp_stdio.py")), \(attack), \(method)]
                env: {HOSTILE_STARTS: \(home.dir.file("starts.log"))}
                connect_timeout: \(connectTimeout)
                timeout: 20
            """)
        return home
    }

    /// How many times hermes started the stdio server of `home`.
    static func starts(_ home: HostileHome) -> Int {
        ((try? String(contentsOfFile: home.dir.file("starts.log"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// How often the HTTP peer was asked each method.
    static func requests(_ peer: PeerProcess) async throws -> [String: Int] {
        let response = try await CurlTransport.shared.send(HTTPRequest(url: URL(string: peer["url"] + "/stats")!, timeout: 5))
        let stats = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return stats?["requests"] as? [String: Int] ?? [:]
    }

    // MARK: pagination

    @Test(arguments: [
        ("fresh-cursor", "Pagination.maxPages"),
        ("empty-pages", "Pagination.maxPages"),
        ("same-cursor", "the same nextCursor again"),
        ("huge-pages", "Pagination.maxItems"),
    ])
    func endlessPaginationIsAnErrorNamingTheLimit(attack: String, expected: String) async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        // A deadline far off: the limit must end the listing, not the clock (a debug build takes
        // some 10 s to decode the 15,000 tools of huge-pages).
        let home = try Self.httpHome(peer, path: "\(attack)/tools/list", connectTimeout: 50)
        let outcome = try await Self.mcpTest(home, server: "h", timeout: 58)
        #expect(!outcome.connected)
        #expect(outcome.error.contains(expected), "\(outcome.json)")
        #expect(outcome.error.contains("listing the tools of 'h'"), "\(outcome.json)")
        // A limit is the server's doing: the connection is not tried again.
        #expect(try await Self.requests(peer)["initialize"] == 1)
    }

    @Test func aHugeButHonestServerStillConnects() async throws {
        // 5,000 tools in one page: the limits leave room for it.
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        let home = try Self.httpHome(peer, path: "big-page/tools/list", connectTimeout: 50)
        let outcome = try await Self.mcpTest(home, server: "h", timeout: 58)
        #expect(outcome.connected, "\(outcome.json)")
        #expect((outcome.json["tools"] as? [Any])?.count == 5_000)
    }

    @Test func listingResourcesAndPromptsIsBoundedToo() async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        for (method, operation, expected) in [("resources/list", "resources/list", "Pagination.maxPages"),
                                              ("prompts/list", "prompts/list", "the same nextCursor again")] {
            let attack = expected.hasPrefix("Pagination") ? "fresh-cursor" : "same-cursor"
            let home = try Self.httpHome(peer, path: "\(attack)/\(method)")
            let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "h", environment: [:]))
            let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
            let ops = MCPOperations(task: task)
            let started = Date()
            let answer = method == "resources/list" ? await ops.listResources() : await ops.listPrompts()
            await task.shutdown()
            #expect(answer.contains(expected) && answer.contains(operation), "\(answer)")
            #expect(Date().timeIntervalSince(started) < 20, "\(answer)")
        }
    }

    @Test func paginationLimitsCountPagesItemsBytesAndRepeats() async throws {
        // Pages made up here, their size counted as a transport would: no server needed to tell
        // the limits apart.
        func run(_ page: @escaping (Int) -> ([String], String?)) async -> String {
            var n = 0
            let received = Pagination.ReceivedBytes()
            do {
                let all = try await allPages("listing", received: received) { _ in
                    n += 1
                    let (items, next) = page(n)
                    received.add(items.reduce(0) { $0 + $1.utf8.count })
                    return (items, next)
                }
                return "ok \(all.count) in \(n)"
            } catch {
                return "\(error)"
            }
        }
        #expect(await run { $0 < 3 ? (["a"], "c\($0)") : (["a"], nil) } == "ok 3 in 3")
        #expect(await run { $0 < 3 ? (["a"], "c\($0)") : (["a"], "") } == "ok 3 in 3")
        #expect(await run { _ in ([], UUID().uuidString) }.contains("past \(Pagination.maxPages) pages"))
        #expect(await run { _ in (Array(repeating: "x", count: 3_000), UUID().uuidString) }.contains("more than \(Pagination.maxItems) items"))
        let big = String(repeating: "y", count: 1 << 20)
        #expect(await run { _ in ([big], UUID().uuidString) }.contains("Pagination.maxBytes"))
        #expect(await run { _ in (["a"], "same") }.contains("the same nextCursor again, so the listing would never end (after 2 pages"))
    }

    // MARK: undecodable replies over HTTP

    @Test(arguments: [
        ("wrong-shape/tools/list", "result.tools is not an array"),
        ("wrong-shape/initialize", "the result of initialize is not what MCP defines"),
        ("no-result/tools/list", "is not a JSON-RPC 2.0 response"),
        ("wrong-id/tools/list", "a response to another request"),
        ("invalid-json/tools/list", "(application/json) that is not JSON"),
        ("invalid-json/initialize", "(application/json) that is not JSON"),
        ("html/tools/list", "(text/html) that is not JSON: '<html>"),
        ("empty/tools/list", "the body was empty"),
        ("sse-flood/tools/list", "exceeded"),
        ("bad-session/initialize", "sent an Mcp-Session-Id that cannot be sent back"),
        ("redirect/initialize", "which hermes does not follow"),
    ])
    func anUndecodableHTTPReplyFailsAtOnceWithTheReason(path: String, expected: String) async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        let home = try Self.httpHome(peer, path: path)
        let outcome = try await Self.mcpTest(home, server: "h")
        #expect(!outcome.connected)
        #expect(outcome.error.contains(expected), "\(outcome.json)")
        #expect(outcome.seconds < 15, "took \(outcome.seconds) s: \(outcome.json)")
        #expect(try await Self.requests(peer)["initialize"] == 1, "a server that answers garbage is not asked again")
    }

    @Test func anEventStreamThatNeverEndsIsLeftOnceItHasAnswered() async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        let home = try Self.httpHome(peer, path: "sse-after/tools/list")
        let outcome = try await Self.mcpTest(home, server: "h")
        #expect(outcome.connected, "\(outcome.json)")
        #expect(outcome.seconds < 15)
        #expect((outcome.json["tools"] as? [[String: Any]])?.first?["name"] as? String == "echo")
    }

    @Test(arguments: [("sse-silent", "its event stream sent no response to it"), ("trickle", "its reply had not ended after")])
    func aReplyThatNeverEndsEndsAtTheDeadlineAndIsNotRetried(attack: String, expected: String) async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        let home = try Self.httpHome(peer, path: "\(attack)/tools/list", connectTimeout: 3)
        let outcome = try await Self.mcpTest(home, server: "h")
        #expect(!outcome.connected)
        #expect(outcome.error.contains("timed out after 3.0s"), "\(outcome.json)")
        #expect(outcome.error.contains(expected), "\(outcome.json)")
        #expect(outcome.seconds < 10, "took \(outcome.seconds) s")
        #expect(try await Self.requests(peer)["initialize"] == 1)
    }

    @Test(arguments: [("wrong-shape", "result.content is not an array"), ("invalid-json", "that is not JSON")])
    func aToolCallWithAnUndecodableReplyFailsAtOnce(attack: String, expected: String) async throws {
        let peer = try await PeerProcess(script: "hostile_mcp_http.py")
        defer { peer.stop() }
        let home = try Self.httpHome(peer, path: "\(attack)/tools/call")
        let started = Date()
        let result = try await home.hermes(["mcp", "call", "h", "echo", #"{"text": "hi"}"#], timeout: 45)
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix(#"{"error": "MCP call failed: "#), "\(result.stdout)")
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    // MARK: stdio

    @Test func aStdioLineThatNeverEndsIsCutAndTheServerStopped() async throws {
        // Through the runtime, so the server is seen gone while hermes still lives (its
        // parent-death signal would otherwise do the stopping).
        let marker = "hostile-\(UUID().uuidString)"
        let home = try Self.stdioHome("endless-line")
        try home.config("""
            mcp_servers:
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("hostile_mcp_stdio.py")), endless-line, tools/list, \(marker)]
                connect_timeout: 30
            """)
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "s", environment: [:]))
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)),
                                 environment: ProcessInfo.processInfo.environment)
        let started = Date()
        var failure = ""
        do {
            _ = try await task.connection()
        } catch {
            failure = "\(error)"
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(failure.contains("a line longer than \(StdioMCPTransport.maxLine >> 20) MiB"), "\(failure)")
        #expect(seconds < 20, "took \(seconds) s")
        #expect(await task.connectionAttempts == 1)
        #expect(Self.processes(containing: marker).isEmpty, "the server is still running")
        await task.shutdown()
    }

    @Test(arguments: [
        ("wrong-shape", "tools/list", "result.tools is not an array"),
        ("wrong-shape", "initialize", "the result of initialize is not what MCP defines"),
        ("no-result", "tools/list", "is not a JSON-RPC 2.0 response"),
        ("bad-version", "tools/list", "is not a JSON-RPC 2.0 response"),
    ])
    func garbageJSONRPCOverStdioFailsAtOnceWithTheReason(attack: String, method: String, expected: String) async throws {
        let home = try Self.stdioHome(attack, method: method)
        let outcome = try await Self.mcpTest(home, server: "s")
        #expect(!outcome.connected)
        #expect(outcome.error.contains(expected), "\(outcome.json)")
        #expect(outcome.seconds < 15, "took \(outcome.seconds) s: \(outcome.json)")
        #expect(Self.starts(home) == 1, "a server that answers garbage is not started again")
    }

    @Test(arguments: [("not-json", "a line that is not JSON: 'Traceback"), ("wrong-id", "a response to no waiting request")])
    func stdioLinesThatAnswerNothingAreNamedAtTheDeadline(attack: String, expected: String) async throws {
        let home = try Self.stdioHome(attack, connectTimeout: 3)
        let outcome = try await Self.mcpTest(home, server: "s")
        #expect(!outcome.connected)
        #expect(outcome.error.contains("timed out after 3.0s"), "\(outcome.json)")
        #expect(outcome.error.contains(expected), "\(outcome.json)")
        // Not retried: three more tries and their backoff would take 16 s more.
        #expect(outcome.seconds < 10, "took \(outcome.seconds) s")
        #expect(Self.starts(home) == 1)
    }

    @Test func aBannerOnStdoutIsStillTolerated() async throws {
        let home = try Self.stdioHome("banner")
        let outcome = try await Self.mcpTest(home, server: "s")
        #expect(outcome.connected, "\(outcome.json)")
    }

    static func processes(containing text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data, as: UTF8.self)
            return line.contains(text) ? pid : nil
        }
    }
}
