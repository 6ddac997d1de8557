import Foundation
import HermesMCP
import HermesOAuth
import HermesTestSupport
import Testing

/// A 403 `insufficient_scope` on a request after `initialize` (the conformance suite's step-up
/// server): the runtime answers needs_reauth naming the scope and remembers it; a caller with a
/// person at hand steps up and retries; a server that always wants more is not asked forever.
@Suite(.timeLimit(.minutes(2))) struct StepUpRuntimeTests {
    static let anonymousHandshake = ["server/discover", "initialize", "notifications/"]

    func interaction() -> LoginInteraction {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in Peers.browser() { env[k] = v }
        return LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { _ in }
    }

    func authorizations(_ f: RuntimeFixture) async throws -> [String?] {
        try await f.peer.log().filter { $0.path == "/authorize" }.map { $0["scope"] }
    }

    @Test func inTheBackgroundA403OnToolsCallIsNeedsReauthNamingTheScope() async throws {
        let f = try await RuntimeFixture()
        try await f.peer.configure(["open_methods": Self.anonymousHandshake, "method_scopes": ["tools/call": "admin"]])
        let task = try f.task("demo")
        let answer = await MCPOperations(task: task).callTool("echo", arguments: ["text": "x"])
        let object = decode(answer)
        #expect(object["needs_reauth"] as? Bool == true, "\(answer)")
        #expect((object["error"] as? String)?.contains("requires the scope 'admin'") == true, "\(answer)")
        // Remembered beside the tokens for the next login, in whatever process; nothing refreshed
        // (a refresh cannot widen scope) and nothing recorded as refused.
        let store = TokenStore(home: f.home, serverName: "demo")
        #expect(store.challengedScope() == "admin")
        #expect(try await f.refreshes() == 0)
        #expect(store.readVerdict().value == nil)
        #expect(try await authorizations(f).count == 1)
        await task.shutdown()
    }

    @Test func withAPersonA403OnToolsCallStepsUpAndRetriesOnce() async throws {
        let f = try await RuntimeFixture()
        try await f.peer.configure(["open_methods": Self.anonymousHandshake, "method_scopes": ["tools/call": "admin"]])
        let task = try f.task("demo")
        let answer = await MCPOperations(task: task, interaction: interaction()).callTool("echo", arguments: ["text": "x"])
        #expect(answer == #"{"result": "x"}"#)
        #expect(try await authorizations(f) == ["read write", "read write admin"])
        #expect(TokenStore(home: f.home, serverName: "demo").challengedScope() == nil)
        let calls = try await f.peer.log().filter { $0.json["method"] as? String == "tools/call" }
        #expect(calls.count == 2)
        await task.shutdown()
    }

    /// auth/scope-retry-limit: a server that answers 403 whatever the token holds. hermes stops
    /// with a sentence saying so after at most three authorizations in all.
    @Test func aServerThatAlwaysWantsMoreIsNotAskedForever() async throws {
        let f = try await RuntimeFixture()
        try await f.peer.configure(["open_methods": Self.anonymousHandshake, "always_insufficient": true])
        let task = try f.task("demo")
        let answer = await MCPOperations(task: task, interaction: interaction()).callTool("echo", arguments: ["text": "x"])
        let object = decode(answer)
        #expect(object["needs_reauth"] == nil, "\(answer)")
        #expect((object["error"] as? String)?.contains("authorizing again would not change that") == true, "\(answer)")
        #expect(try await authorizations(f).count <= 3)
        #expect(try await f.peer.log().filter { $0.bearer != nil && $0.json["method"] as? String == "tools/list" }.count <= 3)
        await task.shutdown()
    }

    /// The same server on connect (`add`, `test`): the step-up happens while connecting.
    @Test func connectStepsUpWhenToolsListAsksForMore() async throws {
        let f = try await RuntimeFixture()
        try await f.peer.configure(["open_methods": Self.anonymousHandshake, "method_scopes": ["tools/list": "admin"]])
        let background = try f.task("demo")
        await #expect(throws: OAuthFailure.self) { _ = try await MCPOperations(task: background).connect() }
        await background.shutdown()
        let task = try f.task("demo")
        let connection = try await MCPOperations(task: task, interaction: interaction()).connect()
        #expect(connection.tools.contains { $0.name == "echo" })
        #expect(try await authorizations(f) == ["read write", "read write admin"])
        await task.shutdown()
    }
}
