import Foundation

/// How the client identity in use was obtained (shown by `hermes mcp status`).
public enum RegistrationKind: String, Sendable {
    case preRegistered = "pre-registered"
    case metadataDocument = "client-id-metadata-document"
    case dynamic = "dynamic"
}

/// A client identity ready for one authorization server and one redirect URI.
public struct ClientChoice: Sendable {
    public var registration: ClientRegistration
    public let kind: RegistrationKind
    /// True when it came from a registration request just now and is not on disk yet.
    public let isNew: Bool
}

/// Chooses the client identity in the spec's priority: pre-registered credentials from config,
/// then a Client ID Metadata Document (when the server supports it and one is configured), then
/// the stored dynamic registration for this issuer, then a new dynamic registration (RFC 7591).
public struct Registrar: Sendable {
    public let transport: any HTTPTransport
    public let store: TokenStore
    public let settings: OAuthSettings
    public var timeout: Double = 30

    public init(transport: any HTTPTransport, store: TokenStore, settings: OAuthSettings) {
        self.transport = transport
        self.store = store
        self.settings = settings
    }

    /// The identity to use without registering anything: nil when a new dynamic registration is
    /// needed (none stored, another issuer's, a redirect URI it does not list, or an expired secret).
    public func existing(metadata: AuthorizationServerMetadata, redirectURI: String?, now: Double) throws(OAuthFailure) -> ClientChoice? {
        if let id = settings.clientID {
            // A configured secret is the user's, issued by one authorization server: never show it
            // to another because an MCP server (or an edited URL) now names one.
            if let bound = settings.issuer ?? store.metadata()?.issuer, bound != metadata.issuer {
                throw .configuration("""
                    the client configured for '\(store.serverName)' (oauth.client_id) belongs to the authorization server \(bound.prefix(200)), \
                    but the server now names \(metadata.issuer.prefix(200)); hermes will not present the configured client or its secret there. \
                    If that authorization server is right, set oauth.issuer: \(metadata.issuer.prefix(200)) for '\(store.serverName)' in config.yaml
                    """)
            }
            var client = ClientRegistration(clientID: id, clientSecret: settings.clientSecret,
                                            redirectURIs: redirectURI.map { [$0] } ?? [], issuer: metadata.issuer)
            client.tokenEndpointAuthMethod = Self.preferredAuthMethod(metadata, hasSecret: settings.clientSecret != nil)
            return ClientChoice(registration: client, kind: .preRegistered, isNew: false)
        }
        if let documentURL = settings.clientMetadataURL, metadata.clientIDMetadataDocumentSupported {
            guard let url = URL(string: documentURL), url.scheme == "https", URLPolicy.path(url).count > 0 else {
                throw .configuration("oauth.cimd must be an https URL with a path, not '\(documentURL)'")
            }
            let client = ClientRegistration(clientID: documentURL, redirectURIs: redirectURI.map { [$0] } ?? [],
                                            tokenEndpointAuthMethod: "none", issuer: metadata.issuer)
            return ClientChoice(registration: client, kind: .metadataDocument, isNew: false)
        }
        guard let stored = store.client(forIssuer: metadata.issuer) else { return nil }
        if let expiry = stored.clientSecretExpiresAt, expiry > 0, expiry <= now { return nil }
        if let redirectURI, !stored.redirectURIs.isEmpty, !stored.redirectURIs.contains(redirectURI) { return nil }
        return ClientChoice(registration: stored, kind: .dynamic, isNew: false)
    }

    /// The loopback port a stored registration advertises, so a restart reuses it and the
    /// registered redirect URI keeps matching.
    public func registeredPort(issuer: String?) -> UInt16? {
        guard let stored = store.client(forIssuer: issuer) else { return nil }
        for text in stored.redirectURIs {
            guard let url = URL(string: text), url.scheme == "http", let host = url.host,
                  URLPolicy.isLoopback(host: host), url.path == "/callback", let port = url.port, port > 0, port < 65536 else { continue }
            return UInt16(port)
        }
        return nil
    }

