import Dispatch
import HermesMCP
import HermesOAuth
import HermesOAuthC

/// One tool call's progress, handed to the caller's `hermes_mcp_progress_fn` in order on a thread
/// of its own (never Swift's cooperative pool, which a slow callback would stall). `finish` runs
/// after the call's answer is in and before the C function returns: the updates already queued are
/// delivered, later ones are dropped, so no callback runs once hermes_mcp_call_tool has returned.
final class ProgressRelay: Sendable {
    /// The longest message handed on, in characters (the rest is cut, marked with an ellipsis).
    static let messageLimit = 1000

    private let fn: hermes_mcp_progress_fn
    private let user: UInt
    private let queue = DispatchQueue(label: "hermes.mcp.progress")
    private let liveness = CallbackLiveness()

    init(_ fn: @escaping hermes_mcp_progress_fn, user: UnsafeMutableRawPointer?) {
        self.fn = fn
        self.user = UInt(bitPattern: user)
    }

    func report(_ update: ProgressUpdate) {
        let message = update.message.map { ServerText.clipped($0, limit: Self.messageLimit) }
        let (fn, user, liveness) = (fn, user, liveness)
        queue.async {
            guard liveness.isActive else { return }
            let total = update.total ?? -1
            let pointer = UnsafeMutableRawPointer(bitPattern: user)
            if let message {
                message.withCString { fn(update.progress, total, $0, pointer) }
            } else {
                fn(update.progress, total, nil, pointer)
            }
        }
    }

    /// Delivers what is queued and ends the relay: on the queue itself, so every update queued
    /// before runs and every later one finds the relay ended.
    func finish() {
        queue.sync { liveness.end() }
    }
}
