/// The `_meta` keys of the 2026-07-28 request envelope and results. Here, below both, because the
/// login's check of a new token (`MCPProbe`) speaks that revision too.
public enum EnvelopeKey {
    public static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
    public static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    public static let clientInfo = "io.modelcontextprotocol/clientInfo"
    public static let serverInfo = "io.modelcontextprotocol/serverInfo"
    public static let subscriptionID = "io.modelcontextprotocol/subscriptionId"
}
