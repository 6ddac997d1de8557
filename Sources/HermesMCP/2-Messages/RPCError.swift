import Foundation
import MCP

/// A JSON-RPC error a server answered a request with, kept whole: the lifecycle negotiation reads
/// its code and `data` (-32022 names the versions a 2026-07-28 server speaks), everyone else its
/// sentence. Its text is the Swift SDK's (`MCPError`), which hermes' answers quoted before hermes
/// owned the protocol layer, so an agent sees the same words.
public struct RPCError: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: Int
    public let message: String
    public let data: Value?
    /// The HTTP status it came with, when it came as the body of an HTTP error (2026-07-28 servers
    /// answer a bad request with 400 and a JSON-RPC error).
    public var httpStatus: Int?

    public init(code: Int, message: String, data: Value? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.data = data
        self.httpStatus = httpStatus
    }

    /// The codes 2026-07-28 added: a routing header that does not match the body, a client
    /// capability the request needs, a protocol version the server does not serve.
    public static let headerMismatch = -32_020
    public static let missingCapability = -32_021
    public static let unsupportedVersion = -32_022
    public static let methodNotFound = -32_601

    /// `data.supported` of an unsupported-version error: the versions the server speaks.
    public var supportedVersions: [String] {
        guard case .object(let fields)? = data, case .array(let list)? = fields["supported"] else { return [] }
        return list.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
    }

    public var description: String {
        let detail = Self.detail(data) ?? message
        return switch code {
        case -32_700: "Parse error: Invalid JSON: \(detail)"
        case -32_600: "Invalid Request: \(detail)"
        case -32_601: "Method not found: \(detail)"
        case -32_602: "Invalid params: \(detail)"
        case -32_603: "Internal error" + (Self.detail(data).map { ": \($0)" } ?? "")
        default: "Server error: \(message)"
        }
    }

    /// The SDK's reading of `data.detail`, when a server puts its explanation there.
    private static func detail(_ data: Value?) -> String? {
        guard case .object(let fields)? = data, case .string(let text)? = fields["detail"] else { return nil }
        return text
    }
}
