import Foundation
import MCP

/// hermes' answers to what a server asks of it, whichever way the question came: a request of its
/// own on the `initialize` revisions, or an entry of `inputRequests` in a 2026-07-28
/// `input_required` result. hermes declares only elicitation (when the host can answer it) and
/// roots with none, so sampling and anything else get a refusal a server can understand.
enum ServerRequests {
    static func answer(method: String, params: Value?, server: String, elicit: ElicitationHandler?) async -> Result<Value, RPCError> {
        switch method {
        case "ping":
            return .success(.object([:]))
        case "roots/list":
            // hermes shares no directory with servers.
            return .success(.object(["roots": .array([])]))
        case "elicitation/create":
            guard let request = ElicitationRequest(server: server, params: params) else {
                return .failure(RPCError(code: -32_602, message: "elicitation/create needs a message, and a url in url mode"))
            }
            // Without a host to ask, the answer a person who is not there gives.
            guard let elicit else { return .success(ElicitationAnswer.decline.result(for: request.mode)) }
            return .success(await elicit(request).result(for: request.mode))
        default:
            return .failure(RPCError(code: RPCError.methodNotFound, message: "hermes does not offer \(method)"))
        }
    }
}
