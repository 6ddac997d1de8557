import Foundation
import MCP

/// The HTTP headers a 2026-07-28 request must carry, read from the request itself so they cannot
/// disagree with it (a server refuses a mismatch with -32020): `MCP-Protocol-Version` (the
/// envelope's version), `Mcp-Method`, and `Mcp-Name` for the three methods that name something.
/// Values a header cannot carry as they are (non-ASCII, control characters, edge whitespace, or
/// text that looks like the encoding) go as `=?base64?…?=`, as the transport spec says.
enum RoutingHeaders {
    private struct Request: Decodable {
        let method: String?
        let params: Params?
    }

    private struct Params: Decodable {
        let name: String?
        let uri: String?
        let _meta: Meta?
    }

    private struct Meta: Decodable {
        let version: String?
        enum CodingKeys: String, CodingKey { case version = "io.modelcontextprotocol/protocolVersion" }
    }

    /// The headers of `message`; empty when it is no 2026-07-28 request (no envelope).
    static func of(_ message: Data) -> [String: String] {
        guard let request = try? JSONDecoder().decode(Request.self, from: message),
              let method = request.method, let version = request.params?._meta?.version else { return [:] }
        var headers = ["MCP-Protocol-Version": encoded(version), "Mcp-Method": encoded(method)]
        let name: String? = switch method {
        case "tools/call", "prompts/get": request.params?.name
        case "resources/read": request.params?.uri
        default: nil
        }
        if let name { headers["Mcp-Name"] = encoded(name) }
        return headers
    }

    static func encoded(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
            && value.first != " " && value.last != " " && !(value.hasPrefix("=?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
