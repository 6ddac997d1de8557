import Foundation

/// How a token, refresh or revocation request failed.
public enum TokenRequestFailure: Error, CustomStringConvertible, Sendable {
    /// The authorization server refused with an OAuth error (RFC 6749 §5.2).
    case rejected(status: Int, error: String, description: String?)
    /// 5xx, 429, a network failure or a timeout: nothing is known to have changed.
    case unavailable(String)
    /// A success status with a body that is not a usable token response. The body is never
    /// quoted: it may hold a token.
    case malformed(String)

    public var description: String {
        switch self {
        case .rejected(let status, let error, let description):
            "the authorization server refused (HTTP \(status) \(error)\(description.map { ": \($0)" } ?? ""))"
        case .unavailable(let reason): reason
        case .malformed(let reason): reason
        }
    }

    /// `invalid_grant` arrives as 400 from most servers and as 401 from some; both mean the grant
    /// (code or refresh token) is dead.
    public var isInvalidGrant: Bool { if case .rejected(_, "invalid_grant", _) = self { true } else { false } }
    public var isInvalidClient: Bool {
        if case .rejected(_, let e, _) = self { e == "invalid_client" || e == "unauthorized_client" } else { false }
    }
}

/// The token endpoint (RFC 6749 §4.1.3, §6) and the revocation endpoint (RFC 7009), with the
/// client authentication the registration calls for and the RFC 8707 `resource` on every request.
public struct TokenEndpoint: Sendable {
    public let transport: any HTTPTransport
    public var timeout: Double = 30
    /// Token requests carry a DPoP proof made with this key (RFC 9449 §5), and the tokens come back
    /// bound to it.
    public var dpop: DPoPProver?
    /// `oauth.dpop: true`: a token the server did not bind (`token_type: Bearer`) is refused.
    public var dpopRequired = false

    public init(transport: any HTTPTransport, timeout: Double = 30, dpop: DPoPProver? = nil, dpopRequired: Bool = false) {
        self.transport = transport
        self.timeout = timeout
        self.dpop = dpop
        self.dpopRequired = dpopRequired
    }

