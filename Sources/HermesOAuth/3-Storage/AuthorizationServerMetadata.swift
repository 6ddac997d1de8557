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

    // MARK: grants

    public var grantTypesSupported: [String]? { fields["grant_types_supported"]?.stringArray }

    /// RFC 8414 §2: an absent `grant_types_supported` means `["authorization_code", "implicit"]`.
    public var offersAuthorizationCode: Bool { grantTypesSupported?.contains("authorization_code") ?? true }

    /// True only when the server lists its grants and `refresh_token` is not among them. An absent
    /// list does not refuse refresh: by the letter of RFC 8414 it would, but most servers omit the
    /// field, and a refresh token in the token response is the server's own word that it takes one.
    public var refusesRefreshGrant: Bool { grantTypesSupported.map { !$0.contains("refresh_token") } ?? false }

    // MARK: the 2025-03-26 fallback

    /// Records, in `meta.json`, that these endpoints came from the 2025-03-26 rules rather than from
    /// a protected resource metadata document (hermes-agent ignores unknown keys).
    static let legacyKey = "hermes_discovery"

    /// Which 2025-03-26 rule produced this metadata, if one did.
    public var legacyDiscovery: LegacyDiscovery? { fields[Self.legacyKey]?.string.flatMap(LegacyDiscovery.init(rawValue:)) }

    public mutating func mark(_ legacy: LegacyDiscovery) { fields[Self.legacyKey] = .string(legacy.rawValue) }

    /// The endpoints MCP 2025-03-26 prescribes for a server that publishes no metadata at all:
    /// `/authorize`, `/token` and `/register` at `origin`, which is also the issuer.
    public static func defaultEndpoints(origin: String) -> AuthorizationServerMetadata {
        var metadata = AuthorizationServerMetadata(fields: [
            "issuer": .string(origin),
            "authorization_endpoint": .string(origin + "/authorize"),
            "token_endpoint": .string(origin + "/token"),
            "registration_endpoint": .string(origin + "/register"),
            "response_types_supported": .array([.string("code")]),
        ])
        metadata.mark(.defaultEndpoints)
        return metadata
    }

    private init(fields: [String: JSONValue]) { self.fields = fields }
}

/// How a server without protected resource metadata was reached under MCP 2025-03-26: its origin
/// is the authorization server, described by metadata there or, without any, by default endpoints.
public enum LegacyDiscovery: String, Sendable {
    case originMetadata = "2025-03-26 origin metadata"
    case defaultEndpoints = "2025-03-26 default endpoints"

    /// What the login or add command says once the login worked.
    public var summary: String { "Legacy MCP 2025-03-26 authorization was used (\(rawValue))." }

    /// One line for a person, while the login runs.
    public var explanation: String {
        switch self {
        case .originMetadata:
            "The server publishes no protected resource metadata: using the legacy MCP 2025-03-26 rules (its origin is the authorization server, described by the metadata there)."
        case .defaultEndpoints:
            "The server publishes no OAuth metadata at all: using the legacy MCP 2025-03-26 default endpoints /authorize, /token and /register on its own origin."
        }
    }
}
