import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// When the MCP server refuses the first request after a login for a reason of its own (a missing
/// header, a bad request), hermes reports what the server said, with the status, and blames the
/// token only when the server says it is the token (401, 403).
@Suite(.timeLimit(.minutes(2))) struct ServerWordsCLITests {
    let dir = TemporaryDirectory("hermes-words")
    var home: String { dir.path }
    static let jsonRPC = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Missing X-Tenant header"}}"#

    func hermes(_ args: [String]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: Peers.browser()))
    }

    /// A peer whose MCP endpoint answers `fault` to every request carrying a token it accepts.
    func peer(_ fault: [String: Any]? = nil, settings: [String: Any] = [:]) async throws -> OAuthPeer {
        var all = settings
        if let fault { all["mcp_fault"] = fault }
        let peer = try await OAuthPeer(settings: all)
        try dir.write("config.yaml", "mcp_servers:\n  demo:\n    url: \(peer.mcpURL)\n    auth: oauth\n    connect_timeout: 2\n")
        return peer
    }

    var storedTokens: OAuthTokens? { TokenStore(home: HermesHome(path: home), serverName: "demo").tokens() }

    @Test func aJSONRPCErrorAfterTheLoginIsReportedInTheServersWords() async throws {
        let peer = try await peer(["status": 400, "body": Self.jsonRPC])
        let login = try await hermes(["mcp", "login", "demo"])
        #expect(login.status == 1)
        #expect(login.stdout.contains("✓ Authenticated — tokens stored for 'demo'"), "\(login.stdout)")
        #expect(login.stderr.contains("error: 'demo' answered HTTP 400 to the first request after the login: Missing X-Tenant header (JSON-RPC error -32600) — the server's own complaint, not about the new token"), "\(login.stderr)")
        #expect(!login.stderr.contains("Authentication failed") && !login.stderr.contains("to the new token"), "\(login.stderr)")
        // The tokens are good and kept.
        #expect(storedTokens != nil)

        let test = try await hermes(["mcp", "test", "demo"])
        #expect(test.status == 1)
        #expect(test.stderr.contains("the MCP server answered HTTP 400: Missing X-Tenant header (JSON-RPC error -32600)"), "\(test.stderr)")
        #expect(!test.stderr.contains("jsonrpc") && !test.stderr.contains("login"), "\(test.stderr)")
        // A refusal is final: asked again, the server refuses again (it was 4 tries over 7 s).
        #expect(!test.stderr.contains("tries"), "\(test.stderr)")

        let call = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"hi"}"#])
        #expect(call.status == 1)
        #expect(call.stdout.contains("the MCP server answered HTTP 400: Missing X-Tenant header (JSON-RPC error -32600)"), "\(call.stdout)")
        #expect(!call.stdout.contains("needs_reauth") && !call.stdout.contains("jsonrpc"), "\(call.stdout)")
        _ = peer
    }

    @Test func aPlainTextErrorIsReportedAsOneLine() async throws {
        let peer = try await peer(["status": 400, "content_type": "text/plain",
                                   "body": "Bad Request:\n  the X-Tenant header is required\n"])
        let login = try await hermes(["mcp", "login", "demo"])
        #expect(login.status == 1)
        #expect(login.stderr.contains("answered HTTP 400 to the first request after the login: Bad Request: the X-Tenant header is required — the server's own complaint"), "\(login.stderr)")
        #expect(!login.stderr.contains("to the new token"))
        // `reauth` says the same.
        let reauth = try await hermes(["mcp", "reauth", "demo"])
        #expect(reauth.status == 1)
        #expect(reauth.stderr.contains("answered HTTP 400 to the first request after the login: Bad Request: the X-Tenant header is required"), "\(reauth.stderr)")
        #expect(!reauth.stderr.contains("Authentication failed"), "\(reauth.stderr)")
        // `add` logs in, then reports the connection's failure in the server's words.
        let add = try await hermes(["mcp", "add", "tenant", "--url", peer.mcpURL, "--auth", "oauth", "--all-tools"])
        #expect(add.status == 1)
        #expect(add.stdout.contains("✓ Authenticated — tokens stored for 'tenant'"), "\(add.stdout)")
        #expect(add.stderr.contains("the MCP server answered HTTP 400: Bad Request: the X-Tenant header is required"), "\(add.stderr)")
        #expect(!add.stderr.contains("Authentication failed") && !add.stderr.contains("login did not complete"), "\(add.stderr)")
        _ = peer
    }

    /// A 5xx is the server's too: said, with "try again later", and the token left out of it.
    @Test func anOutageAfterTheLoginIsNotTheTokensFault() async throws {
        let peer = try await peer(["status": 503, "content_type": "text/plain", "body": "upstream tenant service down"])
        let login = try await hermes(["mcp", "login", "demo"])
        #expect(login.status == 1)
        #expect(login.stderr.contains("answered HTTP 503 to the first request after the login: upstream tenant service down"), "\(login.stderr)")
        #expect(login.stderr.contains("try again later") && !login.stderr.contains("to the new token"), "\(login.stderr)")
        _ = peer
    }

    @Test func escapeSequencesInTheServersWordsNeverReachTheTerminalRaw() async throws {
        let hostile = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"\u001b[2J\u001b]0;pwned\u0007Missing\r\nX-Tenant"}}"#
        let peer = try await peer(["status": 400, "body": hostile])
        let login = try await hermes(["mcp", "login", "demo"])
        let test = try await hermes(["mcp", "test", "demo"])
        let call = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"hi"}"#])
        for (what, output) in [("login", login.stdout + login.stderr), ("test", test.stdout + test.stderr), ("call", call.stdout + call.stderr)] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D }, "\(what): \(output.debugDescription)")
            #expect(output.contains("Missing X-Tenant"), "\(what): \(output)")
        }
        #expect(login.stderr.contains(#"\u{1B}[2J\u{1B}]0;pwned\u{7}Missing X-Tenant (JSON-RPC error -32600)"#), "\(login.stderr)")
        _ = peer
    }

    /// The server saying it is the token (401) is still reported as the token's problem.
    @Test func a401AfterTheLoginStillBlamesTheToken() async throws {
        let peer = try await peer(settings: ["refuse_tokens": true])
        let login = try await hermes(["mcp", "login", "demo"])
        #expect(login.status == 1)
        #expect(login.stderr.contains("error: Authentication failed: the MCP server answered HTTP 401 to the new token (Bearer error=\"invalid_token\""), "\(login.stderr)")
        #expect(!login.stdout.contains("✓ Authenticated"))
        _ = peer
    }
}
