import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running instance of Tests/PythonPeers/oauth_server.py: the official MCP Python SDK serving
/// an OAuth-protected MCP server on loopback. Stopped by `stop()` or when released; the server also
/// exits by itself when its stdin closes, so a crashed test leaves nothing behind.
public final class OAuthPeer: @unchecked Sendable {
    public let mcpURL: String
    public let issuer: String
    public let admin: String
    private let peer: PeerProcess

    public init(arguments: [String] = [], settings: [String: Any] = [:]) async throws {
        let config = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        peer = try await PeerProcess(script: "oauth_server.py", arguments: ["--config", config] + arguments)
        guard !peer["mcp_url"].isEmpty, !peer["issuer"].isEmpty, !peer["admin"].isEmpty else {
            await peer.stopAndWait()
            throw ProgramError(description: "the OAuth test server did not start (\(peer.info))")
        }
        mcpURL = peer["mcp_url"]
        issuer = peer["issuer"]
        admin = peer["admin"]
    }

    /// Closes stdin (the server exits on EOF), then SIGTERM, then SIGKILL, each with a deadline;
    /// returns at once (for `defer`), the escalation going on in a task of its own.
    public func stop() { peer.stop() }

    /// `stop()`, returning once the server is gone.
    public func stopAndWait() async { await peer.stopAndWait() }

    public var isRunning: Bool { peer.isRunning }

    // MARK: admin API

    public func configure(_ settings: [String: Any]) async throws {
        _ = try await request("POST", "/config", body: try JSONSerialization.data(withJSONObject: settings))
    }

    public func call(_ path: String) async throws {
        _ = try await request("POST", path, body: nil)
    }

    /// Every request the server saw, oldest first.
    public func log() async throws -> [Request] {
        let data = try await request("GET", "/log", body: nil)
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return entries.map(Request.init)
    }

    public func state() async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try await request("GET", "/state", body: nil)) as? [String: Any] ?? [:]
    }

    public struct Request: @unchecked Sendable {
        public let method: String
        public let path: String
        public let origin: String
        public let query: [String: String]
        public let form: [String: String]
        public let json: [String: Any]
        public let bearer: String?
        public let basicAuth: Bool
        public let status: Int
        /// Token requests: the grant and how the client authenticated (`client_secret_basic`,
        /// `client_secret_post`, `private_key_jwt`, `none`).
        public let grantType: String?
        public let clientAuth: String?
        public let error: String?
        /// MCP requests: `Bearer` or `DPoP`.
        public let scheme: String?
        /// The peer's verdict on a DPoP proof: present, valid (nil: not judged), reason, jti, nonce.
        public let dpop: [String: Any]?

        init(_ e: [String: Any]) {
            method = e["method"] as? String ?? ""
            path = e["path"] as? String ?? ""
            origin = e["origin"] as? String ?? ""
            query = e["query"] as? [String: String] ?? [:]
            form = e["form"] as? [String: String] ?? [:]
            json = e["json"] as? [String: Any] ?? [:]
            bearer = e["bearer"] as? String
            basicAuth = e["basic"] as? Bool ?? false
            status = e["status"] as? Int ?? 0
            grantType = e["grant_type"] as? String
            clientAuth = e["client_auth"] as? String
            error = e["error"] as? String
            scheme = e["scheme"] as? String
            dpop = e["dpop"] as? [String: Any]
        }

        public var dpopValid: Bool { dpop?["valid"] as? Bool == true }

        /// Query or form field.
        public subscript(_ name: String) -> String? { query[name] ?? form[name] }
    }

    /// The token requests to the authorization server (not the identity provider's).
    public func tokenRequests() async throws -> [Request] {
        try await log().filter { $0.method == "POST" && $0.path.hasSuffix("/token") && !$0.path.hasPrefix("/idp/") }
    }

    /// A JSON admin answer to GET `path` (with its query).
    public func get(_ path: String) async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try await request("GET", path, body: nil)) as? [String: Any] ?? [:]
    }

    /// A new key pair from the peer: (private PEM, public PEM).
    public func newKey(alg: String) async throws -> (privatePEM: String, publicPEM: String) {
        let key = try await get("/new-key?alg=\(alg)")
        return (key["private_key_pem"] as? String ?? "", key["public_key_pem"] as? String ?? "")
    }

    /// A workload JWT signed by the peer's own key (`ttl` seconds, negative: already expired).
    public func mintWorkloadJWT(sub: String = "workload", ttl: Int = 300) async throws -> String {
        try await get("/mint-workload-jwt?sub=\(sub)&ttl=\(ttl)")["jwt"] as? String ?? ""
    }

    /// An identity token of the peer's identity provider.
    public func mintIDToken(sub: String = "user@example.com", ttl: Int = 300) async throws -> String {
        try await get("/mint-id-token?sub=\(sub)&ttl=\(ttl)")["id_token"] as? String ?? ""
    }

    private func request(_ method: String, _ path: String, body: Data?) async throws -> Data {
        var request = URLRequest(url: URL(string: admin + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ProgramError(description: "admin \(path) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}

extension Peers {
    /// `$BROWSER` for tests: a script that follows the authorization URL's redirects like a person
    /// who approves at once. With `record`, every URL it was given is appended to that file.
    public static func browser(record: String? = nil, mode: String? = nil) -> [String: String] {
        var env = ["BROWSER": script("browser.sh")]
        if let record { env["BROWSER_LOG"] = record }
        if let mode { env["BROWSER_MODE"] = mode }
        return env
    }
}
