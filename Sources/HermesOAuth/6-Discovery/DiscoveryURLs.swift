import Foundation

/// The well-known URLs to try, in the order the MCP authorization spec (2025-11-25) requires.
public enum DiscoveryURLs {
    /// Protected resource metadata (RFC 9728): the `resource_metadata` URL from the challenge when
    /// there is one on the MCP server's own origin, then the path-inserted well-known URL, then the
    /// root one. A challenge naming another origin is ignored: otherwise any server could make hermes
    /// fetch any loopback port or https host it likes.
    public static func protectedResource(serverURL: URL, fromChallenge: String?) -> [String] {
        var urls: [String] = []
        let origin = URLPolicy.origin(serverURL)
        if let fromChallenge {
            if let url = URL(string: fromChallenge), url.host != nil, URLPolicy.origin(url) == origin {
                urls.append(fromChallenge)
            } else {
                HermesLog.discovery.notice("ignoring the challenge's resource_metadata: it is not on the server's origin \(origin)")
            }
        }
        let path = URLPolicy.path(serverURL)
        if !path.isEmpty { urls.append(origin + "/.well-known/oauth-protected-resource" + path) }
        urls.append(origin + "/.well-known/oauth-protected-resource")
        var seen = Set<String>()
        return urls.filter { seen.insert($0).inserted }
    }

    /// Authorization server metadata: RFC 8414 and OpenID Connect Discovery, path inserted and
    /// (OIDC only) appended.
    public static func authorizationServer(issuer: String) -> [String] {
        guard let url = URL(string: issuer) else { return [] }
        let origin = URLPolicy.origin(url)
        let path = URLPolicy.path(url)
        if path.isEmpty {
            return [origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"]
        }
        return [
            origin + "/.well-known/oauth-authorization-server" + path,
            origin + "/.well-known/openid-configuration" + path,
            origin + path + "/.well-known/openid-configuration",
        ]
    }
}
