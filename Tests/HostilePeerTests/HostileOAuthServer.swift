import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HermesTestSupport

/// Tests/PythonPeers/hostile_oauth.py: an MCP server and authorization server in one that does
/// what a test scripts and records every request it receives, headers and form fields included.
final class HostileOAuthServer: @unchecked Sendable {
    let process: PeerProcess
    var origin: String { process["origin"] }
    var mcpURL: String { process["mcp_url"] }

    init(_ settings: [String: Any] = [:]) async throws {
        let config = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        process = try await PeerProcess(script: "hostile_oauth.py", arguments: ["--config", config])
    }

    struct Request: @unchecked Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let rawHeaders: [String]
        let form: [String: String]
    }

    func log() async throws -> [Request] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: origin + "/__log")!)
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return entries.map {
            Request(method: $0["method"] as? String ?? "", path: $0["path"] as? String ?? "",
                    headers: $0["headers"] as? [String: String] ?? [:], rawHeaders: $0["raw_headers"] as? [String] ?? [],
                    form: $0["form"] as? [String: String] ?? [:])
        }
    }

    func configure(_ settings: [String: Any]) async throws {
        var request = URLRequest(url: URL(string: origin + "/__config")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: settings)
        _ = try await URLSession.shared.data(for: request)
    }

    /// Every credential-looking thing this server was sent: bearer tokens, secrets, grants.
    func credentialsSeen() async throws -> [String] {
        var seen: [String] = []
        for request in try await log() {
            if let auth = request.headers["authorization"] { seen.append(auth) }
            for key in ["client_secret", "refresh_token", "code"] { if let v = request.form[key] { seen.append("\(key)=\(v)") } }
        }
        return seen
    }
}
