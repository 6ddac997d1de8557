import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// 2026-07-28 `x-mcp-header` beyond a top-level string (streamable HTTP, "Custom Headers from Tool
/// Parameters"): an argument nested in an object travels in the header its mark names, an integer
/// in decimal, and a value no header may carry is refused before it is sent. Judged by the official
/// Python SDK's server (era_server.py, header_tools.py), which refuses a call whose headers do not
/// match its body.
@Suite(.timeLimit(.minutes(2))) struct MirroredArgumentTests {
    @Test func aNestedArgumentTravelsInTheHeaderItsMarkNames() async throws {
        let peer = try await EraPeer(mode: "modern")
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        let answer = await MCPOperations(task: task).callTool("placed", arguments: ["place": ["zone": "eu west/1", "floor": 3]])
        #expect(answer == #"{"result": "zone eu west/1 floor 3"}"#, "\(answer)")
        await task.shutdown()
        let calls = try await peer.log().filter { $0.rpc == "tools/call" }
        #expect(calls.count == 1, "sent again after a -32020: \(calls.map(\.headers))")
        #expect(calls.first?.headers["mcp-param-zone"] == "eu west/1" && calls.first?.headers["mcp-param-floor"] == "3")
    }

    @Test func anIntegralDoubleTravelsAsAnInteger() async throws {
        let peer = try await EraPeer(mode: "modern")
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        #expect(await MCPOperations(task: task).callTool("counted", arguments: ["count": .double(42.0)]) == #"{"result": "count 42"}"#)
        await task.shutdown()
        #expect(try await peer.log().first { $0.rpc == "tools/call" }?.headers["mcp-param-count"] == "42")
    }

    /// Beyond ±(2^53 − 1), or not an integer at all: the spec allows no header for it, so the call
    /// is refused with a sentence naming the argument and the header, and never sent.
    @Test(arguments: [Value.int(9_007_199_254_740_993), .int(-9_007_199_254_740_992), .double(42.5), .double(1e20), .array([1])])
    func aValueNoHeaderCanCarryIsRefusedBeforeItIsSent(count: Value) async throws {
        let peer = try await EraPeer(mode: "modern")
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)")
        let answer = await MCPOperations(task: task).callTool("counted", arguments: ["count": count])
        #expect(answer.contains("argument 'count' travels in the header Mcp-Param-Count"), "\(answer)")
        // The edge of the range still goes.
        #expect(await MCPOperations(task: task).callTool("counted", arguments: ["count": .int(-9_007_199_254_740_991)])
            == #"{"result": "count -9007199254740991"}"#)
        await task.shutdown()
        #expect(try await peer.log().filter { $0.rpc == "tools/call" }.count == 1)
    }

    @Test func aMarkedArgumentIsNamedByAPointerWhateverItsKeysHold() {
        let mark = HeaderMark(path: ["a/b", "~c", ""], header: "X")
        #expect(mark.pointer == "/a~1b/~0c/")
        #expect(HeaderMark.path(ofPointer: mark.pointer) == mark.path)
    }
}
