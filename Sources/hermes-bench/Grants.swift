import Foundation
import HermesOAuth

/// `hermes-bench grants MCP_URL COUNT CLIENT_ID SECRET`: COUNT client-credentials acquisitions
/// through one manager, each for a server it knows nothing of yet (discovery, the token request,
/// the tokens stored, then one MCP request with the token, as a client's first call makes them),
/// each followed by one with the metadata known (the token request alone), then the time to make
/// one DPoP proof. Prints one JSON line.
/// bench/grants.sh compares it with the Python SDK's ClientCredentialsOAuthProvider.
enum Grants {
    static func run(_ arguments: [String]) async throws {
        guard arguments.count >= 4, let count = Int(arguments[1]) else {
            throw BenchError(description: "usage: hermes-bench grants MCP_URL COUNT CLIENT_ID SECRET")
        }
        let (url, clientID, secret) = (arguments[0], arguments[2], arguments[3])
        // One manager, as in an agent, and a server entry per acquisition, so each starts with a
        // provider of its own and nothing known (the SDK's side: a new provider on one client).
        var entry = "mcp_servers:\n"
        for i in 0..<count {
            entry += "  bench\(i):\n    url: \(url)\n    auth: oauth\n    oauth:\n      grant: client_credentials\n      client_id: \(clientID)\n      client_secret: \(secret)\n      dpop: false\n"
        }
        let home = BenchDirectory("hermes-bench-grants")
        try entry.write(toFile: home.path + "/config.yaml", atomically: true, encoding: .utf8)
        let manager = OAuthManager(home: HermesHome(path: home.path))
        let target = URL(string: url)!
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#
        var cold: [Double] = [], warm: [Double] = []
        var failure: String?
        for i in 0..<count {
            let name = "bench\(i)"
            let start = now()
            do {
                let credential = try await manager.credential(for: name)
                // The request the SDK's provider retries: one POST, its session left open as the SDK leaves it.
                var headers = credential.headers(method: "POST", url: target)
                headers["Content-Type"] = "application/json"
                headers["Accept"] = "application/json, text/event-stream"
                let answer = try await CurlTransport.shared.send(HTTPRequest(method: "POST", url: target, headers: headers,
                                                                             body: Data(initialize.utf8), timeout: 30))
                if answer.status != 200 { failure = failure ?? "initialize answered \(answer.status)" }
            } catch {
                failure = failure ?? "\(error)"
            }
            cold.append((now() - start) * 1000)
            // The server forgets the token; the metadata is known: one token request.
            guard let token = manager.cachedAccessToken(for: name) else { continue }
            let again = now()
            let answer = await manager.handle401(server: name, failedToken: token)
            warm.append((now() - again) * 1000)
            if !answer.retry { failure = failure ?? "\(answer.failure.map { "\($0)" } ?? "no retry")" }
        }
        // One DPoP proof for an MCP request (key made once, as hermes keeps one per server).
        let prover = DPoPProver(key: try SigningKey.generateP256())
        let proofs = 2000
        for _ in 0..<200 { _ = try prover.proof(method: "POST", url: target, accessToken: "bench-access-token") }
        let proofStart = now()
        for _ in 0..<proofs { _ = try prover.proof(method: "POST", url: target, accessToken: "bench-access-token") }
        let proofMicroseconds = (now() - proofStart) / Double(proofs) * 1_000_000
        var report: [String: Any] = ["cold_ms": cold, "warm_ms": warm, "proof_us": proofMicroseconds]
        if let failure { report["first_failure"] = failure }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
