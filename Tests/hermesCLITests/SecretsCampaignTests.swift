import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Every command, with debug logging on, through a login, refreshes, a 401 recovery, a token
/// endpoint failure, header auth and logout: no access token, refresh token, client secret or
/// API key that existed at any point appears in stdout, stderr or any log file.
@Suite(.timeLimit(.minutes(3))) struct SecretsCampaignTests {
    let dir = TemporaryDirectory("hermes-secrets")

    @Test func noSecretEverReachesOutputOrLogs() async throws {
        let port = FreePort.outsideEphemeralRange()
        let clientSecret = "SECRET-CLIENT-\(UUID().uuidString)"
        let apiKey = "SECRET-APIKEY-\(UUID().uuidString)"
        let peer = try await OAuthPeer(settings: [
            "static_clients": ["pre-id": ["client_secret": clientSecret, "redirect_uris": ["http://127.0.0.1:\(port)/callback"],
                                          "token_endpoint_auth_method": "client_secret_post",
                                          "grant_types": ["authorization_code", "refresh_token"], "scope": "read write"]],
            "access_ttl": 120,
        ])
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
                oauth: {client_id: pre-id, client_secret: \(clientSecret), redirect_port: \(port)}
              dyn:
                url: \(peer.mcpURL)
                auth: oauth
              hdr:
                url: \(peer.mcpURL)
                headers: {Authorization: "Bearer ${MCP_HDR_API_KEY}"}
              local:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
                env: {SOME_TOKEN: "${MCP_HDR_API_KEY}"}
            """)
        try dir.write(".env", "MCP_HDR_API_KEY=\(apiKey)\n")
        var env = Build.environment(home: dir.path, extra: ["HERMES_DEBUG": "1"])
        for (k, v) in Peers.browser() { env[k] = v }
        let hermes = Build.product("hermes")

        var secrets: Set<String> = [clientSecret, apiKey]
        var transcript = ""
        var commandsRun = 0
        func remember(_ name: String) {
            if let t = TokenStore(home: HermesHome(path: dir.path), serverName: name).tokens() {
                secrets.insert(t.accessToken)
                if let r = t.refreshToken { secrets.insert(r) }
            }
            if let c = TokenStore(home: HermesHome(path: dir.path), serverName: name).readClient().value, let s = c.clientSecret { secrets.insert(s) }
        }
        func hermesRun(_ args: [String]) async throws {
            let result = try await run(hermes, args, environment: env)
            commandsRun += 1
            transcript += "$ hermes \(args.joined(separator: " ")) [\(result.status)]\n\(result.stdout)\(result.stderr)"
            remember("demo"); remember("dyn")
        }
        let commands: [[String]] = [
            ["mcp"], ["mcp", "list"], ["mcp", "list", "--json"],
            ["mcp", "login", "demo"], ["mcp", "login", "dyn"], ["mcp", "status"], ["mcp", "status", "--json"],
            ["mcp", "test", "demo"], ["mcp", "test", "demo", "--json"], ["mcp", "test", "hdr"], ["mcp", "test", "hdr", "--json"],
            ["mcp", "test", "local", "--json"], ["mcp", "call", "demo", "echo", #"{"text":"x"}"#], ["mcp", "call", "hdr", "echo", "{}"],
            ["mcp", "configure", "demo", "--tools", "echo"], ["mcp", "reauth", "--all"],
        ]
        for command in commands { try await hermesRun(command) }
        // A 401 recovered by a refresh, with debug logging.
        try await peer.call("/revoke-access")
        try await hermesRun(["mcp", "call", "demo", "echo", #"{"text":"after revocation"}"#])
        // A refresh that fails at the token endpoint, then one that succeeds.
        try await peer.configure(["token_fault": ["status": 503, "count": 1, "body": "temporarily down"]])
        try await peer.call("/revoke-access")
        try await hermesRun(["mcp", "call", "dyn", "echo", "{}"])
        try await hermesRun(["mcp", "call", "dyn", "echo", "{}"])
        for command in [["mcp", "status", "dyn"], ["mcp", "logout", "demo"], ["mcp", "logout", "dyn", "--keep-registration"],
                        ["mcp", "call", "demo", "echo", "{}"], ["mcp", "remove", "hdr", "--yes"], ["mcp", "remove", "dyn", "--yes", "--revoke"]] {
            try await hermesRun(command)
        }
        #expect(secrets.count >= 6, "the campaign saw tokens come and go: \(secrets.count) secrets")
        #expect(transcript.contains("Authenticated") && transcript.contains("after revocation"), "\(transcript)")

        var logs = ""
        if let files = FileManager.default.enumerator(atPath: dir.path + "/logs") {
            for case let file as String in files { logs += (try? String(contentsOfFile: dir.path + "/logs/" + file, encoding: .utf8)) ?? "" }
        }
        let found = secrets.filter { secret in
            transcript.contains(secret) || logs.contains(secret) || secret.count > 16 && transcript.contains(secret.dropFirst(4).prefix(12))
        }
        for secret in secrets {
            #expect(!transcript.contains(secret), "a secret (\(secret.prefix(4))…) appears in the output")
            #expect(!logs.contains(secret), "a secret (\(secret.prefix(4))…) appears in the logs")
            // Not even a long fragment of one.
            if secret.count > 16 { #expect(!transcript.contains(secret.dropFirst(4).prefix(12)), "a fragment of \(secret.prefix(4))… appears") }
        }
        print("CAMPAIGN secrets: \(commandsRun) commands with HERMES_DEBUG=1, \(secrets.count) distinct secrets, \(transcript.count) bytes of output, \(logs.count) bytes of logs; secrets found \(found.count)")
    }
}
