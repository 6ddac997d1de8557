import Foundation

/// The parameters an authorization server sends back to the redirect URI (RFC 6749 §4.1.2,
/// RFC 9207 `iss`), taken from a callback request, a pasted redirect URL or a pasted query.
public struct CallbackParameters: Sendable, Equatable {
    public var code: String?
    public var state: String?
    public var iss: String?
    public var error: String?
    public var errorDescription: String?

    public init(code: String? = nil, state: String? = nil, iss: String? = nil, error: String? = nil, errorDescription: String? = nil) {
        self.code = code
        self.state = state
        self.iss = iss
        self.error = error
        self.errorDescription = errorDescription
    }

    /// From a query string (`a=b&c=d`); the first value of each parameter counts.
    public init(query: Substring) {
        for (name, value) in FormEncoding.decode(query) {
            switch name {
            case "code" where code == nil: code = value
            case "state" where state == nil: state = value
            case "iss" where iss == nil: iss = value
            case "error" where error == nil: error = value
            case "error_description" where errorDescription == nil: errorDescription = value
            default: break
            }
        }
    }

    /// From what a person pastes: the whole redirect URL, `?code=...&state=...`, or `code=...`.
    public init?(pasted text: String) {
        var t = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if let q = t.firstIndex(of: "?") { t = t[t.index(after: q)...] }
        if let hash = t.firstIndex(of: "#") { t = t[..<hash] }
        self.init(query: t)
        if code == nil && error == nil { return nil }
    }
}

/// A bounded parse of one HTTP request head arriving at the loopback listener.
public enum CallbackRequest: Equatable {
    case callback(CallbackParameters)
    case notFound
    case methodNotAllowed
    case malformed

    /// `head` is the bytes up to the blank line (or whatever arrived within the limit).
    public static func parse(_ head: [UInt8]) -> CallbackRequest {
        guard let lineEnd = head.firstIndex(of: 0x0A) ?? (head.count > 0 ? head.endIndex : nil) else { return .malformed }
        var line = head[head.startIndex..<lineEnd]
        if line.last == 0x0D { line = line.dropLast() }
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].starts(with: Array("HTTP/1.".utf8)) else { return .malformed }
        let target = String(decoding: parts[1], as: UTF8.self)
        guard target.hasPrefix("/") else { return .malformed }
        let path: Substring, query: Substring
        if let q = target.firstIndex(of: "?") {
            path = target[..<q]
            query = target[target.index(after: q)...]
        } else {
            path = Substring(target)
            query = ""
        }
        guard path == "/callback" else { return .notFound }
        guard String(decoding: parts[0], as: UTF8.self) == "GET" else { return .methodNotAllowed }
        return .callback(CallbackParameters(query: query))
    }
}
