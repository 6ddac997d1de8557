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
    /// `parameters` maps each tool to its arguments that travel as headers too, each named by its
    /// `HeaderMark.pointer`, with its header's name (`marks(of:)`).
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
           let arguments = try? JSONDecoder().decode(Arguments.self, from: message).params.arguments?.value {
            for (pointer, header) in mirrored {
                // Absent or null: no header, as the spec says.
                if let text = headerValue(of: value(at: HeaderMark.path(ofPointer: pointer), in: arguments)) {
                    headers["Mcp-Param-" + header] = text
                }
            }
        }
        return headers
    }

    private struct Arguments: Decodable {
        struct Params: Decodable { let arguments: PlainValue? }
        let params: Params
    }

    /// What is at `path` in `arguments`: nil when a step is missing or not an object.
    static func value(at path: [String], in arguments: Value) -> Value? {
        var node = arguments
        for key in path {
            guard case .object(let fields) = node, let next = fields[key] else { return nil }
            node = next
        }
        return node
    }

    /// The largest integer a mirrored argument may hold (2^53 − 1, JavaScript's safe range: the
    /// spec's bound, so every server and intermediary reads the same number).
    static let safeInteger: Int64 = 9_007_199_254_740_991

    /// An argument as its header carries it (string as is, encoded when it must be; integer in
    /// decimal, an integral double such as 42.0 too; boolean in lower case); nil when it has no
    /// header form (absent, null, out of the safe range, not a string, integer or boolean).
    static func headerValue(of value: Value?) -> String? {
        switch value {
        case .string(let text)?: return encoded(text)
        case .int(let number)? where Int64(number).magnitude <= safeInteger.magnitude: return String(number)
        case .double(let number)? where number.rounded() == number && number.magnitude <= Double(safeInteger): return String(Int64(number))
        case .bool(let flag)?: return flag ? "true" : "false"
        default: return nil
        }
    }

    /// The arguments of `tool` its schema marks `"x-mcp-header": "Name"` (`HeaderMarks`), each
    /// named by its `HeaderMark.pointer`, with its header's name. Throws when a mark is invalid:
    /// such a tool must not be used at all.
    static func marks(of tool: Tool) throws(HeaderMarks.Invalid) -> [String: String] {
        var mirrored: [String: String] = [:]
        for mark in try HeaderMarks.of(tool.inputSchema) { mirrored[mark.pointer] = mark.header }
        return mirrored
    }

    /// A call whose marked argument no header can carry (an integer beyond ±(2^53 − 1), a
    /// fraction, an array or object where a string, integer or boolean belongs): refused before
    /// it is sent, since the spec allows no header for it and the server would refuse it without.
    struct Unmirrorable: Error, CustomStringConvertible {
        let tool: String
        let argument: String
        let header: String
        var description: String {
            "tool '\(ServerText.clipped(tool, limit: 80))': argument '\(ServerText.clipped(argument, limit: 80))' travels in the header Mcp-Param-\(ServerText.clipped(header, limit: 80)) too, which carries only a string, a boolean or an integer from -\(safeInteger) to \(safeInteger)"
        }
    }

    /// Throws `Unmirrorable` when `arguments` hold, at a mark of `tool`'s schema, a value that is
    /// present but has no header form.
    static func checkMirrorable(_ arguments: [String: Value], of tool: Tool) throws {
        guard let marks = try? HeaderMarks.of(tool.inputSchema) else { return }
        for mark in marks {
            let value = value(at: mark.path, in: .object(arguments))
            if let value, value != .null, headerValue(of: value) == nil {
                throw Unmirrorable(tool: tool.name, argument: mark.path.joined(separator: "."), header: mark.header)
            }
        }
    }

    static func encoded(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
            && value.first != " " && value.last != " " && !(value.hasPrefix("=?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
