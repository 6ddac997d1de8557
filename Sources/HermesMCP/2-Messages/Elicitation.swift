import Foundation
import MCP

/// A server asking the person behind hermes for input: `elicitation/create`, sent on its own by
/// the `initialize` revisions or inside an `input_required` result by 2026-07-28. The host answers
/// through an `ElicitationHandler`; hermes declares the capability only when it has one.
public struct ElicitationRequest: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Fields to fill in: the JSON schema of an object of flat properties (strings, numbers,
        /// integers, booleans, enums), as the server sent it. Not validated here; the host asks.
        case form(schema: [String: Value])
        /// A page the person opens themselves; nothing comes back through hermes but the choice.
        case url(String)
    }

    /// The configured name of the server asking.
    public let server: String
    /// The server's question, raw: hostile text until `ServerText.clean` has seen it.
    public let message: String
    public let mode: Mode

    /// Nil when `params` is not an elicitation MCP defines (no message, a url mode without a url).
    init?(server: String, params: Value?) {
        guard case .object(let fields)? = params, case .string(let message)? = fields["message"] else { return nil }
        self.server = server
        self.message = message
        let mode: String = if case .string(let text)? = fields["mode"] { text } else { "form" }
        switch mode {
        case "url":
            guard case .string(let url)? = fields["url"] else { return nil }
            self.mode = .url(url)
        case "form":
            if case .object(let schema)? = fields["requestedSchema"] { self.mode = .form(schema: schema) } else { self.mode = .form(schema: [:]) }
        default:
            return nil
        }
    }

    public init(server: String, message: String, mode: Mode) {
        self.server = server
        self.message = message
        self.mode = mode
    }
}

/// What the person chose.
public enum ElicitationAnswer: Sendable, Equatable {
    /// With the form's values (ignored for a URL: nothing the person did there comes back).
    case accept([String: Value])
    case decline
    case cancel

    /// The `ElicitResult` MCP sends back to a question in `mode`: a form's accept carries its
    /// values; a URL's accept carries none, and MCP says `content` is then omitted, not empty.
    func result(for mode: ElicitationRequest.Mode) -> Value {
        switch (self, mode) {
        case (.accept(let content), .form): .object(["action": .string("accept"), "content": .object(content)])
        case (.accept, .url): .object(["action": .string("accept")])
        case (.decline, _): .object(["action": .string("decline")])
        case (.cancel, _): .object(["action": .string("cancel")])
        }
    }
}

/// How a host answers elicitations: the CLI asks on the terminal, the C API calls the host back.
public typealias ElicitationHandler = @Sendable (ElicitationRequest) async -> ElicitationAnswer

/// A progress notification for a request still running (`notifications/progress`).
public struct ProgressUpdate: Sendable, Equatable {
    public let progress: Double
    public let total: Double?
    /// The server's words, raw: clean before showing.
    public let message: String?
}
