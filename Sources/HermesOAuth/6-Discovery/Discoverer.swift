import Foundation

/// What discovery established about one MCP server.
public struct DiscoveryResult: Sendable {
    /// The RFC 8707 `resource` to send on authorize, token and refresh requests.
    public let resource: String
    public let protectedResource: ProtectedResourceMetadata?
    public let authorizationServer: AuthorizationServerMetadata

    /// Set when the server has no protected resource metadata and the MCP 2025-03-26 rules applied.
    public var legacy: LegacyDiscovery? { protectedResource == nil ? authorizationServer.legacyDiscovery : nil }
}

/// RFC 9728 then RFC 8414 / OIDC discovery, in the spec's order, with the checks the 2026-07-28
/// revision requires: the fetched `issuer` must be exactly the one the URL was built from, every
/// endpoint must be https (http on loopback only), and PKCE S256 must be advertised.
public struct Discoverer: Sendable {
    public let transport: any HTTPTransport
    public var timeout: Double = 30
    /// The grant the tokens will come from: it decides what the metadata must offer.
    public var grant: GrantKind

    public init(transport: any HTTPTransport, grant: GrantKind = .authorizationCode) {
        self.transport = transport
        self.grant = grant
    }

    /// `preferredIssuer` (the one configured, or the one stored credentials belong to) is tried
    /// first when the protected resource lists it among several.
    public func discover(serverURL: URL, challenge: AuthChallenge?, preferredIssuer: String? = nil) async throws(OAuthFailure) -> DiscoveryResult {
        let prm = try await fetchProtectedResource(serverURL: serverURL, challenge: challenge)
        let resource = try Self.resource(serverURL: serverURL, prm: prm)
        guard let prm else {
            return DiscoveryResult(resource: resource, protectedResource: nil,
                                   authorizationServer: try await legacyAuthorizationServer(serverURL: serverURL))
        }
        // A document listing no authorization server names none elsewhere: the origin, with metadata.
        var issuers = prm.authorizationServers.isEmpty ? [URLPolicy.origin(serverURL)] : prm.authorizationServers
        if let preferredIssuer, let index = issuers.firstIndex(of: preferredIssuer) {
            issuers.insert(issuers.remove(at: index), at: 0)
        }
        var problems: [String] = []
        for issuer in issuers {
            do {
                let asm = try await fetchAuthorizationServer(issuer: issuer)
                return DiscoveryResult(resource: resource, protectedResource: prm, authorizationServer: asm)
            } catch .protocolViolation(let reason) {
                problems.append(reason)
            }
        }
        throw .protocolViolation(problems.joined(separator: "; "))
    }

    /// MCP 2025-03-26, for a server without protected resource metadata: the authorization server
    /// is the server's origin (its path discarded); its metadata when it publishes any, else the
    /// default endpoints `/authorize`, `/token`, `/register` there. Only that origin: nothing
    /// vouches for another host, so an endpoint elsewhere is refused rather than followed.
    func legacyAuthorizationServer(serverURL: URL) async throws(OAuthFailure) -> AuthorizationServerMetadata {
        let origin = URLPolicy.origin(serverURL)
        var metadata: AuthorizationServerMetadata
        if let published = try await fetchAuthorizationServer(issuer: origin, absentIsNil: true) {
            metadata = published
            metadata.mark(.originMetadata)
        } else {
            metadata = .defaultEndpoints(origin: origin)
            try Self.validate(metadata, grant: grant)
        }
        let endpoints = [("authorization_endpoint", metadata.authorizationEndpoint), ("token_endpoint", metadata.tokenEndpoint),
                         ("registration_endpoint", metadata.registrationEndpoint), ("revocation_endpoint", metadata.revocationEndpoint)]
        for case let (what, text?) in endpoints {
            guard let url = URL(string: text), URLPolicy.origin(url) == origin else {
                throw .protocolViolation("the \(what) \(ServerText.clean(text.prefix(200))) is not on \(ServerText.clean(origin)); a server without protected resource metadata (MCP 2025-03-26) is only authorized at its own origin")
            }
        }
        return metadata
    }

    /// The first protected resource metadata document found, or nil when none exists.
    func fetchProtectedResource(serverURL: URL, challenge: AuthChallenge?) async throws(OAuthFailure) -> ProtectedResourceMetadata? {
        for candidate in DiscoveryURLs.protectedResource(serverURL: serverURL, fromChallenge: challenge?.resourceMetadata) {
            guard let json = try await fetchJSON(candidate, what: "protected resource metadata URL") else { continue }
            return try ProtectedResourceMetadata(json: json)
        }
        return nil
    }

    func fetchAuthorizationServer(issuer: String) async throws(OAuthFailure) -> AuthorizationServerMetadata {
        // Never nil: without `absentIsNil` a missing document throws.
        try await fetchAuthorizationServer(issuer: issuer, absentIsNil: false)!
    }

    /// The issuer's validated metadata. When no candidate URL has a document at all: nil with
    /// `absentIsNil`, else an error. A document that exists but is unusable is always an error.
    func fetchAuthorizationServer(issuer: String, absentIsNil: Bool) async throws(OAuthFailure) -> AuthorizationServerMetadata? {
        _ = try URLPolicy.check(issuer, what: "authorization server issuer")
        let candidates = DiscoveryURLs.authorizationServer(issuer: issuer)
        var mismatch: String?
        for candidate in candidates {
            guard let json = try await fetchJSON(candidate, what: "authorization server metadata URL") else { continue }
            let metadata: AuthorizationServerMetadata
            // hermes' own records (`hermes_*`) are hermes' to write: a server must not be able to
            // claim, say, that its endpoints are the 2025-03-26 defaults and so skip the PKCE check.
            do { metadata = try AuthorizationServerMetadata(json: json.filter { !$0.key.hasPrefix("hermes_") }) } catch {
                throw .protocolViolation("authorization server metadata at \(ServerText.clean(candidate)) is unusable: \(error)")
            }
            guard metadata.issuer == issuer else {
                // RFC 8414 §3.3: a document naming another issuer must not be used.
                mismatch = "the metadata at \(ServerText.clean(candidate)) names issuer '\(ServerText.clean(metadata.issuer.prefix(200)))', not '\(ServerText.clean(issuer))'"
                continue
            }
            try Self.validate(metadata, grant: grant)
            return metadata
        }
        if mismatch == nil, absentIsNil { return nil }
        throw .protocolViolation(mismatch ?? ServerText.clean("no authorization server metadata for \(issuer) (tried \(candidates.joined(separator: ", ")))"))
    }

