import Foundation

/// How an entry's tokens are obtained (`oauth.grant`), with the keys each grant reads. Only
/// `authorization_code` involves a person; the others run whenever a token is needed.
public enum GrantKind: String, Sendable, CaseIterable {
    /// A person in a browser (the default).
    case authorizationCode = "authorization_code"
    /// A service account: the client's own credentials (OAuth client credentials grant).
    case clientCredentials = "client_credentials"
    /// Workload identity federation: a JWT the platform issues (a Kubernetes or CI token) presented
    /// with the RFC 7523 JWT bearer grant.
    case jwtBearer = "jwt_bearer"
    /// Enterprise-managed authorization: the user's identity token from the enterprise identity
    /// provider exchanged there (RFC 8693) for an ID-JAG, presented with the JWT bearer grant.
    case identityAssertion = "identity_assertion"

    /// `client-credentials` and `client_credentials` alike, any case.
    public init?(config text: String) {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_")
        self.init(rawValue: key)
    }

    /// Whether no person is involved: the manager obtains a new token itself.
    public var isMachine: Bool { self != .authorizationCode }

    /// The `grant_type` of the token request that obtains tokens.
    public var grantType: String {
        switch self {
        case .authorizationCode: "authorization_code"
        case .clientCredentials: "client_credentials"
        case .jwtBearer, .identityAssertion: GrantTypes.jwtBearer
        }
    }

    public static var configValues: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The URIs of the grants and tokens hermes speaks, named once.
public enum GrantTypes {
    public static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    public static let tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    public static let clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    public static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    public static let idJAGTokenType = "urn:ietf:params:oauth:token-type:id-jag"
}

/// `oauth.dpop`: `auto` (the default) binds tokens with DPoP when the authorization server
/// advertises an algorithm hermes signs with; `true` requires it; `false` never sends a proof.
public enum DPoPSetting: String, Sendable {
    case auto, required, off

    init(_ value: ConfigValue?) {
        guard let text = value?.text?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { self = .auto; return }
        switch Boolish.parse(text) {
        case true?: self = .required
        case false?: self = .off
        default: self = .auto
        }
    }
}

/// `oauth.idp`: the enterprise identity provider of `grant: identity_assertion`.
public struct IdentityProviderSettings: Sendable, Equatable {
    public let raw: ConfigValue

    private func text(_ key: String) -> String? { raw[key]?.text.flatMap { $0.isEmpty ? nil : $0 } }

    /// Its issuer: where its metadata (and token endpoint) is found when `token_endpoint` is absent.
    public var issuer: String? { text("issuer") }
    public var tokenEndpoint: String? { text("token_endpoint") }
    /// hermes' client at the identity provider, for the token exchange.
    public var clientID: String? { text("client_id") }
    public var clientSecret: String? { text("client_secret") }
    /// The user's identity token: a file (read at each use, as login helpers rewrite it) or an
    /// environment variable.
    public var idTokenFile: String? { text("id_token_file").map(MCPServerConfig.expandingTilde) }
    public var idTokenEnv: String? { text("id_token_env") }
    public var scope: String? { text("scope") }
    /// Without a file or a variable, the identity token comes from an OpenID Connect login at the
    /// identity provider (`hermes mcp login`), with the loopback listener of any login.
    public var usesLogin: Bool { idTokenFile == nil && idTokenEnv == nil }
    /// The callback port registered with the identity provider for hermes' client, when fixed.
    public var redirectPort: Int? { raw["redirect_port"]?.int.flatMap { $0 > 0 && $0 < 65536 ? $0 : nil } }
    /// Scopes of that login beside `openid`.
    public var loginScope: String {
        (["openid"] + (text("login_scope")?.split(separator: " ").map(String.init) ?? []).filter { $0 != "openid" }).joined(separator: " ")
    }
}

extension OAuthSettings {
    private func value(_ key: String) -> String? { raw[key]?.text.flatMap { $0.isEmpty ? nil : $0 } }

    /// `oauth.grant`; absent or unknown is `authorization_code` (an unknown one is refused when the
    /// entry is read, by `ServerEntryCheck`).
    public var grant: GrantKind { value("grant").flatMap(GrantKind.init(config:)) ?? .authorizationCode }

    /// A PEM private key for `private_key_jwt` (kept 0600; never copied).
    public var privateKeyFile: String? { value("private_key").map(MCPServerConfig.expandingTilde) }
    /// ES256 or RS256; when absent, the key's type decides.
    public var privateKeyAlgorithm: String? { value("private_key_alg") }
    /// The `kid` of the key, when the authorization server knows it by one.
    public var keyID: String? { value("key_id") }
    /// Forces one token endpoint authentication method instead of the best the server advertises.
    public var tokenEndpointAuthMethod: String? { value("token_endpoint_auth_method") }

    /// The workload token of `grant: jwt_bearer`: a file or an environment variable, read at each use.
    public var assertionFile: String? { value("assertion_file").map(MCPServerConfig.expandingTilde) }
    public var assertionEnv: String? { value("assertion_env") }

    public var identityProvider: IdentityProviderSettings { IdentityProviderSettings(raw: raw["idp"] ?? .null) }

    public var dpop: DPoPSetting { DPoPSetting(raw["dpop"]) }
}
