import Foundation

/// hermes-agent's `_parse_boolish`: `true 1 yes on` and `false 0 no off`, any case, anything else
/// falls back to the default with a warning.
public enum Boolish {
    public static func parse(_ text: String?) -> Bool? {
        guard let text else { return nil }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }

    static func parse(_ value: ConfigValue?, default fallback: Bool, what: @autoclosure () -> String) -> Bool {
        guard let value, value != .null else { return fallback }
        if let parsed = parse(value.text) { return parsed }
        HermesLog.config.warning("\(what()): '\(value.text ?? "?")' is not a boolean, using \(fallback)")
        return fallback
    }
}
