import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// URL-mode elicitation on the wire, against the official SDK's server (era_server.py): an accept
/// carries no `content` (MCP: "For URL mode: the content field is omitted"), on 2026-07-28's
/// `inputResponses` as on the older `elicitation/create` reply, whatever the host put in it.
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
}
