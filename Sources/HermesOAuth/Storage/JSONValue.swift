import Foundation

/// Any JSON value, kept exactly enough that a file read and written again loses no key: hermes
/// rewrites files that hermes-agent and authorization servers filled with fields it does not use.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }

    /// Numbers, and numeric strings: some servers send `"expires_in": "3600"`.
    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }

    public var stringArray: [String]? { array?.compactMap(\.string) }
}

/// Parsing and printing of JSON objects, the only top-level shape hermes' files have.
public enum JSONObject {
    public struct NotAnObject: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public static func decode(_ data: Data) throws -> [String: JSONValue] {
        if data.isEmpty { throw NotAnObject(reason: "the file is empty") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw NotAnObject(reason: "not valid JSON (\(data.count) bytes; truncated or corrupt)")
        }
        guard case .object(let object) = value else { throw NotAnObject(reason: "the JSON is not an object") }
        return object
    }

    /// Indented and with sorted keys, so repeated writes of the same content are byte-identical.
    public static func encode(_ object: [String: JSONValue]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of JSONValue cannot fail: every case maps to a JSON value.
        var data = (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }
}