    /// The grant must be offered (a server that lists its grants without it is never sent a request
    /// for it); for the authorization code, PKCE S256 must be advertised (the spec's MUST refuse when
    /// absent); every endpoint hermes will call or open must pass the URL policy and hold no control
    /// or invisible formatting character (RFC 3986 allows none; the authorization endpoint is
    /// printed and opened).
    static func validate(_ metadata: AuthorizationServerMetadata, grant: GrantKind = .authorizationCode) throws(OAuthFailure) {
        let issuer = ServerText.clean(metadata.issuer)
        let offered = ServerText.clean((metadata.grantTypesSupported ?? []).joined(separator: ", ").prefix(300))
        guard grant.isMachine else { return try validateForLogin(metadata, issuer: issuer, offered: offered) }
        if let grants = metadata.grantTypesSupported, !grants.contains(grant.grantType) {
            throw .protocolViolation("authorization server \(issuer) does not offer the \(grant.grantType) grant that oauth.grant: \(grant.rawValue) needs (it offers: \(offered.isEmpty ? "none" : offered))")
        }
        try checkEndpoints(metadata, issuer: issuer, [("token_endpoint", metadata.tokenEndpoint), ("revocation_endpoint", metadata.revocationEndpoint)])
    }

    private static func validateForLogin(_ metadata: AuthorizationServerMetadata, issuer: String, offered: String) throws(OAuthFailure) {
        if !metadata.offersAuthorizationCode {
            // Never start a flow the server says it does not offer: a browser would open for nothing.
            throw .protocolViolation("authorization server \(issuer) does not offer the authorization_code grant that hermes logs in with (it offers: \(offered.isEmpty ? "none" : offered))")
        }
        // The 2025-03-26 default endpoints come with no metadata to advertise PKCE: S256 is sent anyway.
        if metadata.legacyDiscovery != .defaultEndpoints {
            guard let methods = metadata.codeChallengeMethodsSupported else {
                throw .protocolViolation("authorization server \(issuer) does not advertise code_challenge_methods_supported; refusing to proceed without PKCE S256")
            }
            guard methods.contains(PKCEPair.method) else {
                throw .protocolViolation("authorization server \(issuer) does not support PKCE S256 (it offers \(ServerText.clean(methods.joined(separator: ", ").prefix(200)))); refusing to proceed")
            }
        }
        guard let authorize = metadata.authorizationEndpoint else {
            throw .protocolViolation("authorization server \(issuer) has no authorization_endpoint")
        }
        try checkEndpoints(metadata, issuer: issuer, [("authorization_endpoint", authorize), ("token_endpoint", metadata.tokenEndpoint),
                                                      ("registration_endpoint", metadata.registrationEndpoint),
                                                      ("revocation_endpoint", metadata.revocationEndpoint)])
    }

    private static func checkEndpoints(_ metadata: AuthorizationServerMetadata, issuer: String, _ endpoints: [(String, String?)]) throws(OAuthFailure) {
        for case let (what, url?) in endpoints {
            guard ServerText.isClean(url) else {
                throw .protocolViolation("the \(what) of \(issuer) contains control or invisible formatting characters: \(ServerText.clean(url.prefix(200)))")
            }
            _ = try URLPolicy.check(url, what: what)
        }
    }

    /// The resource indicator: the protected resource metadata's `resource` when it names this
    /// server (exactly, or as a parent path on the same origin), else the canonical server URL. A
    /// document that describes another resource is refused.
    static func resource(serverURL: URL, prm: ProtectedResourceMetadata?) throws(OAuthFailure) -> String {
        let server = URLPolicy.canonicalResource(serverURL)
        guard let prm else { return server }
        guard let declared = URL(string: prm.resource) else {
            throw .protocolViolation("protected resource metadata names an invalid resource '\(ServerText.clean(prm.resource.prefix(200)))'")
        }
        let resource = URLPolicy.canonicalResource(declared)
        guard URLPolicy.covers(resource: declared, server: serverURL) else {
            throw .protocolViolation("protected resource metadata is for '\(ServerText.clean(prm.resource.prefix(200)))', not for \(server)")
        }
        return resource
    }

    /// GET a JSON object. nil for a 4xx (try the next URL); an error for 5xx, network failures,
    /// redirects to nowhere and bodies that are not JSON objects.
    func fetchJSON(_ text: String, what: String) async throws(OAuthFailure) -> [String: JSONValue]? {
        let url = try URLPolicy.check(text, what: what)
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(url: url, headers: ["Accept": "application/json"], timeout: timeout))
        } catch {
            throw OAuthFailure.from(error)
        }
        switch response.status {
        case 200:
            do { return try JSONObject.decode(response.body) } catch {
                throw .protocolViolation("\(ServerText.clean(text)) did not return a JSON object (\(error))")
            }
        case 300..<500:
            return nil
        default:
            throw .temporarilyUnavailable("\(ServerText.clean(text)) answered HTTP \(response.status)")
        }
    }
}
