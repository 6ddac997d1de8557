import Foundation

/// Tokens with no person involved: the client credentials grant (a service account), the JWT
/// bearer grant with a workload token (workload identity federation), or with an ID-JAG from the
/// enterprise identity provider (enterprise-managed authorization). Everything is read at each
/// use (secrets from config as `.env` expanded them, keys and tokens from their files), so a
/// rotated credential is picked up without a restart.
struct MachineGrant: Sendable {
    let serverName: String
    let settings: OAuthSettings
    let transport: any HTTPTransport
    let timeout: Double
    /// Proofs for the token request when the tokens are to be DPoP-bound.
    let dpop: DPoPProver?
    /// Read at each use: `assertion_env` and `id_token_env` name variables a platform may update.
    let environment: @Sendable () -> [String: String]
    /// The user's identity token when it comes from a login at the identity provider (the
    /// provider keeps and refreshes it); nil when it is read from a file or a variable.
    var loggedInIdentity: (@Sendable () async throws -> String)? = nil

    var grant: GrantKind { settings.grant }

    /// Obtains tokens from the authorization server `metadata` describes, for `resource`.
    func obtain(metadata: AuthorizationServerMetadata, resource: String, now: Double) async throws(OAuthFailure) -> OAuthTokens {
        let auth = try clientAuthentication(metadata)
        var fields: [(String, String)] = [("grant_type", grant.grantType)]
        switch grant {
        case .authorizationCode:
            throw .configuration("server '\(serverName)' logs in with a browser (oauth.grant: authorization_code)")
        case .clientCredentials:
            break
        case .jwtBearer:
            fields.append(("assertion", try workloadToken(now: now)))
        case .identityAssertion:
            let idp = settings.identityProvider
            let idToken: String
            if let loggedInIdentity {
                do { idToken = try await loggedInIdentity() } catch { throw OAuthFailure.from(error) }
            } else {
                idToken = try Self.jwt(file: idp.idTokenFile, env: idp.idTokenEnv, what: ("oauth.idp.id_token_file", "oauth.idp.id_token_env"),
                                       server: serverName, environment: environment(), now: now)
            }
            let exchange = IdentityAssertion(serverName: serverName, settings: idp, transport: transport, timeout: timeout)
            fields.append(("assertion", try await exchange.idJAG(idToken: idToken, audience: metadata.issuer, resource: resource, scope: settings.scope)))
        }
        if let scope = settings.scope { fields.append(("scope", scope)) }
        fields.append(("resource", resource))
        do {
            return try await TokenEndpoint(transport: transport, timeout: timeout, dpop: dpop, dpopRequired: settings.dpop == .required).obtain(fields, auth: auth, metadata: metadata, now: now)
        } catch {
            throw failure(error, auth: auth)
        }
    }

    /// What the token endpoint's refusal means here. A refusal of the credentials is the one thing
    /// a person must fix (`needs login` in every API, with the server's own words); anything else is
    /// passing or the server's fault, and nothing stored is touched.
    func failure(_ error: TokenRequestFailure, auth: ClientAuthentication) -> OAuthFailure {
        switch error {
        case .rejected(let status, let code, let description):
            // A server that quotes the secret back must not get it printed, stored or handed on.
            let detail = masked(code + (description.map { ": " + $0.prefix(160) } ?? ""))
            if ["use_dpop_nonce", "invalid_dpop_proof"].contains(code) {
                return .protocolViolation("the authorization server of '\(serverName)' refused hermes' DPoP proof (HTTP \(status) \(detail))")
            }
            return .needsLogin(server: serverName, reason: "the authorization server refused the \(grant.rawValue) grant (HTTP \(status) \(detail)); check \(credentialsSetting(auth))")
        case .unavailable(let reason):
            return .temporarilyUnavailable("obtaining a token for '\(serverName)' failed; nothing was changed: \(reason)")
        case .malformed(let reason):
            return .protocolViolation("obtaining a token for '\(serverName)' failed: \(reason)")
        }
    }

