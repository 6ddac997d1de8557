import Foundation
import MCP

/// Each message from a server, checked against the request it answers before the SDK's client
/// sees it. The client (swift-sdk 0.12.1, `Client.connect`'s message loop) drops, with nothing but
/// a log line, every message it cannot decode (invalid JSON, a response with neither `result` nor
/// a JSON-RPC `error`, an `error` that is no error object, another request's id), so the request
/// that message answered stayed pending until its timeout, and a first connection was then tried
/// three times more. A `result` of the wrong shape failed at once, but as a bare
/// `TypeMismatchError` that tells nothing. The transports use this to fail such a request at once
/// with the reason, without forking the SDK.
enum ReplyCheck {
    /// A request hermes sent: the reply to wait for is the response with this id.
    struct Request: Sendable {
        let id: ID
        let method: String
    }

    /// The request in a message about to be sent; nil for notifications and for responses to the
    /// server's own requests, which get no reply.
    static func request(in data: Data) -> Request? {
        struct Envelope: Decodable {
            let id: ID?
            let method: String?
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data),
              let id = envelope.id, let method = envelope.method else { return nil }
        return Request(id: id, method: method)
    }

    enum Verdict: Equatable {
        /// A request or notification from the server: the SDK's business.
        case fromServer
        /// A usable response to the request with this id.
        case answer(ID)
        /// A response to the request with this id that the SDK could not use, and why.
        case unusable(ID, String)
        /// A response to no request `methodOf` knows of.
        case stray(ID)
        /// Not a JSON-RPC message at all, and what it is.
        case garbage(String)
    }

    /// What `data` is, given the method of each request still waiting for its reply.
    static func classify(_ data: Data, methodOf: (ID) -> String?) -> Verdict {
        struct Envelope: Decodable {
            let id: ID?
            let method: String?
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
            let what = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil
                ? "not JSON" : "JSON but not a JSON-RPC message"
            return .garbage("\(what): \(excerpt(data))")
        }
        let tooDeep = JSONDepth.exceeds(data)
        if envelope.method != nil {
            return tooDeep ? .garbage("a message nesting deeper than \(JSONDepth.limit) levels: \(excerpt(data))") : .fromServer
        }
        guard let id = envelope.id else { return .garbage("a JSON object with neither an id nor a method: \(excerpt(data))") }
        guard let method = methodOf(id) else { return .stray(id) }
        if tooDeep { return .unusable(id, "the reply to \(method) nests deeper than \(JSONDepth.limit) levels, more than any MCP result needs") }
        if let problem = problem(in: data, answering: method) { return .unusable(id, problem) }
        return .answer(id)
    }

    /// Why the SDK could not use `data` as the response to `method`, or nil when it can.
    static func problem(in data: Data, answering method: String) -> String? {
        // The usual case first, in one decoding: a 2.0 response whose result has the right shape.
        let result = results[method]
        if let result, (try? result.whole(data)) == true { return nil }
        // Then step by step, to tell what is wrong with it.
        guard let response = try? JSONDecoder().decode(RawResponse.self, from: data), response.jsonrpc == "2.0",
              (response.result == nil) != (response.error == nil) else {
            return "the reply to \(method) is not a JSON-RPC 2.0 response (it needs \"jsonrpc\": \"2.0\" and a result or an error object): \(excerpt(data))"
        }
        // A JSON-RPC error reaches the caller as it is.
        guard let value = response.result?.value, let result else { return nil }
        // Not the final result (2026-07-28 multi-round requests): its reader checks it.
        if case .object(let fields) = value, case .string(let kind)? = fields["resultType"], kind != "complete" { return nil }
        do {
            try result.alone(try JSONEncoder().encode(value))
            return nil
        } catch {
            return "the result of \(method) is not what MCP defines: \(describe(error))"
        }
    }

