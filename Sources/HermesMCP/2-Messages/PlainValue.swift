import Foundation
import HermesOAuth
import MCP

/// Any JSON as MCP's `Value`, read without the Swift SDK's own decoder, which builds a regular
/// expression for every string it meets (to tell data URLs): a server's result of many strings
/// cost seconds of CPU, enough to run past a deadline. hermes never needs a string read as data.
struct PlainValue: Decodable, Sendable {
    let value: Value

    init(from decoder: any Decoder) throws {
        value = Value(plain: try JSONValue(from: decoder))
    }
}

extension Value {
    init(plain json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int(i))
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(Value.init(plain:)))
        case .object(let fields): self = .object(fields.mapValues(Value.init(plain:)))
        }
    }
}
