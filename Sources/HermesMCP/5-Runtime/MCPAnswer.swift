import Foundation
import HermesOAuth

/// What one operation answered, as a value the caller can act on. It becomes hermes-agent's JSON
/// text only where it is printed or handed to the agent (`json`), so no one has to look inside
/// the text to tell an error from a result.
public enum MCPAnswer: Sendable, Equatable {
    /// The payload the agent receives: `result`, `resources`, `prompts` or `messages` (with
    /// `description`), in hermes-agent's keys; `tools` for a host's tool list.
    case success([String: JSONValue])
    /// The tool ran and reported failure (`isError`): its text, or a stock sentence when it gave none.
    case toolError(String)
    /// Only a login helps; retrying does not.
    case needsReauth(NeedsReauth)
    /// The call did not complete.
    case failed(Failure)

    public struct NeedsReauth: Sendable, Equatable {
        public let server: String
        /// Why, when it is known (already cleaned of control characters).
        public let reason: String?
        /// The one command that helps, naming `HERMES_HOME` when it is not the default.
        public let command: String
    }

    public struct Failure: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// No answer in time (connect or call).
            case timeout
            /// The server answered with something unusable or more than hermes takes: asking again gets the same.
            case serverFault
            /// Anything else: a JSON-RPC error, a lost connection, a process that would not start.
            case other
        }
        public let kind: Kind
        /// The error's Swift type name, as hermes-agent's message names the exception's class.
        public let type: String
        /// What happened, redacted and cleaned of control characters.
        public let message: String

        init(_ error: any Error) {
            // A server's JSON-RPC error is named as it was when the Swift SDK reported it.
            type = error is RPCError ? "MCPError" : String(describing: Swift.type(of: error))
            // The SDK's errors quote the server's JSON-RPC error messages.
            message = ServerText.clean(Redaction.redact("\(error)"))
            if MCPErrors.isServerFault(error) {
                kind = .serverFault
            } else if error is MCPErrors.TimedOut || (error as? MCPErrors.ConnectFailed)?.last is MCPErrors.TimedOut {
                kind = .timeout
            } else {
                kind = .other
            }
        }
    }

    public var isError: Bool {
        if case .success = self { return false }
        return true
    }

    /// hermes-agent's JSON text for this answer, byte for byte.
    public var json: String {
        switch self {
        case .success(let payload):
            return Self.render(payload)
        case .toolError(let text):
            return Self.render(["error": .string(text)])
        case .needsReauth(let reauth):
            let why = reauth.reason.map { " Why: \($0)." } ?? ""
            return Self.render([
                "error": .string("MCP server '\(reauth.server)' requires re-authentication.\(why) Run `\(reauth.command)`. Do NOT retry this tool — ask the user to re-authenticate."),
                "needs_reauth": .bool(true),
                "server": .string(reauth.server),
            ])
        case .failed(let failure):
            return Self.render(["error": .string("MCP call failed: \(failure.type): \(failure.message)")])
        }
    }

    /// `json.dumps` style: `", "` and `": "` separators, keys sorted (the reference's key orders
    /// happen to be alphabetical), non-ASCII kept.
    static func render(_ object: [String: JSONValue]) -> String {
        PythonJSON.dumps(.object(object))
    }
}

/// JSON text laid out as Python's `json.dumps(..., ensure_ascii=False)` lays it out.
enum PythonJSON {
    static func dumps(_ value: JSONValue) -> String {
        let compact = value.serialized()
        // Re-space the compact form outside strings: "," → ", " and ":" → ": ".
        var out = ""
        var inString = false
        var escaped = false
        for c in compact {
            out.append(c)
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "," || c == ":" {
                out.append(" ")
            }
        }
        return out
    }
}
