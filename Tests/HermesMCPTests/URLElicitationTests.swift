import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// URL-mode elicitation on the wire, against the official SDK's server (era_server.py): an accept
/// carries no `content` (MCP: "For URL mode: the content field is omitted"), on 2026-07-28's
/// `inputResponses` as on the older `elicitation/create` reply, whatever the host put in it; and
/// 2025-11-25's URLElicitationRequiredError (-32042, era_tools' `gated`): its pages go to the host
/// and the request is sent once more when every one was accepted.
@Suite(.timeLimit(.minutes(2))) struct URLElicitationTests {
    @Test(arguments: ["dual", "stateful"])
    func aURLAcceptOmitsContent(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        // A host (a C host, say) that fills in content anyway: a URL's accept still sends none.
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { _ in .accept(["stray": .int(1)]) }
        #expect(await MCPOperations(task: task).callTool("visit", arguments: [:]) == #"{"result": "visit accept, content absent"}"#)
        await task.shutdown()
    }

    @Test(arguments: ["dual", "stateful"])
    func aFormAcceptStillCarriesItsValues(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { _ in .accept(["copies": .int(4)]) }
        #expect(await MCPOperations(task: task).callTool("reserve", arguments: ["title": "Dune"]) == #"{"result": "Reserved 4 of 'Dune'."}"#)
        await task.shutdown()
    }

    @Test func theResultDependsOnTheMode() {
        let url = ElicitationRequest.Mode.url("https://example.com")
        let form = ElicitationRequest.Mode.form(schema: [:])
        #expect(ElicitationAnswer.accept(["a": .int(1)]).result(for: url) == .object(["action": "accept"]))
        #expect(ElicitationAnswer.accept([:]).result(for: form) == .object(["action": "accept", "content": .object([:])]))
        #expect(ElicitationAnswer.decline.result(for: url) == .object(["action": "decline"]))
        #expect(ElicitationAnswer.cancel.result(for: form) == .object(["action": "cancel"]))
    }

    // MARK: -32042

    @Test func pagesAskedByErrorAreOpenedAndTheRequestRetriedOnce() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { request in
            asked.record(request)
            return .accept([:])
        }
        #expect(await MCPOperations(task: task).callTool("gated", arguments: ["key": "k", "pages": 2]) == #"{"result": "gated k open"}"#)
        #expect(asked.values.map(\.mode) == [.url("https://example.com/connect/1"), .url("https://example.com/connect/2")])
        #expect(asked.values.map(\.message) == ["Connect page 1.", "Connect page 2."])
        await task.shutdown()
        #expect(try await peer.log().filter { $0.rpc == "tools/call" }.count == 2)
    }

    @Test func aPageNotOpenedAnswersTheErrorNamingThePage() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { request in
            asked.record(request)
            return .decline
        }
        let answer = await MCPOperations(task: task).callTool("gated", arguments: ["key": "k", "pages": 2])
        #expect(answer.contains("needs the person to visit a page on example.com before it answers tools/call; it was not opened"), "\(answer)")
        #expect(asked.values.count == 1)
        await task.shutdown()
        #expect(try await peer.log().filter { $0.rpc == "tools/call" }.count == 1)
    }

    @Test func withoutAHostOrWithTooManyPagesNothingIsAsked() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let alone = try ProtocolEraTests.task("url: \(peer.url)")
        let unasked = await MCPOperations(task: alone.0).callTool("gated", arguments: ["key": "a"])
        #expect(unasked.contains("needs the person to visit a page on example.com before it answers tools/call; nobody is here to open it"), "\(unasked)")
        await alone.0.shutdown()

        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { request in
            asked.record(request)
            return .accept([:])
        }
        let many = await MCPOperations(task: task).callTool("gated", arguments: ["key": "b", "pages": .int(URLElicitationRequired.maxPages + 1)])
        #expect(many.contains("it asks for 5 pages; hermes opens at most 4 for one request"), "\(many)")
        #expect(asked.values.isEmpty)
        await task.shutdown()
    }

    /// 2026-07-28 retired -32042 (a server asks through input_required): the error is the server's alone.
    @Test func on2026TheCodeIsJustAnError() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        let asked = Recorded<ElicitationRequest>()
        let (task, _) = try ProtocolEraTests.task("url: \(peer.url)") { request in
            asked.record(request)
            return .accept([:])
        }
        let answer = await MCPOperations(task: task).callTool("gated", arguments: ["key": "k"])
        #expect(answer.contains("Server error: URL elicitation required") && !answer.contains("visit a page"), "\(answer)")
        #expect(asked.values.isEmpty)
        await task.shutdown()
    }
}