    public func exchange(code: String, verifier: String, redirectURI: String, client: ClientRegistration,
                         metadata: AuthorizationServerMetadata, resource: String,
                         now: Double) async throws(TokenRequestFailure) -> OAuthTokens {
        let fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                      ("code_verifier", verifier), ("resource", resource)]
        return try await tokenRequest(fields, auth: ClientAuthentication(registration: client), metadata: metadata, now: now)
    }

    /// A grant that needs no person (client credentials, JWT bearer): `fields` hold its
    /// `grant_type` and parameters, `auth` how the client proves itself.
    public func obtain(_ fields: [(String, String)], auth: ClientAuthentication, metadata: AuthorizationServerMetadata,
                       now: Double) async throws(TokenRequestFailure) -> OAuthTokens {
        try await tokenRequest(fields, auth: auth, metadata: metadata, now: now)
    }

    /// A refresh. The old refresh token is kept when the response omits a new one (RFC 6749 §6),
    /// and the old scope when the response omits the scope.
    public func refresh(_ tokens: OAuthTokens, client: ClientRegistration, metadata: AuthorizationServerMetadata,
                        resource: String, now: Double) async throws(TokenRequestFailure) -> OAuthTokens {
        guard let refreshToken = tokens.refreshToken else { throw .malformed("no refresh token is held") }
        let fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("resource", resource)]
        var fresh = try await tokenRequest(fields, auth: ClientAuthentication(registration: client), metadata: metadata, now: now)
        if fresh.refreshToken == nil { fresh.refreshToken = refreshToken }
        if fresh.scope == nil { fresh.scope = tokens.scope }
        return fresh
    }

    /// RFC 7009 revocation of one token.
    public func revoke(_ token: String, hint: String, client: ClientRegistration, endpoint: String) async throws(TokenRequestFailure) {
        try await revoke(token, hint: hint, auth: ClientAuthentication(registration: client), audience: client.issuer ?? "", endpoint: endpoint)
    }

    /// The same with the client authentication of a grant without a person (`audience`: the issuer,
    /// for a client assertion).
    public func revoke(_ token: String, hint: String, auth: ClientAuthentication, audience: String, endpoint: String) async throws(TokenRequestFailure) {
        guard let url = URL(string: endpoint) else { throw .malformed("the revocation endpoint is not a URL") }
        var fields = [("token", token), ("token_type_hint", hint)]
        let response = try await post(url, &fields, auth: auth, audience: audience)
        if (200..<300).contains(response.status) { return }
        // mcp 2.3.0's /revoke insists on a client_secret field even for a public client; an empty
        // one satisfies it without claiming a secret.
        if response.status == 400, auth.method == "none",
           String(decoding: response.body.prefix(2000), as: UTF8.self).contains("client_secret") {
            var retry = [("token", token), ("token_type_hint", hint), ("client_secret", "")]
            let second = try await post(url, &retry, auth: auth, audience: audience)
            if (200..<300).contains(second.status) { return }
            throw Self.failure(second)
        }
        throw Self.failure(response)
    }

    private func tokenRequest(_ base: [(String, String)], auth: ClientAuthentication, metadata: AuthorizationServerMetadata,
                              now: Double) async throws(TokenRequestFailure) -> OAuthTokens {
        guard let url = URL(string: metadata.tokenEndpoint) else { throw .malformed("the token endpoint is not a URL") }
        var fields = base
        var response = try await post(url, &fields, auth: auth, audience: metadata.issuer)
        // RFC 9449 §8: a server that wants a nonce says so once; the request goes again with a new
        // proof (and a new client assertion: neither may be used twice).
        if let dpop, dpop.remember(response, for: url), response.status == 400,
           (try? JSONObject.decode(response.body))?["error"]?.string == "use_dpop_nonce" {
            fields = base
            response = try await post(url, &fields, auth: auth, audience: metadata.issuer)
            dpop.remember(response, for: url)
        }
        guard (200..<300).contains(response.status) else { throw Self.failure(response) }
        let object: [String: JSONValue]
        do { object = try JSONObject.decode(response.body) } catch {
            throw .malformed("the token endpoint answered HTTP \(response.status) without a JSON token response")
        }
        let tokens: OAuthTokens
        do {
            tokens = try OAuthTokens(json: object, issuedAt: now)
        } catch {
            throw .malformed("the token endpoint's response is unusable: \(error)")
        }
        if dpopRequired, dpop != nil, !tokens.isDPoPBound {
            throw .malformed("the token endpoint's response is unusable: oauth.dpop is true, and the token came back unbound (token_type \(ServerText.clean(tokens.tokenType.prefix(40))))")
        }
        if tokens.isDPoPBound, dpop == nil {
            throw .malformed("the token endpoint's response is unusable: token_type DPoP answers a request that carried no DPoP proof, so the token is bound to no key hermes holds")
        }
        // Refused now rather than stored and read back later as a corrupt file.
        if JSONObject.encode(tokens.json(now: now)).count > TokenStore.maxFileSize {
            throw .malformed("the token endpoint's response is larger than the \(TokenStore.maxFileSize >> 10) KiB a token file may hold")
        }
        return tokens
    }

    /// Adds client authentication and sends the form. A client assertion carries the real time
    /// (not a test's clock): the server checks it against its own.
    private func post(_ url: URL, _ fields: inout [(String, String)], auth: ClientAuthentication,
                      audience: String) async throws(TokenRequestFailure) -> HTTPResponse {
        var headers: [String: String] = [:]
        try auth.apply(to: &fields, headers: &headers, audience: audience, now: Date().timeIntervalSince1970)
        if let dpop {
            do { headers["DPoP"] = try dpop.proof(method: "POST", url: url) } catch {
                throw .unavailable("could not make a DPoP proof: \(error)")
            }
        }
        do {
            return try await transport.send(.form(url, fields, headers: headers, timeout: timeout))
        } catch {
            throw .unavailable("\(OAuthFailure.from(error))")
        }
    }

    static func failure(_ response: HTTPResponse) -> TokenRequestFailure {
        if response.status >= 500 || response.status == 429 {
            return .unavailable("the authorization server answered HTTP \(response.status); try again later")
        }
        if let object = try? JSONObject.decode(response.body), let error = object["error"]?.string {
            let description = object["error_description"]?.string.map { ServerText.clean($0.prefix(300)) }
            return .rejected(status: response.status, error: ServerText.clean(error.prefix(100)), description: description)
        }
        return .rejected(status: response.status, error: "http_\(response.status)", description: nil)
    }
}
