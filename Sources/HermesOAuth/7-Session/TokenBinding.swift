import Foundation

/// Which MCP server and authorization server stored credentials belong to.
///
/// A login records the canonical URL of the MCP server it was made for in `<name>.meta.json`
/// (`hermes_server_url`, beside `hermes_resource`, the resource it asked for). Every later use
/// compares that record with the URL config.yaml names now: editing `url:` (or `mcp add` with
/// another URL) must never send the access token, the refresh token, the registration or a
/// configured client secret to a server they were not issued for.
///
/// Files hermes-agent wrote carry neither key; they are used as they are (hermes-agent itself
/// never binds them) and bound at the next hermes login.
public enum TokenBinding {
    static let serverURLKey = "hermes_server_url"
    static let resourceKey = "hermes_resource"

    /// nil when credentials recorded with `metadata` may go to `server`; else the reason they may not.
    public static func problem(metadata: AuthorizationServerMetadata?, server: OAuthServer) -> String? {
        guard let metadata else { return nil }
        let current = URLPolicy.canonicalResource(server.url)
        if let recorded = metadata.fields[serverURLKey]?.string {
            return recorded == current ? nil : changed(from: recorded, to: current)
        }
        // Written by an earlier hermes: the resource still says where the tokens may go.
        if let resource = metadata.fields[resourceKey]?.string {
            guard let url = URL(string: resource), URLPolicy.covers(resource: url, server: server.url) else {
                return changed(from: resource, to: current)
            }
        }
        return nil
    }

    /// The record a login writes beside the metadata.
    static func record(_ metadata: inout AuthorizationServerMetadata, server: OAuthServer, resource: String) {
        metadata.fields[serverURLKey] = .string(URLPolicy.canonicalResource(server.url))
        metadata.fields[resourceKey] = .string(resource)
    }

    private static func changed(from recorded: String, to current: String) -> String {
        "the server's URL changed: the stored tokens were issued for \(recorded.prefix(200)), and config.yaml now names \(current.prefix(200))"
    }
}
