import Foundation
import HermesOAuth

/// How an MCP exchange failed at the transport, in the terms the runtime acts on.
public enum MCPTransportError: Error, CustomStringConvertible, Sendable {
    /// 401: the token (nil when none was sent) was refused.
    case unauthorized(token: String?, challenge: AuthChallenge?)
    /// 403 with `insufficient_scope`, or another 403.
    case forbidden(challenge: AuthChallenge?)
    /// 404 for a request carrying a session id: the server forgot the session.
    case sessionExpired
    case http(status: Int, detail: String)
    case unreachable(String)
    case closed(String)
    /// A reply stream that broke after the server had accepted the request (2026-07-28): the
    /// request is lost, not refused, and is asked again with a new id on the same connection
    /// (`MCPRequests`; there is no session to replace, and replacing the connection would end
    /// every other request's stream with it).
    case streamBroken(String)
    /// The server answered, but with something hermes cannot use (a reply that is not the
    /// JSON-RPC response MCP defines, a line or reply past hermes' size limit, an event stream that
    /// never answers): the reason, in a sentence. Not retried: asking again gets the same garbage.
    case malformed(String)

    public var description: String {
        switch self {
        case .unauthorized: "the MCP server answered 401 Unauthorized"
        case .forbidden(let c): "the MCP server answered 403 Forbidden" + (c?.scope.map { " (needs scope \(ServerText.clean($0)))" } ?? "")
        case .sessionExpired: "the MCP session expired (404)"
        case .http(let status, let detail): "the MCP server answered HTTP \(status)" + (detail.isEmpty ? "" : ": \(ServerText.clean(detail))")
        case .unreachable(let reason): reason
        case .closed(let reason): reason
        case .streamBroken(let reason): reason
        case .malformed(let reason): reason
        }
    }
}
