import Foundation
import HermesOAuth
import MCP

/// Classification of failures, as hermes-agent's `_is_auth_error` and its session-expiry sibling.
public enum MCPErrors {
    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public let seconds: Double
        /// How the server is to blame (it streamed or wrote garbage instead of answering), if it is.
        public var detail: String?
        /// The answer hermes was waiting for when the time ran out ("initialize"), when known.
        public var waitingFor: String?
        public var description: String {
            "\(what) timed out after \(String(format: "%.1f", seconds))s" + (detail.map { ": \($0)" } ?? "")
        }
    }

    /// A connection given up after every try the deadline allowed: how long it really took, how
    /// many tries, and why the last one failed. Authorization failures and server faults are never
    /// wrapped in it (they are not retried, and callers act on what they are).
    public struct ConnectFailed: Error, CustomStringConvertible {
        public let server: String
        public let seconds: Double
        public let tries: Int
        public let last: any Error

        /// "after 5.0s (3 tries)": the real time and tries, as every message about it says them.
        public var spent: String {
            "after \(String(format: "%.1f", seconds))s (\(tries) \(tries == 1 ? "try" : "tries"))"
        }

        public var description: String {
            if let timeout = last as? TimedOut {
                return "no answer from '\(server)' \(spent): timed out waiting for \(timeout.waitingFor ?? "the server")"
            }
            return "could not connect to '\(server)' \(spent): \(last)"
        }
    }

    /// The server answered with something unusable, or more than hermes takes, or its command cannot
    /// start: asking again would get the same, so a first connection is not retried.
    public static func isServerFault(_ error: any Error) -> Bool {
        switch error {
        case MCPTransportError.malformed, is Pagination.LimitExceeded, is PinnedRevisionRefused: return true
        // A request the server refuses as such (400 for a missing header, 404, 410...) is refused
        // the same way when asked again; only 408 and 429 say "later".
        case MCPTransportError.http(let status, _): return isFinal(status)
        // A 2026-07-28 server's refusal comes as a 4xx with a JSON-RPC error: as final.
        case let refusal as RPCError: return refusal.httpStatus.map(isFinal) ?? false
        case let timeout as TimedOut: return timeout.detail != nil
        // Not the server's fault, but as final: the same command fails the same way every time.
        case let spawn as StdioProcess.SpawnError: return spawn.permanent
        // A setting that cannot work (a missing key file, a grant the server does not offer) or an
        // authorization server's unusable answer fails the same way at the next try.
        case OAuthFailure.configuration, OAuthFailure.protocolViolation: return true
        default: return false
        }
    }

    /// 3xx too: hermes follows no redirect (a bearer token must not follow one to another
    /// host), so asking again gets the same redirect.
    private static func isFinal(_ status: Int) -> Bool { (300..<500).contains(status) && status != 408 && status != 429 }

    /// A reply `ReplyCheck` rejected, back as what it is.
    static func normalized(_ error: any Error) -> any Error {
        if let rejected = error as? RPCError, rejected.code == ReplyCheck.rejectedCode,
           case .object(let data)? = rejected.data, data[ReplyCheck.rejectedMark] == .bool(true) {
            return MCPTransportError.malformed(rejected.message)
        }
        return error
    }

    /// 401s, refused or missing tokens, and 403 insufficient_scope (which needs a new login here:
    /// the runtime never opens a browser).
    public static func isAuthFailure(_ error: any Error) -> Bool {
        switch error {
        case MCPTransportError.unauthorized: return true
        case MCPTransportError.forbidden(let challenge): return challenge?.error == "insufficient_scope"
        case OAuthFailure.needsLogin, OAuthFailure.denied: return true
        default: return false
        }
    }

    /// The session is gone but the credentials are fine: reconnect and retry, no OAuth involved.
    public static func isSessionLost(_ error: any Error) -> Bool {
        switch error {
        case MCPTransportError.sessionExpired, MCPTransportError.closed: return true
        default:
            let text = "\(error)".lowercased()
            return ["invalid or expired session", "expired session", "session expired", "session not found",
                    "unknown session", "session terminated", "transport is closed", "connection closed",
                    "broken pipe", "end of file"].contains { text.contains($0) }
        }
    }

    static func failedToken(_ error: any Error) -> String? {
        if case MCPTransportError.unauthorized(let token, _) = error { return token }
        return nil
    }
}
