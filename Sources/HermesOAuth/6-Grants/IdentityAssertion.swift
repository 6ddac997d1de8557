import Foundation

/// Enterprise-managed authorization, first leg: the user's identity token, exchanged at the
/// enterprise identity provider (RFC 8693 token exchange) for an Identity Assertion JWT
/// Authorization Grant (ID-JAG) addressed to the MCP server's authorization server.
struct IdentityAssertion: Sendable {
    let serverName: String
    let settings: IdentityProviderSettings
    let transport: any HTTPTransport
    let timeout: Double

    /// The ID-JAG for the authorization server `audience` (its issuer) and `resource`, in exchange
    /// for the user's `idToken`.
    func idJAG(idToken: String, audience: String, resource: String, scope: String?) async throws(OAuthFailure) -> String {
        let endpoint = try await tokenEndpoint()
        var fields: [(String, String)] = [
            ("grant_type", GrantTypes.tokenExchange),
            ("requested_token_type", GrantTypes.idJAGTokenType),
            ("subject_token", idToken),
            ("subject_token_type", GrantTypes.idTokenType),
            ("audience", audience),
            ("resource", resource),
        ]
        if let scope = settings.scope ?? scope { fields.append(("scope", scope)) }
        var headers: [String: String] = [:]
        // With a secret: HTTP Basic, which every authorization server must accept (RFC 6749
        // §2.3.1), unless the provider's metadata lists only client_secret_post.
        let auth: ClientAuthentication = settings.clientID.map { id in
            settings.clientSecret.map { secret in
                endpoint.methods.map { !$0.contains("client_secret_basic") && $0.contains("client_secret_post") } == true
                    ? .secretPost(clientID: id, secret: secret) : .secretBasic(clientID: id, secret: secret)
            } ?? .none(clientID: id)
        } ?? .none(clientID: nil)
        do { try auth.apply(to: &fields, headers: &headers, audience: endpoint.issuer, now: Date().timeIntervalSince1970) } catch {
            throw .configuration("\(error)")
        }
        let response: HTTPResponse
        do { response = try await transport.send(.form(endpoint.url, fields, headers: headers, timeout: timeout)) } catch {
            throw .temporarilyUnavailable("the token exchange at the identity provider for '\(serverName)' failed: \(OAuthFailure.from(error))")
        }
        guard (200..<300).contains(response.status) else {
            switch TokenEndpoint.failure(response) {
            case .rejected(let status, let code, let description):
                throw .needsLogin(server: serverName, reason: "the identity provider refused the token exchange (HTTP \(status) \(code)\(description.map { ": " + $0 } ?? "")); is the identity token in oauth.idp current?")
            case .unavailable(let reason), .malformed(let reason):
                throw .temporarilyUnavailable("the token exchange at the identity provider for '\(serverName)' failed: \(reason)")
            }
        }
        do { return try TokenExchangeResponse(body: response.body).idJAG } catch {
            throw .protocolViolation("the identity provider's token exchange answer for '\(serverName)' is unusable: \(error)")
        }
    }

    /// `idp.token_endpoint`, else the one the identity provider's metadata names (RFC 8414 or
    /// OpenID Connect discovery at `idp.issuer`), which must pass the same URL policy.
    private func tokenEndpoint() async throws(OAuthFailure) -> (url: URL, issuer: String, methods: [String]?) {
        if let configured = settings.tokenEndpoint {
            let url = try URLPolicy.check(configured, what: "oauth.idp.token_endpoint")
            return (url, settings.issuer ?? URLPolicy.origin(url), nil)
        }
        guard let issuer = settings.issuer else { throw .configuration("server '\(serverName)': oauth.idp needs token_endpoint or issuer") }
        let discoverer = Discoverer(transport: transport)
        for candidate in DiscoveryURLs.authorizationServer(issuer: issuer) {
            guard let json = try await discoverer.fetchJSON(candidate, what: "identity provider metadata URL") else { continue }
            guard json["issuer"]?.string == issuer, let endpoint = json["token_endpoint"]?.string else {
                throw .protocolViolation("the identity provider metadata at \(ServerText.clean(candidate)) does not name issuer \(ServerText.clean(issuer)) and a token_endpoint")
            }
            if let grants = json["grant_types_supported"]?.stringArray, !grants.contains(GrantTypes.tokenExchange) {
                throw .protocolViolation("the identity provider \(ServerText.clean(issuer)) does not offer token exchange (it offers: \(ServerText.clean(grants.joined(separator: ", ").prefix(200))))")
            }
            return (try URLPolicy.check(endpoint, what: "the identity provider's token_endpoint"), issuer,
                    json["token_endpoint_auth_methods_supported"]?.stringArray)
        }
        throw .protocolViolation("no metadata for the identity provider \(ServerText.clean(issuer)) (tried its RFC 8414 and OpenID Connect well-known URLs)")
    }
}

/// An RFC 8693 token exchange response that must carry an ID-JAG.
public struct TokenExchangeResponse: Sendable {
    public let idJAG: String

    public struct Unusable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(body: Data) throws(Unusable) {
        guard body.count <= 256 * 1024 else { throw Unusable(description: "larger than 256 KiB") }
        let object: [String: JSONValue]
        do { object = try JSONObject.decode(body) } catch { throw Unusable(description: "not a JSON object") }
        guard let issued = object["issued_token_type"]?.string else { throw Unusable(description: "issued_token_type is missing") }
        guard issued == GrantTypes.idJAGTokenType else {
            throw Unusable(description: "issued_token_type is \(ServerText.clean(issued.prefix(100))), not \(GrantTypes.idJAGTokenType)")
        }
        guard let token = object["access_token"]?.string, !token.isEmpty else { throw Unusable(description: "access_token is missing") }
        // Never quoted: it is a credential.
        do { _ = try UnverifiedJWT(token) } catch { throw Unusable(description: "the ID-JAG is \(error)") }
        guard token.utf8.allSatisfy({ $0 == 0x2E || Base64URL.alphabet.contains($0) }) else {
            throw Unusable(description: "the ID-JAG holds characters outside base64url")
        }
        idJAG = token
    }
}