    /// A JSON-RPC error response that makes the SDK fail request `id` with `reason` (stdio has no
    /// other way to reach a pending request). `MCPErrors.normalized` turns it back into
    /// `MCPTransportError.malformed`.
    static func rejection(of id: ID, reason: String) -> Data {
        struct Rejection: Encodable {
            struct Body: Encodable {
                let code: Int
                let message: String
                let data = [ReplyCheck.rejectedMark: true]
            }
            let jsonrpc = "2.0"
            let id: ID
            let error: Body
        }
        return (try? JSONEncoder().encode(Rejection(id: id, error: .init(code: rejectedCode, message: reason)))) ?? Data()
    }

    /// In JSON-RPC's range for implementation-defined server errors, where a server's own error
    /// may carry the same code: `rejectedMark` in its data is what tells hermes' rejection apart.
    static let rejectedCode = -32_050
    static let rejectedMark = "hermes_rejected_reply"

    /// The start of a message, printable, for an error text.
    static func excerpt(_ data: Data, limit: Int = 120) -> String {
        let text = String(decoding: data.prefix(limit), as: UTF8.self)
            .map { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) ? " " : String($0) }
            .joined()
        return "'" + text + (data.count > limit ? "…' (\(data.count) bytes)" : "'")
    }

    /// Any response: any JSON as the result; an error object with a code and a message, and
    /// whatever JSON as its `data` (the Python SDK sends the method's name there with -32601,
    /// which the Swift SDK's own response type cannot decode).
    private struct RawResponse: Decodable {
        struct ErrorObject: Decodable {
            let code: Int
            let message: String
        }
        let jsonrpc: String
        let result: PlainValue?
        let error: ErrorObject?
    }

    /// How to decode the result of each method hermes calls: `whole` takes a whole message and
    /// answers whether it is a 2.0 response with a result of the right type (the fast path), `alone`
    /// takes the result by itself, as the SDK decodes it once it has it as a `Value`.
    private struct ResultType: Sendable {
        let whole: @Sendable (Data) throws -> Bool
        let alone: @Sendable (Data) throws -> Void

        init<R: Decodable>(_: R.Type) {
            whole = { data in
                let reply = try JSONDecoder().decode(TypedReply<R>.self, from: data)
                return reply.jsonrpc == "2.0" && reply.result != nil
            }
            alone = { _ = try JSONDecoder().decode(R.self, from: $0) }
        }
    }

    private static let results: [String: ResultType] = Dictionary(uniqueKeysWithValues: [
        decoder(Initialize.self), ("tools/list", ResultType(MCPResults.ToolsPage.self)), decoder(CallTool.self), decoder(ListResources.self),
        decoder(ReadResource.self), decoder(ListResourceTemplates.self), decoder(ListPrompts.self),
        decoder(GetPrompt.self), decoder(Ping.self),
    ])

    private static func decoder<M: MCP.Method>(_: M.Type) -> (String, ResultType) {
        (M.name, ResultType(M.Result.self))
    }

    private struct TypedReply<R: Decodable>: Decodable {
        let jsonrpc: String?
        let result: R?
    }

    /// A DecodingError in a sentence: where in the result, and what was wrong there.
    /// `droppingFirstKey` when the error's path starts at the response, not at its result.
    static func describe(_ error: any Error, droppingFirstKey: Bool = false) -> String {
        // "result.tools[3].name"
        func path(_ keys: [any CodingKey]) -> String {
            "result" + keys.dropFirst(droppingFirstKey ? 1 : 0).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error as? DecodingError {
        case .typeMismatch(let type, let context)?: return "\(path(context.codingPath)) is not \(name(of: type))"
        case .valueNotFound(let type, let context)?: return "\(path(context.codingPath)) is null, not \(name(of: type))"
        case .keyNotFound(let key, let context)?: return "\(path(context.codingPath + [key])) is missing"
        case .dataCorrupted(let context)?: return "\(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let text = String(describing: type)
            if text.hasPrefix("Array") || text.hasPrefix("[") { return "an array" }
            if text.hasPrefix("Dictionary") || text.hasPrefix("KeyedDecodingContainer") { return "an object" }
            return "of type \(text)"
        }
    }
}
