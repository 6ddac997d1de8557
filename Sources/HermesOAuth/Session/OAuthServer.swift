import Foundation

/// What the OAuth code needs to know about one configured MCP server.
public struct OAuthServer: Sendable, Equatable {
    public let name: String
    public let url: URL
    public let settings: OAuthSettings
    /// Extra headers from config (already interpolated), sent on MCP requests.
    public let headers: [String: String]
    public let connectTimeout: Double

    public init(name: String, url: URL, settings: OAuthSettings, headers: [String: String] = [:], connectTimeout: Double = 60) {
        self.name = name
        self.url = url
        self.settings = settings
        self.headers = headers
        self.connectTimeout = connectTimeout
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
        self.init(name: config.name, url: url, settings: config.oauth, headers: config.headers, connectTimeout: config.connectTimeout)
    }

    /// The RFC 8707 resource when discovery has not said otherwise.
    public var canonicalResource: String { URLPolicy.canonicalResource(url) }
}
