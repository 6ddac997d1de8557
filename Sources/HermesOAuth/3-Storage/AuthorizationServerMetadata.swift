/// RFC 8414 authorization server metadata, as stored in `<name>.meta.json` so that a restarted
/// process can refresh without discovery. Kept whole; typed accessors for what hermes reads.
public struct AuthorizationServerMetadata: Sendable, Equatable {
    public var fields: [String: JSONValue]

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(json object: [String: JSONValue]) throws(Invalid) {
        guard let issuer = object["issuer"]?.string, !issuer.isEmpty else { throw Invalid(reason: "no issuer") }
        guard object["token_endpoint"]?.string != nil else { throw Invalid(reason: "no token_endpoint") }
        _ = issuer
        fields = object
    }

    public var issuer: String { fields["issuer"]?.string ?? "" }
    public var authorizationEndpoint: String? { fields["authorization_endpoint"]?.string }
    public var tokenEndpoint: String { fields["token_endpoint"]?.string ?? "" }
    public var registrationEndpoint: String? { fields["registration_endpoint"]?.string }
    public var revocationEndpoint: String? { fields["revocation_endpoint"]?.string }
    public var scopesSupported: [String]? { fields["scopes_supported"]?.stringArray }
    public var codeChallengeMethodsSupported: [String]? { fields["code_challenge_methods_supported"]?.stringArray }
    public var tokenEndpointAuthMethodsSupported: [String]? { fields["token_endpoint_auth_methods_supported"]?.stringArray }
    public var clientIDMetadataDocumentSupported: Bool {
        fields["client_id_metadata_document_supported"]?.bool ?? false
    }
    public var authorizationResponseIssParameterSupported: Bool {
        fields["authorization_response_iss_parameter_supported"]?.bool ?? false
    }

    /// hermes' own key (hermes-agent ignores it): the scope the MCP server last demanded with a 403
    /// `insufficient_scope` that the stored tokens do not carry, so the next login, in whatever
    /// process, asks for it too (SEP-2350's union) instead of the scope that was already refused.
    static let challengedScopeKey = "hermes_challenged_scope"

    public var challengedScope: String? {
        get { fields[Self.challengedScopeKey]?.string.flatMap { $0.isEmpty ? nil : $0 } }
        set { fields[Self.challengedScopeKey] = newValue.map(JSONValue.string) }
    }
}
