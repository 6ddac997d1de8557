import Foundation

/// What the OAuth code needs to know about one configured MCP server.
public struct OAuthServer: Sendable, Equatable {
    public let name: String
    public let url: URL
    public let settings: OAuthSettings
    /// Extra headers from config (already interpolated), sent on MCP requests.
    public let headers: [String: String]
    public let connectTimeout: Double
    /// The CAs every request for this server (MCP and OAuth endpoints alike) is verified against.
    public let trust: TLSTrust
    /// `transport: sse` (MCP 2024-11-05): the URL is an event stream to GET, not an endpoint to POST
    /// to, so the probes of a login GET it (`MCPProbe`).
    public let legacySSE: Bool

    public init(name: String, url: URL, settings: OAuthSettings, headers: [String: String] = [:], connectTimeout: Double = 60,
                trust: TLSTrust = TLSTrust(), legacySSE: Bool = false) {
        self.name = name
        self.url = url
        self.settings = settings
        self.headers = headers
        self.connectTimeout = connectTimeout
        self.trust = trust
        self.legacySSE = legacySSE
    }

    /// From a config entry, which must have an http(s) `url` and `auth: oauth`.
    public init(config: MCPServerConfig) throws(OAuthFailure) {
        guard let text = config.url else {
            throw .configuration("Server '\(config.name)' has no URL — not an OAuth-capable server")
        }
        guard config.usesOAuth else {
            throw .configuration("Server '\(config.name)' is not configured for OAuth (auth=\(config.auth ?? "none"))")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw .configuration("Server '\(config.name)' has an invalid URL: \(text.prefix(200))")
        }
        // A bearer token goes only where every other OAuth endpoint may: https, or http on loopback.
        do { _ = try URLPolicy.check(text, what: "the URL of server '\(config.name)'") } catch {
            throw .configuration("Server '\(config.name)' uses OAuth, so its URL must be https (plain http is allowed on 127.0.0.1, ::1 and localhost only): \(text.prefix(200))")
        }
        for (name, value) in config.headers {
            if let problem = HeaderSyntax.problem(name: name, value: value) {
                throw .configuration("Server '\(config.name)': \(problem)")
            }
        }
        // Unverified TLS would hand the authorization code, the refresh token and any client secret
        // to whoever sits on the path, and keep handing over each new one: a MITM on an MCP
        // connection sees one session, on OAuth it owns the account until someone notices.
        let trust = config.tlsTrust
        guard trust.verify else {
            throw .configuration("Server '\(config.name)' sets ssl_verify: false, which hermes refuses for OAuth: the tokens and client secret would be exposed to anyone on the path. To trust a private certificate authority, set ssl_ca: /path/to/ca.pem for this server (or SSL_CERT_FILE)")
        }
        var legacySSE = false
        if case .sse = config.transport { legacySSE = true }
        self.init(name: config.name, url: url, settings: config.oauth, headers: config.headers, connectTimeout: config.connectTimeout,
                  trust: trust, legacySSE: legacySSE)
    }

    /// The same server with other `oauth` settings (everything else, its TLS trust included, kept).
    public func with(settings: OAuthSettings) -> OAuthServer {
        OAuthServer(name: name, url: url, settings: settings, headers: headers, connectTimeout: connectTimeout, trust: trust, legacySSE: legacySSE)
    }

    /// The RFC 8707 resource when discovery has not said otherwise.
    public var canonicalResource: String { URLPolicy.canonicalResource(url) }
}
