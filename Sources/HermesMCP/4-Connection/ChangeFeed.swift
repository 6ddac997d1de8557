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
    /// A try still under way after this found the server and opened its stream (a refused or
    /// failed connection fails sooner): what the host is told of what it may have missed waits
    /// for that, so a server that stays down is not reported changed at every try.
    static let openAfter: Duration = .milliseconds(500)

    static func run(_ requests: MCPRequests, transport: any Transport, report: @escaping @Sendable ([MCPChange]) -> Void) async {
        var pause = 1.0
        // A stream ended, so changes may have gone unheard: said once the next one is open.
        let owed = Owed()
        while !Task.isCancelled {
            do {
                let start = ContinuousClock.now
                defer { if ContinuousClock.now - start >= healthy { pause = 1 } }
                let opened = try await whenOpen(after: openAfter, { if owed.settle() { report([.tools, .prompts, .resources]) } }) {
                    if requests.isStateless {
                        _ = try await requests.session.request("subscriptions/listen", params: [
                            "notifications": .object(["toolsListChanged": .bool(true), "promptsListChanged": .bool(true),
                                                      "resourcesListChanged": .bool(true)]),
                        ], meta: requests.envelope, upkeep: true)
                        return true
                    } else if let http = transport as? HTTPMCPTransport {
                        try await http.listen()
                        return true
                    }
                    // stdio before 2026-07-28: notifications come on the process' output anyway.
                    return false
                }
                guard opened else { return }
                owed.set()
            } catch {
                if Task.isCancelled || Self.isRefusal(error) { return }
                if !Self.isUnreachable(error) { owed.set() }
                MCPLogging.runtime.debug("the change stream of '\(requests.session.server)' ended: \(error)")
            }
            try? await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            pause = min(pause * 2, maxPause)
        }
    }

    /// Runs `body`, and `onOpen` once `body` has run for `delay` without ending.
    private static func whenOpen<T: Sendable>(after delay: Duration, _ onOpen: @escaping @Sendable () -> Void,
                                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: delay)
                onOpen()
                return nil
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            throw CancellationError()
        }
    }

    /// No stream was opened at all: nothing was missed that was not already owed.
    static func isUnreachable(_ error: any Error) -> Bool {
        if case MCPTransportError.unreachable = error { return true }
        return false
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

    /// Whether a report of every list is owed (a flag the opening check and the loop share).
    final class Owed: @unchecked Sendable {
        private let lock = NSLock()
        private var owed = false
        func set() { lock.withLock { owed = true } }
        /// True once for each time it was set.
        func settle() -> Bool { lock.withLock { defer { owed = false }; return owed } }
    }
}
