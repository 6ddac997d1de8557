/// The MCP revisions hermes speaks, and which lifecycle each has. 2026-07-28 is stateless: no
/// `initialize`, every request carries its version and the client's capabilities in `_meta`, and
/// over HTTP the routing headers. The earlier ones open a session with `initialize`.
public enum ProtocolRevision {
    /// The current revision, the only stateless one so far.
    public static let stateless = "2026-07-28"
    /// The `initialize` revisions hermes offers, newest first. 2024-11-05 is the HTTP+SSE era;
    /// over stdio and Streamable HTTP a server may still answer `initialize` with it.
    public static let handshake = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    /// Every revision hermes speaks, newest first.
    public static let all = [stateless] + handshake

    /// A revision without `initialize`: 2026-07-28 and, by the spec's rule that revisions are
    /// dates, any later one a server names.
    public static func isStateless(_ version: String) -> Bool { version >= stateless }

    /// The newest revision both sides speak, from the versions a server lists.
    public static func newestShared(_ offered: [String]) -> String? {
        all.first { offered.contains($0) }
    }
}
