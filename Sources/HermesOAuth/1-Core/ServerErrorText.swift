import Foundation

/// What a server said in the body of an error reply, as one line for a person: the JSON-RPC
/// error's message and code, an OAuth-style `error` and `error_description`, a `message` or
/// `detail`, else the body's text. A server that refuses a request for a reason of its own (a
/// missing header, a bad request) says so there, and that, not a guess, is what hermes reports.
/// Cleaned with `ServerText.clean`, blanks collapsed, cut to `limit` characters.
public enum ServerErrorText {
    public static let limit = 200
    /// The bytes of a body looked at; an error object longer than this is shown as text.
    public static let window = 4096

    /// nil when the body says nothing.
    public static func summary(_ body: Data, limit: Int = limit) -> String? {
        let head = body.prefix(window)
        if let object = try? JSONObject.decode(head), let said = said(in: object) { return bounded(said, limit) }
        return bounded(String(decoding: head, as: UTF8.self), limit)
    }

    private static func said(in object: [String: JSONValue]) -> String? {
        if let error = object["error"]?.object {
            let message = error["message"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let code = error["code"]?.number.map { $0.rounded() == $0 && abs($0) < 1e15 ? String(Int64($0)) : String($0) }
            switch (message, code) {
            case let (message?, code?): return "\(message) (JSON-RPC error \(code))"
            case let (message?, nil): return message
            case let (nil, code?): return "JSON-RPC error \(code)"
            case (nil, nil): return nil
            }
        }
        let error = object["error"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        if let description = object["error_description"]?.string, !description.isEmpty {
            return error.map { "\($0): \(description)" } ?? description
        }
        return error ?? ["message", "detail"].lazy.compactMap { object[$0]?.string }.first { !$0.isEmpty }
    }

    private static func bounded(_ text: String, _ limit: Int) -> String? {
        let line = ServerText.clean(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard !line.isEmpty else { return nil }
        return line.count <= limit ? line : String(line.prefix(max(limit - 1, 0))) + "…"
    }
}
