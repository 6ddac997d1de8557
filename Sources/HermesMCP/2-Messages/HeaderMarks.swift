import Foundation
import HermesOAuth
import MCP

/// One argument a 2026-07-28 tool wants mirrored in an `Mcp-Param-{header}` HTTP header: the chain
/// of `properties` keys that leads to it in the arguments (one key for a top-level argument).
struct HeaderMark: Sendable, Equatable {
    let path: [String]
    let header: String

    /// `path` as a JSON Pointer (RFC 6901), one string that names the argument unambiguously
    /// whatever its keys hold: the form the HTTP transport is handed the marks in.
    var pointer: String {
        path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }

    static func path(ofPointer pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }
    }
}

/// The `x-mcp-header` marks of a tool's input schema, checked as the 2026-07-28 streamable HTTP
/// transport's "Schema Extension" requires: a mark is valid only on a string, integer or boolean
/// property reached from the root through `properties` keys alone (nested objects included),
/// names an HTTP token, and no other mark names the same header (case aside). A mark anywhere
/// else (under `items`, `anyOf`, `$defs`, `additionalProperties`, …) makes the whole tool invalid:
/// which argument it would mirror cannot be known before the call.
enum HeaderMarks {
    struct Invalid: Error, CustomStringConvertible {
        /// Names server text (property and header names): shown clipped and cleaned.
        let reason: String
        var description: String { reason }
    }

    /// The JSON Schema 2020-12 keywords whose values are schemas (`properties` aside, the only one
    /// that keeps an argument's path). Data keywords (`default`, `enum`, `const`, `examples`) are
    /// not schemas and are not looked into; `$ref` is not followed, but `$defs` is searched, so a
    /// mark reachable only through a reference is found and refused.
    private static let oneSchema: Set<String> = ["items", "contains", "unevaluatedItems", "additionalProperties", "propertyNames",
                                                 "unevaluatedProperties", "not", "if", "then", "else", "contentSchema"]
    private static let schemaList: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems"]
    private static let schemaMap: Set<String> = ["patternProperties", "dependentSchemas", "$defs", "definitions"]

    static let key = "x-mcp-header"
    /// hermes' own bound on a header's name, below what any server or proxy takes.
    static let maxHeaderBytes = 64

    static func of(_ schema: Value) throws(Invalid) -> [HeaderMark] {
        var marks: [HeaderMark] = []
        var taken: [String: String] = [:]
        // An explicit stack: a schema nested thousands deep is walked without deep recursion.
        var pending: [(path: [String]?, node: Value)] = [([], schema)]
        while let next = pending.popLast() {
            let path = next.path
            guard case .object(let fields) = next.node else { continue }
            if let mark = fields[key] {
                marks.append(try check(mark, at: path, type: fields["type"], taken: &taken))
            }
            for (keyword, value) in fields {
                switch value {
                case .object(let children) where keyword == "properties":
                    for (name, child) in children { pending.append((path.map { $0 + [name] }, child)) }
                case _ where oneSchema.contains(keyword):
                    pending.append((nil, value))
                case .array(let children) where schemaList.contains(keyword):
                    pending.append(contentsOf: children.map { (nil, $0) })
                case .object(let children) where schemaMap.contains(keyword):
                    pending.append(contentsOf: children.values.map { (nil, $0) })
                default: break
                }
            }
        }
        return marks
    }

    private static func check(_ mark: Value, at path: [String]?, type: Value?, taken: inout [String: String]) throws(Invalid) -> HeaderMark {
        guard let path, !path.isEmpty else {
            throw Invalid(reason: "an \(key) mark is on a schema that is not an argument reached through properties alone (under items, anyOf, $defs or the like)")
        }
        let argument = ServerText.clipped(path.joined(separator: "."), limit: 80)
        guard case .string(let header) = mark else { throw Invalid(reason: "the \(key) mark of '\(argument)' is not a string") }
        guard header.utf8.count <= maxHeaderBytes, HeaderSyntax.isFieldName(header) else {
            throw Invalid(reason: "the \(key) mark of '\(argument)' ('\(ServerText.clipped(header, limit: 80))') is not an HTTP header name of at most \(maxHeaderBytes) characters")
        }
        guard case .string(let kind)? = type, ["string", "integer", "boolean"].contains(kind) else {
            throw Invalid(reason: "'\(argument)' has an \(key) mark but is not of type string, integer or boolean")
        }
        if let other = taken.updateValue(argument, forKey: header.lowercased()) {
            throw Invalid(reason: "'\(argument)' and '\(other)' are both marked for the header Mcp-Param-\(header)")
        }
        return HeaderMark(path: path, header: header)
    }
}