    /// RFC 7591 dynamic registration. The result is not saved: the caller stores it once a login
    /// succeeds with it, so a failed login leaves the previous registration in place.
    /// Throws `OAuthFailure`. The untyped `throws` works around a Swift 6.3 optimiser crash
    /// (coroutine splitting of this function with a typed throw, release builds only).
    public func register(metadata: AuthorizationServerMetadata, redirectURI: String, scope: String?) async throws -> ClientChoice {
        guard let endpoint = metadata.registrationEndpoint, let url = URL(string: endpoint) else {
            throw OAuthFailure.configuration("the authorization server \(metadata.issuer) offers no dynamic client registration; set oauth.client_id (and oauth.client_secret) for this server in config.yaml")
        }
        let method = Self.preferredAuthMethod(metadata, hasSecret: false)
        var request: [String: JSONValue] = [
            "client_name": .string(settings.clientName),
            "redirect_uris": .array([.string(redirectURI)]),
            // Only grants the server offers: asking for one it lists as unsupported invites a refusal.
            "grant_types": .array(metadata.refusesRefreshGrant ? [.string("authorization_code")] : [.string("authorization_code"), .string("refresh_token")]),
            "response_types": .array([.string("code")]),
            "token_endpoint_auth_method": .string(method),
            "application_type": .string("native"),
        ]
        if let scope { request["scope"] = .string(scope) }
        var response = try await post(url, request).get()
        if response.status == 400, String(decoding: response.body.prefix(4000), as: UTF8.self).contains("application_type") {
            // SEP-837 lets a server reject the type; one retry without it, as the spec allows.
            request["application_type"] = nil
            response = try await post(url, request).get()
        }
        guard response.status == 200 || response.status == 201 else {
            let detail = (try? JSONObject.decode(response.body)).flatMap { object -> String? in
                guard let error = object["error"]?.string else { return nil }
                return ServerText.clean(error.prefix(100)) + (object["error_description"]?.string.map { ": \(ServerText.clean($0.prefix(300)))" } ?? "")
            } ?? "HTTP \(response.status)"
            if response.status >= 500 { throw OAuthFailure.temporarilyUnavailable("client registration at \(ServerText.clean(endpoint)) failed: \(detail)") }
            throw OAuthFailure.protocolViolation("client registration at \(ServerText.clean(endpoint)) was refused: \(detail)")
        }
        var client: ClientRegistration
        do {
            client = try ClientRegistration(json: JSONObject.decode(response.body))
        } catch {
            throw OAuthFailure.protocolViolation("client registration at \(ServerText.clean(endpoint)) returned no usable client_id")
        }
        // Some servers echo an empty redirect_uris list; the one just registered is what counts.
        if client.redirectURIs.isEmpty { client.redirectURIs = [redirectURI] }
        if client.tokenEndpointAuthMethod == nil { client.tokenEndpointAuthMethod = client.clientSecret == nil ? "none" : "client_secret_post" }
        client.issuer = metadata.issuer
        return ClientChoice(registration: client, kind: .dynamic, isNew: true)
    }

    /// Moves a registration the server no longer knows aside (`.client.json.bak`) and removes it.
    public func discardStored(reason: String) throws(OAuthFailure) {
        do {
            try store.backupClient()
            if unlink(store.clientPath) != 0, errno != ENOENT {
                throw OAuthFailure.storage("could not remove \(store.clientPath)")
            }
        } catch let failure as OAuthFailure {
            throw failure
        } catch {
            throw .storage("\(error)")
        }
        HermesLog.storage.notice("discarded the client registration of '\(store.serverName)' (\(reason)); kept a copy in \(store.clientBackupPath)")
    }

    /// `none` for a public client when the server accepts it, else what it supports.
    static func preferredAuthMethod(_ metadata: AuthorizationServerMetadata, hasSecret: Bool) -> String {
        let supported = metadata.tokenEndpointAuthMethodsSupported ?? ["client_secret_basic"]
        if !hasSecret, supported.contains("none") || metadata.tokenEndpointAuthMethodsSupported == nil { return "none" }
        if supported.contains("client_secret_post") { return "client_secret_post" }
        if supported.contains("client_secret_basic") { return "client_secret_basic" }
        return hasSecret ? "client_secret_post" : "none"
    }

    private func post(_ url: URL, _ body: [String: JSONValue]) async -> Result<HTTPResponse, OAuthFailure> {
        do {
            return .success(try await transport.send(HTTPRequest(method: "POST", url: url,
                                                                 headers: ["Content-Type": "application/json", "Accept": "application/json"],
                                                                 body: Data(JSONValue.object(body).serialized().utf8), timeout: timeout)))
        } catch {
            return .failure(OAuthFailure.from(error))
        }
    }
}
