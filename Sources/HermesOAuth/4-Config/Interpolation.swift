/// `${VAR}` and `${env:VAR}` in config values, as hermes-agent expands them: the pattern is
/// `\$\{([^}]+)\}`; a variable that is set (even to "") replaces the reference; an unset one leaves
/// the literal `${VAR}` in place so the mistake is visible. No defaults, no escaping, and keys are
/// never touched.
public enum Interpolation {
    public static func expand(_ value: String, environment: [String: String]) -> String {
        guard value.contains("${") else { return value }
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}"), end > start.upperBound else {
                // "${" with nothing closing it, or "${}": not a reference.
                out += rest[start.lowerBound..<start.upperBound]
                rest = rest[start.upperBound...]
                continue
            }
            var name = String(rest[start.upperBound..<end])
            if name.hasPrefix("env:") { name.removeFirst(4) }
            out += environment[name] ?? String(rest[start.lowerBound...end])
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    /// The variable an expanded value still refers to: `expand` leaves an unset one's `${VAR}` in
    /// place, so one left after it is a variable set nowhere. nil when there is none.
    public static func unexpandedName(in value: String) -> String? {
        guard let start = value.range(of: "${"), let end = value[start.upperBound...].firstIndex(of: "}"),
              end > start.upperBound else { return nil }
        let name = value[start.upperBound..<end]
        return String(name.hasPrefix("env:") ? name.dropFirst(4) : name)
    }

    /// Every string in a config value tree, recursively through maps and lists.
    public static func expand(_ value: ConfigValue, environment: [String: String]) -> ConfigValue {
        switch value {
        case .string(let s): .string(expand(s, environment: environment))
        case .list(let items): .list(items.map { expand($0, environment: environment) })
        case .map(let pairs): .map(pairs.map { ConfigPair(key: $0.key, value: expand($0.value, environment: environment)) })
        case .scalar, .null: value
        }
    }
}
