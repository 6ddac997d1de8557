import MCP

/// A transport on which replies share one stream with everything else the server sends (stdio,
/// HTTP+SSE), so each is matched to the request waiting for it (`PendingReplies`). A request hermes
/// gives up on must be forgotten there too.
protocol MatchesReplies: Transport {
    nonisolated var replies: PendingReplies { get }
}

extension StdioMCPTransport: MatchesReplies {}
extension LegacySSETransport: MatchesReplies {}
