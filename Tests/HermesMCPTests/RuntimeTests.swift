import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A logged-in HERMES_HOME next to a real OAuth-protected MCP server (Python SDK), and a stdio
/// server from the same SDK.
struct RuntimeFixture {
    let peer: OAuthPeer
    let dir = TemporaryDirectory("hermes-runtime")
    var home: HermesHome { HermesHome(path: dir.path) }
    let manager: OAuthManager

    /// `protocolVersion` pins demo's revision (`protocol_version:`); nil lets hermes negotiate,
    /// which with this peer (it speaks both) means 2026-07-28.
    init(arguments: [String] = [], settings: [String: Any] = [:], login: Bool = true, protocolVersion: String? = nil) async throws {
        peer = try await OAuthPeer(arguments: arguments, settings: settings)
        let python = try Peers.python
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
                timeout: 20
                connect_timeout: 10
            \(protocolVersion.map { "    protocol_version: \($0)\n" } ?? "")  local:
                command: \(python)
                args: [\(Peers.script("stdio_server.py"))]
                timeout: 20
            """)
        manager = OAuthManager(home: HermesHome(path: dir.path))
        if login {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in Peers.browser() { env[k] = v }
            _ = try await manager.login("demo", interaction: LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { _ in })
        }
    }

    func task(_ name: String) throws -> MCPServerTask {
        let config = try #require(try ConfigFile.load(home: home).server(named: name, environment: ProcessInfo.processInfo.environment))
        return MCPServerTask(config: config, manager: manager)
    }

    func refreshes() async throws -> Int {
        try await peer.log().filter { $0.path == "/token" && $0["grant_type"] == "refresh_token" }.count
    }
}

func decode(_ answer: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]) ?? [:]
}

@Suite(.timeLimit(.minutes(2))) struct RuntimeTests {
    @Test(arguments: [false, true], [nil, "2025-11-25"])
    func theFiveOperationsOverHTTP(jsonResponses: Bool, protocolVersion: String?) async throws {
        let f = try await RuntimeFixture(arguments: jsonResponses ? ["--json-response"] : [], protocolVersion: protocolVersion)
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "hi"]) == #"{"result": "hi"}"#)
        #expect(await ops.callTool("add", arguments: ["a": 2, "b": 40]) == #"{"result": "42"}"#)
        let resources = decode(await ops.listResources())["resources"] as? [[String: Any]]
        #expect(resources?.first?["uri"] as? String == "hermes://greeting")
        #expect(await ops.readResource("hermes://greeting") == #"{"result": "hello from the peer"}"#)
        let prompts = decode(await ops.listPrompts())["prompts"] as? [[String: Any]]
        #expect(prompts?.first?["name"] as? String == "summarize")
        let prompt = decode(await ops.getPrompt("summarize", arguments: ["topic": "OAuth"]))
        #expect("\(prompt["messages"] ?? "")".contains("Summarize OAuth in one line."))
        let unknown = decode(await ops.callTool("nope", arguments: [:]))
        #expect(unknown["error"] != nil && unknown["needs_reauth"] == nil)
        // A missing resource is the server's JSON-RPC error, in the same words on both lifecycles
        // (2026-07-28 sends it with HTTP 400).
        #expect(await ops.readResource("hermes://nope") == #"{"error": "MCP call failed: MCPError: Invalid params: Unknown resource: hermes://nope"}"#)
        #expect(try await task.connection().protocolVersion == protocolVersion ?? "2026-07-28")
        await task.shutdown()
    }

    @Test func a401MidSessionIsRecoveredByOneRefreshAndOneRetry() async throws {
        let f = try await RuntimeFixture()
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "before"]) == #"{"result": "before"}"#)
        let first = try await task.connection().generation
        try await f.peer.call("/revoke-access")
        #expect(await ops.callTool("echo", arguments: ["text": "after"]) == #"{"result": "after"}"#)
        #expect(try await f.refreshes() == 1)
        #expect(try await task.connection().generation > first)
        #expect(try await f.peer.log().filter { $0.path == "/authorize" }.count == 1)
        await task.shutdown()
    }

    @Test func tokensAnotherProcessRefreshedArePickedUpWithoutALogin() async throws {
        let f = try await RuntimeFixture(settings: ["revoke_access_on_refresh": true])
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "one"]) == #"{"result": "one"}"#)
        // Another process spends the refresh token; the server drops the old access token.
        let other = try await run(Build.product("hermes-test-helper"), ["refresh", f.dir.path, "demo"])
        #expect(other.stdout.hasPrefix("ok "), "\(other.stdout)\(other.stderr)")
        #expect(await ops.callTool("echo", arguments: ["text": "two"]) == #"{"result": "two"}"#)
        #expect(try await f.refreshes() == 1)
        #expect(try await f.peer.log().filter { $0.path == "/authorize" }.count == 1)
        await task.shutdown()
    }

    @Test func revokedTokensWithNoRecoveryGiveNeedsReauth() async throws {
        let f = try await RuntimeFixture()
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "x"]) == #"{"result": "x"}"#)
        try await f.peer.call("/revoke-all")
        let answer = await ops.callTool("echo", arguments: ["text": "y"])
        let object = decode(answer)
        #expect(object["needs_reauth"] as? Bool == true)
        #expect(object["server"] as? String == "demo")
        // The one command that helps, with the home it needs, and why; no file to delete by hand.
        #expect((object["error"] as? String)?.contains("Run `HERMES_HOME=\(f.home.path) hermes mcp login demo`.") == true, "\(answer)")
        #expect((object["error"] as? String)?.contains("Why: the authorization server refused the refresh token (invalid_grant") == true, "\(answer)")
        #expect((object["error"] as? String)?.contains("delete the tokens file") == false)
        #expect(TokenStore(home: f.home, serverName: "demo").readVerdict().value?.kind == .refreshRejected)
        #expect(answer.hasPrefix(#"{"error": "MCP server 'demo' requires re-authentication."#))
        // Nothing was deleted on the way.
        #expect(TokenStore(home: f.home, serverName: "demo").tokens() != nil)
        await task.shutdown()
    }

    @Test func aServerThatNeedsMoreScopeGivesNeedsReauth() async throws {
        let f = try await RuntimeFixture()
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        try await f.peer.configure(["required_scope": "admin"])
        let object = decode(await ops.callTool("echo", arguments: ["text": "x"]))
        #expect(object["needs_reauth"] as? Bool == true)
        await task.shutdown()
    }

    @Test func withoutTokensTheFirstConnectFailsFastWithNeedsReauth() async throws {
        let f = try await RuntimeFixture(login: false)
        let task = try f.task("demo")
        let object = decode(await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"]))
        #expect(object["needs_reauth"] as? Bool == true)
        // An authorization failure is final: one attempt, no backoff retries.
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
    }

    @Test func anExpiredSessionIsReconnectedWithoutOAuth() async throws {
        // Sessions exist only before 2026-07-28.
        let f = try await RuntimeFixture(protocolVersion: "2025-11-25")
        let task = try f.task("demo")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("echo", arguments: ["text": "a"]) == #"{"result": "a"}"#)
        let first = try await task.connection().generation
        try await f.peer.call("/end-sessions")
        #expect(await ops.callTool("echo", arguments: ["text": "b"]) == #"{"result": "b"}"#)
        #expect(try await task.connection().generation > first)   // a new session, not the old one
        #expect(try await f.refreshes() == 0)
        await task.shutdown()
    }

    @Test func aStdioServerThatCrashesIsRestarted() async throws {
        let f = try await RuntimeFixture(login: false)
        let task = try f.task("local")
        let ops = MCPOperations(task: task)
        #expect(await ops.callTool("add", arguments: ["a": 1, "b": 2]) == #"{"result": "3"}"#)
        #expect(await ops.readResource("hermes://greeting") == #"{"result": "hello from stdio"}"#)
        let before = try await task.connection()
        let crashed = decode(await ops.callTool("crash", arguments: [:]))
        #expect(crashed["error"] != nil && crashed["needs_reauth"] == nil)
        #expect(await ops.callTool("echo", arguments: ["text": "back"]) == #"{"result": "back"}"#)
        let after = try await task.connection()
        #expect(after.generation > before.generation)
        let pid = (after.transport as? StdioMCPTransport)?.process.pid ?? 0
        await task.shutdown()
        #expect(pid > 0 && kill(pid, 0) != 0)
    }
}

@Suite(.timeLimit(.minutes(2))) struct ServerTaskTests {
    func config(_ yaml: String) throws -> MCPServerConfig {
        try #require(try ConfigFile(path: "/x", text: "mcp_servers:\n" + yaml).servers(environment: ProcessInfo.processInfo.environment).first)
    }

    @Test func mcpServerTimeFromPyPI() async throws {
        let dir = TemporaryDirectory()
        let bin = URL(fileURLWithPath: try Peers.python).deletingLastPathComponent().path
        let task = MCPServerTask(config: try config("  time:\n    command: \(bin)/mcp-server-time\n    args: [--local-timezone, UTC]\n"),
                                 manager: OAuthManager(home: HermesHome(path: dir.path)))
        let connection = try await task.connection()
        #expect(connection.tools.map(\.name).contains("get_current_time"))
        let answer = decode(await MCPOperations(task: task).callTool("get_current_time", arguments: ["timezone": "UTC"]))
        #expect("\(answer["result"] ?? "")".contains("UTC"), "\(answer)")
        await task.shutdown()
    }

    @Test func aFailingFirstConnectIsRetriedWithBackoffThenReported() async throws {
        let dir = TemporaryDirectory()
        let task = MCPServerTask(config: try config("  broken:\n    command: \"false\"\n    connect_timeout: 5\n"),
                                 manager: OAuthManager(home: HermesHome(path: dir.path)), backoff: [0.01])
        let answer = decode(await MCPOperations(task: task).callTool("echo", arguments: [:]))
        #expect((answer["error"] as? String)?.hasPrefix("MCP call failed:") == true)
        #expect(answer["needs_reauth"] == nil)
        #expect(await task.connectionAttempts == 1 + MCPServerTask.initialRetries)
    }

    @Test func shutdownWinsOverReconnect() async throws {
        let dir = TemporaryDirectory()
        let task = MCPServerTask(config: try config("  local:\n    command: \(try Peers.python)\n    args: [\(Peers.script("stdio_server.py"))]\n"),
                                 manager: OAuthManager(home: HermesHome(path: dir.path)))
        let first = try await task.connection()
        await task.shutdown()
        await #expect(throws: MCPServerTask.ShutDown.self) { try await task.reconnect(after: first.generation) }
        await #expect(throws: MCPServerTask.ShutDown.self) { try await task.connection() }
    }

    @Test func errorTextIsRedacted() {
        let text = Redaction.redact("failed: Authorization: Bearer abc.def-ghi token=s3cret&key=k1 sk-live_123 ghp_abcDEF password=hunter2")
        for secret in ["abc.def-ghi", "s3cret", "k1", "sk-live_123", "ghp_abcDEF", "hunter2"] { #expect(!text.contains(secret)) }
        #expect(text.contains("[REDACTED]"))
    }
}
