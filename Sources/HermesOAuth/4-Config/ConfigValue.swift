import Foundation

import Yams

/// A config value with YAML's node kinds but none of its syntax: what the typed views read, and
/// what `list --json` prints. Strings (YAML `!!str`) are kept apart from other scalars so that only
/// strings are interpolated and `42` stays a number.
public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case string(String)
    /// A non-string scalar (int, float, bool, timestamp) as written.
    case scalar(String)
    case list([ConfigValue])
    case map([ConfigPair])

    public init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.str.rawValue: self = .string(scalar.string)
            case Tag.Name.null.rawValue: self = .null
            default: self = .scalar(scalar.string)
            }
        case .sequence(let seq): self = .list(seq.map(ConfigValue.init))
        case .mapping(let map): self = .map(map.map { ConfigPair(key: $0.key.string ?? "", value: ConfigValue($0.value)) })
        case .alias: self = .null
        }
    }

    /// Text of a scalar of either kind.
    public var text: String? {
        switch self {
        case .string(let s), .scalar(let s): s
        default: nil
        }
    }

    public subscript(key: String) -> ConfigValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.last(where: { $0.key == key })?.value
    }

    public var pairs: [ConfigPair]? { if case .map(let p) = self { p } else { nil } }
    public var items: [ConfigValue]? { if case .list(let l) = self { l } else { nil } }

    public var double: Double? { text.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
    public var int: Int? { text.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    /// A string or a list of strings, as `tools.include` accepts.
    public var stringList: [String]? {
        switch self {
        case .string(let s), .scalar(let s): [s]
        case .list(let items): items.compactMap(\.text)
        default: nil
        }
    }

    /// A map of scalars as `[String: String]` (for `env` and `headers`).
    public var stringMap: [String: String]? {
        guard let pairs else { return nil }
        var out: [String: String] = [:]
        for pair in pairs { if let t = pair.value.text { out[pair.key] = t } }
        return out
    }

    public var node: Node {
        switch self {
        case .null: Node("null", Tag(.null))
        case .string(let s): Node(s, Tag(.str))
        case .scalar(let s): Node(s)
        case .list(let items): Node(items.map(\.node))
        case .map(let pairs): Node(pairs.map { (Node($0.key, Tag(.str)), $0.value.node) })
        }
    }
}

public struct ConfigPair: Sendable, Equatable {
    public var key: String
    public var value: ConfigValue

    public init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}
