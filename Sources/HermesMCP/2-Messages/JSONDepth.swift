import Foundation

/// How deeply a JSON text nests, found in one pass over its bytes before anything decodes it.
/// Decoders of MCP's `Value` cost more per level the deeper a document nests (the Swift SDK's tries
/// each JSON type in turn, each failure carrying its whole path), so a reply of 160 kB nesting 500
/// levels took a minute of CPU, past every deadline; MCP's documents (schemas included) nest a few
/// dozen levels.
enum JSONDepth {
    /// The deepest nesting hermes reads in a message from a server.
    static let limit = 64

    /// Whether `data` nests deeper than `limit` arrays and objects (counted outside strings).
    static func exceeds(_ data: Data, limit: Int = JSONDepth.limit) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var depth = 0
            var inString = false, escaped = false
            for byte in raw {
                if inString {
                    if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                    continue
                }
                switch byte {
                case 0x22: inString = true
                case 0x5B, 0x7B:
                    depth += 1
                    if depth > limit { return true }
                case 0x5D, 0x7D: depth -= 1
                default: break
                }
            }
            return false
        }
    }
}
