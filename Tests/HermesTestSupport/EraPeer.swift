import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running Tests/PythonPeers/era_server.py over HTTP: an MCP server of a chosen protocol era on
/// the official Python SDK (`dual`, `modern` = 2026-07-28 only, `stateful`/`stateless` = the
/// `initialize` revisions only, `sse` = HTTP+SSE), with its request log.
public final class EraPeer: @unchecked Sendable {
    public let url: String
    private let admin: String
    private let peer: PeerProcess

    public init(mode: String, arguments: [String] = []) async throws {
        peer = try await PeerProcess(script: "era_server.py", arguments: ["--mode", mode] + arguments)
        url = peer["url"]
        admin = peer["admin"]
    }

    public func stop() { peer.stop() }

    /// One request the server saw: HTTP method, JSON-RPC method (`rpc`), the MCP headers
    /// (lower-cased names), and the client's port (one per TCP connection).
    public struct Request: @unchecked Sendable {
        public let method: String
        /// The URL's path, and its query without the "?".
        public let path: String
        public let query: String
        public let rpc: String?
        public let headers: [String: String]
        public let clientPort: Int?
        /// The HTTP version the request came in ("1.1", "2").
        public let http: String?
    }

    public func log() async throws -> [Request] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: admin + "/log")!)
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return entries.map { entry in
            Request(method: entry["method"] as? String ?? "", path: entry["path"] as? String ?? "",
                    query: entry["query"] as? String ?? "", rpc: entry["rpc"] as? String,
                    headers: entry["headers"] as? [String: String] ?? [:],
                    clientPort: (entry["client"] as? [Any])?.last as? Int, http: entry["http"] as? String)
        }
    }

    /// The server speaks as `mode` (dual, modern, stateful) from now on, as if redeployed.
    public func become(_ mode: String) async throws {
        var request = URLRequest(url: URL(string: admin + "/mode/" + mode)!)
        request.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw URLError(.badServerResponse) }
    }

    /// The command line of the same server over stdio, for a config's `command:`/`args:`. Started
    /// through the peer zygote (no SDK import per start) unless `direct`: tests about processes
    /// (what a host leaves behind) need the server itself to be hermes' child.
    public static func stdio(mode: String, direct: Bool = false) async throws -> (command: String, args: [String]) {
        let server = [Peers.script("era_server.py"), "--transport", "stdio", "--mode", mode]
        if !direct, let launcher = try await PeerZygote.launcher(server[0], Array(server.dropFirst())) {
            return (try Peers.python, launcher)
        }
        return (try Peers.python, server)
    }
}
