import Foundation
import HermesOAuth
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
    /// `parameters` maps each tool to its arguments that travel as headers too (`paramHeaders`).
    static func of(_ message: Data, parameters: [String: [String: String]] = [:]) -> [String: String] {
        guard let request = try? JSONDecoder().decode(Request.self, from: message),
              let method = request.method, let version = request.params?._meta?.version else { return [:] }
        var headers = ["MCP-Protocol-Version": encoded(version), "Mcp-Method": encoded(method)]
        let name: String? = switch method {
        case "tools/call", "prompts/get": request.params?.name
        case "resources/read": request.params?.uri
        default: nil
        }
        if let name { headers["Mcp-Name"] = encoded(name) }
        if method == "tools/call", let name, let mirrored = parameters[name], !mirrored.isEmpty,
           let arguments = try? JSONDecoder().decode(Arguments.self, from: message).params.arguments {
            for (argument, header) in mirrored {
                // Absent or null: no header, as the spec says.
                switch arguments[argument]?.value {
                case .string(let text)?: headers["Mcp-Param-" + header] = encoded(text)
                case .int(let number)?: headers["Mcp-Param-" + header] = String(number)
                case .bool(let flag)?: headers["Mcp-Param-" + header] = flag ? "true" : "false"
                default: break
                }
            }
        }
        return headers
    }

    private struct Arguments: Decodable {
        struct Params: Decodable { let arguments: [String: PlainValue]? }
        let params: Params
    }

    /// The arguments of `tool` its schema marks `"x-mcp-header": "Name"`, each with its header's
    /// name; nil when a mark is invalid (not a header token, on a property that is not a string,
    /// integer or boolean, or the same name twice), and such a tool must not be used at all.
    static func paramHeaders(of tool: Tool) -> [String: String]? {
        guard case .object(let schema) = tool.inputSchema, case .object(let properties)? = schema["properties"] else { return [:] }
        var mirrored: [String: String] = [:]
        var taken: Set<String> = []
        for (argument, property) in properties {
            guard case .object(let fields) = property, let mark = fields["x-mcp-header"] else { continue }
            guard case .string(let header) = mark, header.utf8.count <= 64, HeaderSyntax.isFieldName(header),
                  case .string(let type)? = fields["type"], ["string", "integer", "boolean"].contains(type),
                  taken.insert(header.lowercased()).inserted else { return nil }
            mirrored[argument] = header
        }
        return mirrored
    }

    static func encoded(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
            && value.first != " " && value.last != " " && !(value.hasPrefix("=?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
