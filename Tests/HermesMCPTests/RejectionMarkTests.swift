import Foundation
import MCP
import Testing
@testable import HermesMCP

/// hermes' own rejection of an unusable reply travels as a JSON-RPC error with a code from the
/// implementation-defined range; a server's error with the same code is still the server's.
@Suite struct RejectionMarkTests {
    @Test func aServersErrorWithTheSameCodeStaysTheServers() throws {
        let servers = RPCError(code: ReplyCheck.rejectedCode, message: "quota exceeded", data: nil)
        #expect(MCPErrors.normalized(servers) is RPCError)
        #expect(!MCPErrors.isServerFault(MCPErrors.normalized(servers)))
    }

    @Test func hermesOwnRejectionIsAMalformedReply() throws {
        let data = ReplyCheck.rejection(of: .number(7), reason: "the result of tools/list has no tools")
        struct Message: Decodable { struct E: Decodable { let code: Int; let message: String; let data: Value? }; let error: E }
        let e = try JSONDecoder().decode(Message.self, from: data).error
        let normalized = MCPErrors.normalized(RPCError(code: e.code, message: e.message, data: e.data))
        guard case MCPTransportError.malformed(let why) = normalized else { Issue.record("\(normalized)"); return }
        #expect(why == "the result of tools/list has no tools")
    }
}
