import Foundation
import HermesMCP
import HermesOAuth
import MCP

/// A server's question as the JSON a C host's `hermes_mcp_elicit_fn` receives, and the host's
/// reply read back into an answer. The reply is the host's own, but it crosses a C boundary: it is
/// bounded, and anything that is not a well-formed answer declines.
enum ElicitationJSON {
    /// The longest reply read (a form's values, not a document).
    static let replyLimit = 1 << 20

    /// `{"mode":"form","message":...,"requestedSchema":{...}}` or `{"mode":"url","message":...,"url":...}`,
    /// in MCP's own field names. The message is cleaned of control characters (a host may print
    /// it); the schema is the server's, as it sent it.
    static func question(_ request: ElicitationRequest) -> String {
        var fields: [String: Value] = ["message": .string(ServerText.clean(request.message))]
        switch request.mode {
        case .form(let schema):
            fields["mode"] = .string("form")
            fields["requestedSchema"] = .object(schema)
        case .url(let url):
            fields["mode"] = .string("url")
            fields["url"] = .string(ServerText.url(url))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return #"{"mode":"form","message":""}"# }
        return String(decoding: data, as: UTF8.self)
    }

    /// `{"action":"accept","content":{...}}` (content may be left out), `{"action":"decline"}`,
    /// `{"action":"cancel"}`. NULL, an over-long reply, invalid JSON or another action: decline.
    static func answer(_ reply: UnsafePointer<CChar>?) -> ElicitationAnswer {
        guard let reply else { return .decline }
        let length = strnlen(reply, replyLimit + 1)
        guard length <= replyLimit else { return .decline }
        let data = Data(bytes: reply, count: length)
        guard let object = try? JSONDecoder().decode([String: Value].self, from: data),
              case .string(let action)? = object["action"] else { return .decline }
        switch action {
        case "accept":
            switch object["content"] {
            case nil: return .accept([:])
            case .object(let content)?: return .accept(content)
            default: return .decline
            }
        case "cancel": return .cancel
        default: return .decline
        }
    }
}
