import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// `x-mcp-header` marks in every place a schema can hold one (hostile_mcp_2026.py `mark-places`):
/// only a mark reached through `properties` alone is valid, nested or not (2026-07-28 streamable
/// HTTP, "Schema Extension"); a tool with a mark anywhere else is left out, the others stay usable.
@Suite(.timeLimit(.minutes(2))) struct HeaderMarkPlacesTests {
    @Test func onlyMarksReachedThroughPropertiesAloneAreKept() async throws {
        let peer = try await Hostile2026Tests.peer("mark-places")
        defer { peer.stop() }
        let home = try Hostile2026Tests.home(peer)
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "h", environment: [:]))
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
        let tools = try await task.connection().tools.map(\.name)
        #expect(Set(tools) == ["nested", "in-default"], "\(tools)")
        let answer = await MCPOperations(task: task).callTool("nested", arguments: ["text": "hi", "place": ["zone": "eu-west"]])
        #expect(answer == #"{"result": "hi"}"#)
        await task.shutdown()
        let recorded = try await Hostile2026Tests.stats(peer)["headers"] as? [[String: Any]] ?? []
        let call = recorded.last { $0["rpc"] as? String == "tools/call" }?["headers"] as? [String: String]
        #expect(call?["mcp-param-zone"] == "eu-west", "\(call ?? [:])")
    }
}
