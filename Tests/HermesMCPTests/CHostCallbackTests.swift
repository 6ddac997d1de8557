import Foundation
import HermesMCP
import MCP
import Testing
@testable import HermesMCPC

/// What crosses the C boundary of libhermesmcp's callbacks: a host's reply to a question is read
/// strictly (anything but a well-formed answer declines), a question's message and URL reach the
/// host cleaned, and a change naming an unprintable resource is reported as "resources".
@Suite struct CHostCallbackTests {
    func answer(_ reply: String?) -> ElicitationAnswer {
        guard let reply else { return ElicitationJSON.answer(nil) }
        return reply.withCString { ElicitationJSON.answer($0) }
    }

    @Test func onlyAWellFormedReplyIsAnAnswer() {
        #expect(answer(#"{"action":"accept","content":{"copies":2}}"#) == .accept(["copies": .int(2)]))
        #expect(answer(#"{"action":"accept"}"#) == .accept([:]))
        #expect(answer(#"{"action":"cancel"}"#) == .cancel)
        #expect(answer(#"{"action":"decline"}"#) == .decline)
        #expect(answer(nil) == .decline)
        #expect(answer("") == .decline)
        #expect(answer("not json") == .decline)
        #expect(answer(#"{"action":"accept","content":[1,2]}"#) == .decline)
        #expect(answer(#"{"action":"ACCEPT"}"#) == .decline)
        #expect(answer(#"["accept"]"#) == .decline)
        #expect(answer(#"{"content":{"copies":2}}"#) == .decline)
    }

    @Test func anOverlongReplyDeclines() {
        let padding = String(repeating: " ", count: ElicitationJSON.replyLimit)
        #expect(answer(#"{"action":"accept"}"# + padding) == .decline)
        #expect(answer(#"{"action":"accept"}"# + padding.dropLast(#"{"action":"accept"}"#.count)) == .accept([:]))
    }

    @Test func theQuestionReachesTheHostCleaned() throws {
        let form = ElicitationRequest(server: "s", message: "Copies?\u{1B}[2J\nnow", mode: .form(schema: ["type": .string("object")]))
        let formJSON = try JSONSerialization.jsonObject(with: Data(ElicitationJSON.question(form).utf8)) as? [String: Any]
        #expect(formJSON?["mode"] as? String == "form")
        #expect((formJSON?["message"] as? String).map { !$0.contains("\u{1B}") && !$0.contains("\n") } == true)
        #expect((formJSON?["requestedSchema"] as? [String: Any])?["type"] as? String == "object")

        let link = ElicitationRequest(server: "s", message: "Open", mode: .url("https://example.com/a b\u{1B}"))
        let linkJSON = try JSONSerialization.jsonObject(with: Data(ElicitationJSON.question(link).utf8)) as? [String: Any]
        #expect(linkJSON?["mode"] as? String == "url")
        #expect(linkJSON?["url"] as? String == "https://example.com/a%20b%1B")
    }

    @Test func aResourceChangeNamesOnlyPrintableURIs() {
        #expect(MCPHandle.describe(.tools) == "tools")
        #expect(MCPHandle.describe(.resource("file:///a.txt")) == "resource:file:///a.txt")
        #expect(MCPHandle.describe(.resource("file:///a\u{1B}]0;x\u{07}")) == "resources")
        #expect(MCPHandle.describe(.resource(String(repeating: "a", count: MCPHandle.uriLimit + 1))) == "resources")
        #expect(MCPHandle.describe(.resource("")) == "resources")
    }
}