    /// `text` with the configured secrets (client and identity provider) replaced by `***`.
    func masked(_ text: String) -> String {
        var out = text
        for secret in [settings.clientSecret, settings.identityProvider.clientSecret].compactMap({ $0 }) where secret.count >= 4 {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }

    private func credentialsSetting(_ auth: ClientAuthentication) -> String {
        switch grant {
        case .jwtBearer: "the workload token (" + (settings.assertionFile.map { "oauth.assertion_file \($0)" } ?? "oauth.assertion_env") + ")"
        case .identityAssertion: "oauth.client_id and its secret, and the identity token (oauth.idp)"
        default:
            switch auth {
            case .privateKeyJWT: "oauth.client_id and oauth.private_key (is its public key registered with the server?)"
            default: "oauth.client_id and oauth.client_secret"
            }
        }
    }

    // MARK: client authentication

    /// The method the configuration and the server agree on: a private key means `private_key_jwt`;
    /// a secret means `client_secret_basic` or `client_secret_post`, whichever the server lists
    /// first (basic when it lists none: RFC 8414's default), or `oauth.token_endpoint_auth_method`.
    /// A method the server does not list is refused here, naming what it offers.
    func clientAuthentication(_ metadata: AuthorizationServerMetadata) throws(OAuthFailure) -> ClientAuthentication {
        let offered = metadata.tokenEndpointAuthMethodsSupported
        let offeredText = ServerText.clean((offered ?? []).joined(separator: ", ").prefix(200))
        func refuse(_ method: String) -> OAuthFailure {
            .configuration("server '\(serverName)': the authorization server \(ServerText.clean(metadata.issuer.prefix(200))) does not accept \(method) at its token endpoint (it offers: \(offeredText.isEmpty ? "none" : offeredText))")
        }
        let forced = settings.tokenEndpointAuthMethod
        if let path = settings.privateKeyFile {
            if let forced, forced != "private_key_jwt" { throw .configuration("server '\(serverName)': oauth.private_key is set, so oauth.token_endpoint_auth_method must be private_key_jwt, not \(forced)") }
            guard let clientID = settings.clientID else { throw .configuration("server '\(serverName)': oauth.private_key needs oauth.client_id") }
            if let offered, !offered.contains("private_key_jwt") { throw refuse("private_key_jwt") }
            let key = try signingKey(path)
            if let algs = metadata.fields["token_endpoint_auth_signing_alg_values_supported"]?.stringArray, !algs.contains(key.algorithm.rawValue) {
                throw .configuration("server '\(serverName)': the authorization server does not accept \(key.algorithm.rawValue) client assertions (it offers: \(ServerText.clean(algs.joined(separator: ", ").prefix(200))))")
            }
            return .privateKeyJWT(clientID: clientID, key: key, keyID: settings.keyID)
        }
        guard let clientID = settings.clientID else { return .none(clientID: nil) }
        guard let secret = settings.clientSecret else { return .none(clientID: clientID) }
        if let name = Interpolation.unexpandedName(in: secret) {
            throw .configuration("server '\(serverName)': oauth.client_secret refers to ${\(name)}, which is set neither in .env nor in the environment")
        }
        let candidates = forced.map { [$0] } ?? ["client_secret_basic", "client_secret_post"]
        guard let method = candidates.first(where: { offered?.contains($0) ?? true }) else {
            throw refuse(forced ?? "a client secret (client_secret_basic or client_secret_post)")
        }
        switch method {
        case "client_secret_basic": return .secretBasic(clientID: clientID, secret: secret)
        case "client_secret_post": return .secretPost(clientID: clientID, secret: secret)
        default: throw .configuration("server '\(serverName)': oauth.token_endpoint_auth_method \(method) cannot be used with a client secret (client_secret_basic or client_secret_post)")
        }
    }

    private func signingKey(_ path: String) throws(OAuthFailure) -> SigningKey {
        let pem: String
        do { pem = try CredentialFile.read(path, what: "oauth.private_key", privateOnly: true) } catch {
            throw .configuration("server '\(serverName)': \(error)")
        }
        let key: SigningKey
        do { key = try SigningKey(pem: pem, what: "oauth.private_key \(path)") } catch {
            throw .configuration("server '\(serverName)': \(error)")
        }
        if let wanted = settings.privateKeyAlgorithm, wanted.uppercased() != key.algorithm.rawValue {
            throw .configuration("server '\(serverName)': oauth.private_key_alg is \(wanted) but oauth.private_key \(path) is a key for \(key.algorithm.rawValue)")
        }
        return key
    }

    // MARK: workload token

    /// The workload token, read now (platforms rotate it on disk or in the environment), checked
    /// to be a JWT that has not expired: an expired one is said, never sent.
    func workloadToken(now: Double) throws(OAuthFailure) -> String {
        try Self.jwt(file: settings.assertionFile, env: settings.assertionEnv, what: ("oauth.assertion_file", "oauth.assertion_env"),
                     server: serverName, environment: environment(), now: now)
    }

    /// A JWT from a file or an environment variable, for `what` (the two settings' names).
    static func jwt(file: String?, env: String?, what: (file: String, env: String), server: String,
                    environment: [String: String], now: Double) throws(OAuthFailure) -> String {
        let token: String
        let source: String
        if let file {
            do { token = try CredentialFile.read(file, what: what.file, privateOnly: false) } catch {
                throw .configuration("server '\(server)': \(error)")
            }
            source = "\(what.file) \(file)"
        } else if let env {
            guard let value = environment[env]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw .configuration("server '\(server)': \(what.env) names \(env), which is not set")
            }
            token = value
            source = "\(what.env) \(env)"
        } else {
            throw .configuration("server '\(server)': neither \(what.file) nor \(what.env) is set")
        }
        let jwt: UnverifiedJWT
        do { jwt = try UnverifiedJWT(token) } catch {
            throw .configuration("server '\(server)': the token in \(source) is \(error)")
        }
        if let exp = jwt.expiresAt, exp <= now {
            let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: exp))
            throw .temporarilyUnavailable("the token in \(source) for '\(server)' expired at \(when); it was not sent, and is read again at the next request (the platform that writes it must renew it)")
        }
        return token
    }
}
