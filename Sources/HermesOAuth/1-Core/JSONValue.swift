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

    /// Two-space indented with sorted keys, the layout of Python's `json.dumps(indent=2)`, so
    /// repeated writes of the same content are byte-identical and diffs stay readable.
    public static func encode(_ object: [String: JSONValue]) -> Data {
        var out = ""
        JSONValue.object(object).write(to: &out, indent: 0)
        out.append("\n")
        return Data(out.utf8)
    }
}

extension JSONValue {
    /// Compact or indented JSON text for this value.
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, indent: pretty ? 0 : nil)
        return out
    }

    fileprivate func write(to out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)") : "null"
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                Self.newline(&out, indent.map { $0 + 1 })
                item.write(to: &out, indent: indent.map { $0 + 1 })
            }
            Self.newline(&out, indent)
            out += "]"
        case .object(let object):
            guard !object.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.newline(&out, indent.map { $0 + 1 })
                Self.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                object[key]!.write(to: &out, indent: indent.map { $0 + 1 })
            }
            Self.newline(&out, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n" + String(repeating: "  ", count: indent)
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Every character a terminal would act on or that hides text (ServerText's judgement) is
            // escaped, so JSON keeps the data and `hermes ... --json` still prints only visible text.
            case _ where ServerText.isUnsafe(scalar):
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    out += String(format: "\\u%04x", scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
