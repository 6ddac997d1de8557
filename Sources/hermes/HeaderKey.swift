import Foundation
import HermesOAuth

/// The `.env` variable that `add --auth header` keeps a server's key in, as hermes-agent names
/// it: `MCP_<NAME>_API_KEY`, every character that is not a letter or digit made `_`.
enum HeaderKey {
    static func envName(for server: String) -> String {
        "MCP_" + server.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "_")) + "_API_KEY"
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
