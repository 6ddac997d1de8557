import Foundation
import HermesOAuth
import MCP

/// What a server says changed: its lists, or one resource.
public enum MCPChange: Sendable, Hashable {
    case tools, prompts, resources
    case resource(String)

    /// The change a notification announces, nil for any other notification.
    init?(notification method: String, params: Value?) {
        switch method {
        case "notifications/tools/list_changed": self = .tools
        case "notifications/prompts/list_changed": self = .prompts
        case "notifications/resources/list_changed": self = .resources
        case "notifications/resources/updated":
            guard case .object(let fields)? = params, case .string(let uri)? = fields["uri"] else { return nil }
            self = .resource(uri)
        default: return nil
        }
    }
}

/// Keeps a connection's change notifications coming, for a host that subscribed. On 2026-07-28 a
/// `subscriptions/listen` request whose reply is the stream (over HTTP an event stream, over stdio
/// the process' output); before, the standalone GET event stream of Streamable HTTP, or the stdio
/// process' output, which needs nothing opened. A stream that ends is opened again after a pause
/// that grows (1 s to 30 s); as 2026-07-28 replays nothing, every list is then reported changed,
/// so the host fetches afresh. A server that offers no stream (-32601, HTTP 405) is left alone.
enum ChangeFeed {
    /// The longest pause between two tries to open the stream.
    static let maxPause = 30.0
    /// A stream that lasted this long was healthy: the next pause starts short again.
    static let healthy: Duration = .seconds(30)

    static func run(_ requests: MCPRequests, transport: any Transport, report: @escaping @Sendable ([MCPChange]) -> Void) async {
        var pause = 1.0
        var opened = 0
        while !Task.isCancelled {
            do {
                if opened > 0 { report([.tools, .prompts, .resources]) }
                opened += 1
                let start = ContinuousClock.now
                defer { if ContinuousClock.now - start >= healthy { pause = 1 } }
                if requests.isStateless {
                    _ = try await requests.session.request("subscriptions/listen", params: [
                        "notifications": .object(["toolsListChanged": .bool(true), "promptsListChanged": .bool(true),
                                                  "resourcesListChanged": .bool(true)]),
                    ], meta: requests.envelope, upkeep: true)
                } else if let http = transport as? HTTPMCPTransport {
                    try await http.listen()
                } else {
                    // stdio before 2026-07-28: notifications come on the process' output anyway.
                    return
                }
            } catch {
                if Task.isCancelled || Self.isRefusal(error) { return }
                MCPLogging.runtime.debug("the change stream of '\(requests.session.server)' ended: \(error)")
            }
            try? await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            pause = min(pause * 2, maxPause)
        }
    }

    /// The server offers no such stream: asking again would get the same.
    static func isRefusal(_ error: any Error) -> Bool {
        switch error {
        case let rpc as RPCError: return rpc.code == RPCError.methodNotFound
        case MCPTransportError.http(let status, _): return status == 405 || status == 404
        case MCPTransportError.closed: return true
        default: return MCPErrors.isAuthFailure(error)
        }
    }
}
