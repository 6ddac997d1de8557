/// A client registration, in hermes-agent's `<name>.client.json` shape (RFC 7591 client
/// information). The whole object is kept, so fields hermes does not interpret survive a rewrite.
///
/// hermes adds one key, `issuer`: the authorization server the registration belongs to, so a
/// client_id issued by one server is never presented to another.
public struct ClientRegistration: Sendable, Equatable, CustomStringConvertible {
    public var fields: [String: JSONValue]

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(json object: [String: JSONValue]) throws(Invalid) {
        guard let id = object["client_id"]?.string, !id.isEmpty else { throw Invalid(reason: "no client_id") }
        _ = id
        fields = object
    }

    public init(clientID: String, clientSecret: String? = nil, redirectURIs: [String] = [],
                tokenEndpointAuthMethod: String? = nil, issuer: String? = nil) {
        fields = ["client_id": .string(clientID)]
        self.clientSecret = clientSecret
        self.redirectURIs = redirectURIs
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.issuer = issuer
    }

    public var clientID: String { fields["client_id"]?.string ?? "" }

    public var clientSecret: String? {
        get { fields["client_secret"]?.string }
        set { fields["client_secret"] = newValue.map(JSONValue.string) }
    }

    public var redirectURIs: [String] {
        get { fields["redirect_uris"]?.stringArray ?? [] }
        set { fields["redirect_uris"] = .array(newValue.map(JSONValue.string)) }
    }

    public var tokenEndpointAuthMethod: String? {
        get { fields["token_endpoint_auth_method"]?.string }
        set { fields["token_endpoint_auth_method"] = newValue.map(JSONValue.string) }
    }

    public var issuer: String? {
        get { fields["issuer"]?.string }
        set { fields["issuer"] = newValue.map(JSONValue.string) }
    }

    /// Seconds since the epoch after which the secret is invalid; 0 or absent means never.
    public var clientSecretExpiresAt: Double? { fields["client_secret_expires_at"]?.number }

    public var description: String {
        "ClientRegistration(client_id: \(clientID), secret: \(Secret.mask(clientSecret)), issuer: \(issuer ?? "-"))"
    }
}
