import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Issue 12: a server's text must never drive the person's terminal. Tests/PythonPeers/hostile_text.py
/// fills every place where a server chooses text (error descriptions, issuers, endpoints, scopes,
/// challenges, MCP errors, tool names) with an OSC retitle, a screen clear, the 8-bit CSI, bidi
/// overrides and a zero-width space; `hermes`, in text and in `--json`, must print none of them raw
/// while still showing what the server said.
@Suite(.timeLimit(.minutes(3))) struct TerminalTextHostileTests {
    /// The peer's hostile text, as hermes shows it in text output.
    static let shown = #"\u{1B}]0;pwned\u{7}\u{1B}[2J\u{9B}31mred\u{202E}evil\u{2066}x\u{200B}z"#
    /// The same text inside JSON output.
    static let inJSON = #"\u001b]0;pwned\u0007\u001b[2J\u009b31mred\u202eevil\u2066x\u200bz"#

    /// Every character a terminal acts on or that hides text, but the line feed.
    static func unsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (v < 0x20 && v != 0x0A) || (0x7F...0x9F).contains(v) || (0x200B...0x200F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF
    }

    /// Nothing unsafe on either stream; the first offender is named (as an escape) when there is one.
    static func expectSafe(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let offender = text.unicodeScalars.first(where: unsafe)
        #expect(offender == nil, "\(what) carries U+\(String(offender?.value ?? 0, radix: 16, uppercase: true)) raw: \(text.debugDescription)",
                sourceLocation: sourceLocation)
    }

    static func expectSafe(_ result: ProgramResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectSafe(result.stdout, "\(what): stdout", sourceLocation: sourceLocation)
        expectSafe(result.stderr, "\(what): stderr", sourceLocation: sourceLocation)
    }

    struct Setup {
        let peer: PeerProcess
        let home: HostileHome
        var hostile: String { peer["hostile"] }
    }

    /// A hostile peer with `settings`, and a home whose server `evil` is that peer, with OAuth.
    func setUp(_ settings: [String: Any] = [:]) async throws -> Setup {
        let config = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let peer = try await PeerProcess(script: "hostile_text.py", arguments: ["--config", config])
        let home = HostileHome()
        try home.config("""
            mcp_servers:
              evil:
                url: \(peer["url"])
                auth: oauth
                connect_timeout: 10
                oauth:
                  timeout: 20
            """)
        return Setup(peer: peer, home: home)
    }

    /// Tokens on disk without a login, for the paths that only need a session (the peer is told to
    /// accept any bearer).
    func storeTokens(_ home: HostileHome, scope: String = "read") throws {
        let store = TokenStore(home: HermesHome(path: home.path), serverName: "evil")
        try store.save(tokens: OAuthTokens(accessToken: "at_planted_for_the_test", refreshToken: "rt_planted",
                                           scope: scope, expiresAt: Date().timeIntervalSince1970 + 3600))
    }

    func output(_ r: ProgramResult) -> String { r.stdout + r.stderr }

    // MARK: login: failures quoting the authorization server

    @Test func registrationErrorDescription() async throws {
        let s = try await setUp(["register_error": ["status": 400, "body": ["error": "invalid_client_metadata", "error_description": "{HOSTILE}"]]])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, registration refused")
        #expect(output(r).contains("was refused: invalid_client_metadata: \(Self.shown)"), "\(output(r))")
    }

    @Test func tokenEndpointErrorDescription() async throws {
        let s = try await setUp(["token_error": ["status": 400, "body": ["error": "invalid_grant", "error_description": "{HOSTILE}"]]])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, token exchange refused")
        #expect(output(r).contains("(HTTP 400 invalid_grant: \(Self.shown))"), "\(output(r))")
    }

    @Test func authorizationResponseError() async throws {
        let s = try await setUp(["authorize_error": ["error": "server_error{HOSTILE}", "error_description": "{HOSTILE}"]])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, error on the redirect")
        #expect(output(r).contains("failed (server_error\(Self.shown): \(Self.shown))"), "\(output(r))")
    }

    @Test func authorizationResponseIssuer() async throws {
        let s = try await setUp(["authorize_error": ["code": "c0de", "iss": "{HOSTILE}"]])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, iss on the redirect")
        #expect(output(r).contains("names issuer '\(Self.shown)'"), "\(output(r))")
    }

    @Test func metadataIssuerMismatch() async throws {
        let s = try await setUp(["issuer": "{ORIGIN}{HOSTILE}"])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, metadata naming another issuer")
        #expect(output(r).contains("names issuer '\(s.peer["origin"])\(Self.shown)'"), "\(output(r))")
    }

    // MARK: login: the URL printed and handed to $BROWSER

    @Test func authorizationEndpointWithControlCharactersIsRefused() async throws {
        let s = try await setUp(["authorization_endpoint": "{ORIGIN}/authorize{HOSTILE}"])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login, authorization endpoint with escapes")
        #expect(output(r).contains("contains control or invisible formatting characters: \(s.peer["origin"])/authorize\(Self.shown)"), "\(output(r))")
        let opened = (try? String(contentsOfFile: s.home.dir.file("browser.log"), encoding: .utf8)) ?? ""
        #expect(opened.isEmpty, "the browser was given \(opened.debugDescription)")
    }

    @Test func hostileClientIDStaysAWorkingPercentEncodedURL() async throws {
        let s = try await setUp(["client_id": "cid{HOSTILE}"])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 0, "\(output(r))")
        Self.expectSafe(r, "login with a hostile client_id")
        let printed = try #require(r.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(s.peer["origin"] + "/authorize?") })
        #expect(printed.contains("client_id=cid%1B%5D0%3Bpwned%07%1B%5B2J%C2%9B31mred%E2%80%AEevil%E2%81%A6x%E2%80%8Bz"))
        let opened = try String(contentsOfFile: s.home.dir.file("browser.log"), encoding: .utf8)
        Self.expectSafe(opened, "the $BROWSER argument")
        #expect(opened == printed + "\n", "the browser opens exactly the URL shown")
    }

    // MARK: the scope of a token response: login, status, status --json, status --watch

    @Test func tokenScopeInLoginAndStatus() async throws {
        let s = try await setUp(["token_scope": "{HOSTILE}"])
        defer { s.peer.stop() }
        let login = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(login.status == 0, "\(output(login))")
        Self.expectSafe(login, "login summary")
        #expect(login.stdout.contains("scope: \(Self.shown)"), "\(login.stdout)")
        // The data is kept as the server sent it.
        let stored = TokenStore(home: HermesHome(path: s.home.path), serverName: "evil").tokens()
        #expect(stored?.scope == s.hostile)

        let status = try await s.home.hermes(["mcp", "status"])
        Self.expectSafe(status, "status")
        #expect(status.stdout.contains("scope: \(Self.shown)"), "\(status.stdout)")

        let json = try await s.home.hermes(["mcp", "status", "--json"])
        Self.expectSafe(json, "status --json")
        #expect(json.stdout.contains(Self.inJSON), "\(json.stdout)")
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["scope"] as? String == s.hostile, "JSON keeps the data")
    }

    @Test func statusWatchReplaysAScopeAnotherProcessWrote() async throws {
        let s = try await setUp()
        defer { s.peer.stop() }
        #expect(try await s.home.hermes(["mcp", "login", "evil"]).status == 0)
        let env = Build.environment(home: s.home.path)
        let watcher = try Interactive(Build.product("hermes"), ["mcp", "status", "--watch"], environment: env)
        defer { if watcher.process.isRunning { kill(watcher.process.processIdentifier, SIGKILL) } }
        #expect(await watcher.read(until: "Watching"))
        // Another program (hermes-agent's way of writing) refreshes against the hostile token endpoint.
        try await postConfig(s.peer, ["token_scope": "{HOSTILE}"])
        let refresh = try await run(try Peers.python, [Peers.script("external_refresh.py"), "evil"], environment: env)
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(await watcher.read(until: "refresh token held", timeout: 20), "\(watcher.output)")
        // A file another program named with escapes: the watch names unknown files by their stem.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: s.home.tokenDirectory + "/x\u{1B}]0;named\u{07}.json"))
        #expect(await watcher.read(until: "named", timeout: 20), "\(watcher.output)")
        kill(watcher.process.processIdentifier, SIGTERM)
        let out = await watcher.finish()
        Self.expectSafe(out.stdout, "status --watch: stdout")
        Self.expectSafe(out.stderr, "status --watch: stderr")
        #expect(out.stdout.contains("scope: \(Self.shown)"), "\(out.stdout)")
        #expect(out.stdout.contains(#"x\u{1B}]0;named\u{7}"#), "\(out.stdout)")
    }

    // MARK: challenges and MCP errors

    @Test func challengeQuotedAfterLogin() async throws {
        // A scope with raw ESC/BEL: the header is malformed (RFC 9110 allows no control character
        // there) and is only quoted, cleaned, in the failure.
        let s = try await setUp(["fail_methods": ["server/discover", "initialize"], "failure": "forbidden",
                           "forbidden_challenge": #"Bearer error="insufficient_scope", scope="{HOSTILE}""#])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "login answered 403 with a hostile challenge")
        #expect(output(r).contains("answered HTTP 403 to the new token (Bearer error=\"insufficient_scope\", scope=\"\(Self.shown)"), "\(output(r))")
    }

    @Test func stepUpScopeFromTheChallenge() async throws {
        // Without C0 controls the challenge parses, and its scope is shown in the step-up notice.
        let s = try await setUp(["fail_methods": ["server/discover", "initialize"], "failure": "forbidden",
                           "forbidden_challenge": "Bearer error=\"insufficient_scope\", scope=\"admin\u{9B}31m\u{202E}evil\""])
        defer { s.peer.stop() }
        let r = try await s.home.hermes(["mcp", "login", "evil"])
        #expect(r.status == 1)
        Self.expectSafe(r, "step-up notice")
        #expect(output(r).contains(#"(scope admin\u{9B}31m\u{202E}evil); authorizing again"#), "\(output(r))")
    }

    @Test func mcpErrorsInCallAnswers() async throws {
        let s = try await setUp(["accept_any_token": true, "fail_methods": ["tools/call"], "failure": "rpc_error",
                           "rpc_error_message": "{HOSTILE}"])
        defer { s.peer.stop() }
        try storeTokens(s.home)
        let rpc = try await s.home.hermes(["mcp", "call", "evil", "echo"])
        #expect(rpc.status == 1)
        Self.expectSafe(rpc, "call, JSON-RPC error")
        #expect(rpc.stdout.contains("pwned") && rpc.stdout.contains("evil"), "\(rpc.stdout)")

        try await postConfig(s.peer, ["failure": "http_error", "http_error_body": "{HOSTILE}"])
        let http = try await s.home.hermes(["mcp", "call", "evil", "echo"])
        #expect(http.status == 1)
        Self.expectSafe(http, "call, HTTP 500 with a hostile body")
        #expect(http.stdout.contains("HTTP 500") && http.stdout.contains("pwned"), "\(http.stdout)")

        try await postConfig(s.peer, ["fail_methods": [], "tool_error": "{HOSTILE}"])
        let tool = try await s.home.hermes(["mcp", "call", "evil", "echo"])
        #expect(tool.status == 1)
        Self.expectSafe(tool, "call, a tool's error result")
        let answer = try JSONSerialization.jsonObject(with: Data(tool.stdout.utf8)) as? [String: Any]
        #expect(answer?["error"] as? String == s.hostile, "a tool's own text is data, kept whole in JSON")
    }

    @Test func toolNamesAndDescriptions() async throws {
        let s = try await setUp(["accept_any_token": true, "tools": [["name": "t{HOSTILE}", "description": "d{HOSTILE}"]]])
        defer { s.peer.stop() }
        try storeTokens(s.home)
        let text = try await s.home.hermes(["mcp", "test", "evil"])
        #expect(text.status == 0, "\(output(text))")
        Self.expectSafe(text, "test")
        #expect(text.stdout.contains("t\(Self.shown)"), "\(text.stdout)")
        let json = try await s.home.hermes(["mcp", "test", "evil", "--json"])
        Self.expectSafe(json, "test --json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tools = object?["tools"] as? [[String: Any]]
        #expect(tools?.first?["name"] as? String == "t" + s.hostile, "JSON keeps the data")
    }

    @Test func revocationErrorOnLogout() async throws {
        let s = try await setUp(["revoke_error": ["status": 400, "body": ["error": "invalid_request", "error_description": "{HOSTILE}"]]])
        defer { s.peer.stop() }
        #expect(try await s.home.hermes(["mcp", "login", "evil"]).status == 0)
        let r = try await s.home.hermes(["mcp", "logout", "evil"])
        #expect(r.status == 0, "\(output(r))")
        Self.expectSafe(r, "logout, revocation refused")
        #expect(output(r).contains("invalid_request: \(Self.shown)"), "\(output(r))")
    }

    /// Changes the peer's settings while it runs (its admin API, from another process).
    func postConfig(_ peer: PeerProcess, _ settings: [String: Any]) async throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let post = "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode()), timeout=10).read()"
        let r = try await run(try Peers.python, ["-c", post, peer["origin"] + "/admin/config", body], timeout: 20)
        #expect(r.status == 0, "\(r.stderr)")
    }
}
