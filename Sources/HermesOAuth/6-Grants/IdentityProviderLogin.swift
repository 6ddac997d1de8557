import Foundation

/// The user's identity token from the enterprise identity provider, by an OpenID Connect login:
/// the authorization code flow with PKCE on the same loopback listener as any login, at the
/// provider named by `oauth.idp.issuer` for hermes' client there (`oauth.idp.client_id`), then
/// refreshed with the provider's refresh token while it lasts.
struct IdentityProviderLogin: Sendable {
    let serverName: String
    let settings: IdentityProviderSettings
    let transport: any HTTPTransport
    let timeout: Double

    private func metadata() async throws(OAuthFailure) -> AuthorizationServerMetadata {
        guard let issuer = settings.issuer else {
            throw .configuration("server '\(serverName)': oauth.idp.issuer is needed to log in at the identity provider")
        }
        return try await Discoverer(transport: transport).fetchAuthorizationServer(issuer: issuer)
    }

    private var client: ClientRegistration {
        get throws(OAuthFailure) {
            guard let id = settings.clientID else {
                throw .configuration("server '\(serverName)': oauth.idp.client_id (hermes' client at the identity provider) is needed to log in there")
            }
            return ClientRegistration(clientID: id, clientSecret: settings.clientSecret)
        }
    }

    /// A person's login in the browser.
    func login(interaction: LoginInteraction, loginTimeout: Double) async throws(OAuthFailure) -> IdentityTokens {
        let metadata = try await metadata()
        let client = try client
        let listener = try CallbackListener(port: UInt16(settings.redirectPort ?? 0))
        defer { listener.stop() }
        let pkce: PKCEPair
        do { pkce = try PKCEPair.generate() } catch { throw .storage("\(error)") }
        interaction.say("  Logging in at the identity provider \(ServerText.clean(metadata.issuer.prefix(200))) for '\(serverName)'.")
        let attempt = AuthorizationAttempt(serverName: serverName, metadata: metadata, client: client, redirectURI: listener.redirectURI,
                                           resource: nil, scope: settings.loginScope, extraParameters: [:], listener: listener,
                                           timeout: loginTimeout, interaction: interaction)
        switch try await attempt.run(pkce: pkce) {
        case .refused(let error, let description):
            let detail = error + (description.map { ": \($0)" } ?? "")
            if error == "access_denied" { throw .denied("the identity provider denied the login for '\(serverName)' (\(detail))") }
            throw .protocolViolation("the identity provider refused the login for '\(serverName)' (\(detail))")
        case .code(let code):
            let fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", listener.redirectURI),
                          ("code_verifier", pkce.verifier)]
            return try await tokens(fields, metadata: metadata, client: client, previous: nil)
        }
    }

    /// A new identity token from the refresh token `held` carries.
    func refresh(_ held: IdentityTokens) async throws(OAuthFailure) -> IdentityTokens {
        guard let refreshToken = held.refreshToken else {
            throw .needsLogin(server: serverName, reason: "the identity provider's login has expired and gave no refresh token")
        }
        return try await tokens([("grant_type", "refresh_token"), ("refresh_token", refreshToken)], metadata: try await metadata(),
                                client: try client, previous: held)
    }

    private func tokens(_ fields: [(String, String)], metadata: AuthorizationServerMetadata, client: ClientRegistration,
                        previous: IdentityTokens?) async throws(OAuthFailure) -> IdentityTokens {
        let now = Date().timeIntervalSince1970
        let answer: OAuthTokens
        do {
            answer = try await TokenEndpoint(transport: transport, timeout: timeout)
                .obtain(fields, auth: ClientAuthentication(registration: client), metadata: metadata, now: now)
        } catch {
            switch error {
            case .rejected(let status, let code, let description):
                throw .needsLogin(server: serverName, reason: "the identity provider refused (HTTP \(status) \(code)\(description.map { ": " + $0 } ?? ""))")
            case .unavailable(let reason):
                throw .temporarilyUnavailable("the identity provider of '\(serverName)': \(reason)")
            case .malformed(let reason):
                throw .protocolViolation("the identity provider of '\(serverName)': \(reason)")
            }
        }
        guard let idToken = answer.extra["id_token"]?.string else {
            throw .protocolViolation("the identity provider of '\(serverName)' answered without an id_token (was openid granted?)")
        }
        // Received from the token endpoint over the checked connection, so its signature need not
        // be checked here (OpenID Connect Core §3.1.3.7); what it claims to be for must still fit.
        let jwt: UnverifiedJWT
        do { jwt = try UnverifiedJWT(idToken) } catch {
            throw .protocolViolation("the identity provider's id_token is \(error)")
        }
        guard jwt.claims["iss"]?.string == metadata.issuer else {
            throw .protocolViolation("the identity provider's id_token names another issuer than \(ServerText.clean(metadata.issuer.prefix(200)))")
        }
        let audience: [String] = switch jwt.claims["aud"] {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.string)
        default: []
        }
        guard audience.contains(client.clientID) else {
            throw .protocolViolation("the identity provider's id_token is not for hermes' client \(ServerText.clean(client.clientID.prefix(100)))")
        }
        // OpenID Connect Core §3.1.3.7: a token for several audiences names the party it was
        // issued to (`azp`), which must be hermes' client.
        let azp = jwt.claims["azp"]?.string
        if (audience.count > 1 && azp == nil) || (azp.map { $0 != client.clientID } ?? false) {
            throw .protocolViolation("the identity provider's id_token was issued to another party (azp \(ServerText.clean((azp ?? "absent").prefix(100))))")
        }
        if let exp = jwt.expiresAt, exp <= now {
            throw .protocolViolation("the identity provider of '\(serverName)' answered with an id_token that has already expired")
        }
        return IdentityTokens(idToken: idToken, refreshToken: answer.refreshToken ?? previous?.refreshToken, expiresAt: jwt.expiresAt,
                              issuer: metadata.issuer)
    }
}
