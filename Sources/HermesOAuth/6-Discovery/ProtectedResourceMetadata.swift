/// RFC 9728 protected resource metadata: which authorization servers protect the MCP server and
/// which scopes it knows.
public struct ProtectedResourceMetadata: Sendable, Equatable {
    public let fields: [String: JSONValue]

    public init(json: [String: JSONValue]) throws(OAuthFailure) {
        guard let resource = json["resource"]?.string, !resource.isEmpty else {
            throw .protocolViolation("protected resource metadata has no 'resource'")
        }
        _ = resource
        fields = json
    }

    public var resource: String { fields["resource"]?.string ?? "" }
    public var authorizationServers: [String] { fields["authorization_servers"]?.stringArray ?? [] }
    public var scopesSupported: [String]? { fields["scopes_supported"]?.stringArray }
}
