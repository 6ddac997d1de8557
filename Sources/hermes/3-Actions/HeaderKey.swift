import Foundation
import HermesOAuth

/// The `.env` variable that `add --auth header` keeps a server's key in, as hermes-agent names
/// it: `MCP_<NAME>_API_KEY`, every character that is not a letter or digit made `_`.
enum HeaderKey {
    static func envName(for server: String, suffix: String = "API_KEY") -> String {
        "MCP_" + server.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "_")) + "_" + suffix
    }

    /// A header value as scheme and credential: `Bearer abc` is ("Bearer", "abc"), a value of
    /// one word has no scheme. Only the credential is secret; the scheme says what kind it is.
    static func split(_ value: String) -> (scheme: String?, credential: String) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return (nil, trimmed) }
        let scheme = String(trimmed[..<space])
        guard scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return (nil, trimmed) }
        return (scheme, trimmed[space...].trimmingCharacters(in: .whitespaces))
    }

    /// A header value as `hermes mcp test` shows it: the scheme as written, the credential cut to
    /// its first and last four characters when it is long enough (16 or more) that those reveal
    /// little, else `***`.
    static func masked(_ value: String) -> String {
        let (scheme, credential) = split(value)
        let shown = credential.count >= 16 ? Secret.mask(credential) : "***"
        return scheme.map { "\($0) \(shown)" } ?? shown
    }

    /// Whether any text in `value` mentions `key` (as `${KEY}`, `${KEY:-...}` or otherwise).
    static func mentions(_ key: String, in value: ConfigValue) -> Bool {
        switch value {
        case .null: false
        case .string(let s), .scalar(let s): s.contains(key)
        case .list(let items): items.contains { mentions(key, in: $0) }
        case .map(let pairs): pairs.contains { $0.key.contains(key) || mentions(key, in: $0.value) }
        }
    }
}
