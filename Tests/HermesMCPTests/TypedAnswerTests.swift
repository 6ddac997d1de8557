import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import HermesMCP

/// The operations answer a value whose kind is known without reading its JSON text; the text is
/// rendered from it, the same text the string API returns.
@Suite(.timeLimit(.minutes(2))) struct TypedAnswerTests {
    @Test func aResultAToolErrorAndTheirText() async throws {
        let f = try await RuntimeFixture()
        let task = try f.task("local")
        let ops = MCPOperations(task: task)
        let answer = await ops.call(tool: "echo", arguments: ["text": "hi"])
        #expect(answer == .success(["result": .string("hi")]))
        #expect(!answer.isError)
        #expect(answer.json == #"{"result": "hi"}"#)
        #expect(await ops.callTool("echo", arguments: ["text": "hi"]) == answer.json)
        let unknown = await ops.call(tool: "nope", arguments: [:])
        #expect(unknown.isError)
        #expect(unknown.json.hasPrefix(#"{"error": "#))
        await task.shutdown()
    }

    @Test func withoutTokensTheAnswerIsNeedsReauth() async throws {
        let f = try await RuntimeFixture(login: false)
        let task = try f.task("demo")
        let answer = await MCPOperations(task: task).call(tool: "echo", arguments: ["text": "hi"])
        guard case .needsReauth(let reauth) = answer else {
            Issue.record("expected needsReauth, got \(answer)")
            return
        }
        #expect(reauth.server == "demo")
        #expect(reauth.command.contains("hermes mcp login demo"))
        #expect(answer.json.contains(#""needs_reauth": true"#))
        await task.shutdown()
    }

    @Test func aSilentServerIsATimeout() async throws {
        let dir = TemporaryDirectory("hermes-typed")
        let peer = try await PeerProcess(script: "silent_server.py", arguments: ["http"])
        defer { peer.stop() }
        let config = try #require(try ConfigFile(path: "/x", text: "mcp_servers:\n  h:\n    url: \(peer["url"])\n    connect_timeout: 2\n")
            .servers(environment: [:]).first)
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path)), backoff: [1])
        let answer = await MCPOperations(task: task).call(tool: "echo", arguments: [:])
        guard case .failed(let failure) = answer else {
            Issue.record("expected a failure, got \(answer)")
            return
        }
        #expect(failure.kind == .timeout, "\(failure)")
        #expect(answer.json == #"{"error": "MCP call failed: \#(failure.type): \#(failure.message)"}"#)
        await task.shutdown()
    }
}
