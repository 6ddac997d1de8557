import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// The servers' last refusal of the stored tokens, recorded beside them by the process that met
/// it and shown by `status` in any other, until a login or a refresh (by any process) replaces
/// the tokens; `logout` and `remove` delete it with them. And `status --watch --json`: JSON lines.
@Suite(.timeLimit(.minutes(3))) struct VerdictCLITests {
    let dir = TemporaryDirectory("hermes-verdict")
    var home: String { dir.path }
    var store: TokenStore { TokenStore(home: HermesHome(path: home), serverName: "demo") }

    func setUp() async throws -> OAuthPeer {
        let peer = try await OAuthPeer()
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
              other:
                url: \(peer.mcpURL)
                auth: oauth
            """)
        return peer
    }

    var environment: [String: String] {
        var env = Build.environment(home: home)
        for (k, v) in Peers.browser() { env[k] = v }
        return env
    }

    func hermes(_ args: [String]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: environment, timeout: 90)
    }

    func statusRow() async throws -> [String: Any] {
        let json = try await hermes(["mcp", "status", "demo", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        return try #require(rows?.first)
    }

    @Test func aRevokedGrantIsShownByStatusUntilALogin() async throws {
        let peer = try await setUp()
        defer { peer.stop() }
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        #expect(try await hermes(["mcp", "status", "demo"]).stdout.contains("✓ Tokens: "))

        // The server revokes everything; a call (one process) meets it.
        try await peer.call("/revoke-all")
        let call = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"hi"}"#])
        #expect(call.stdout.contains(#""needs_reauth": true"#) && call.stdout.contains("refused the refresh token (invalid_grant"), "\(call.stdout)")
        #expect(!call.stdout.contains("delete the tokens file"))

        // status (another process) tells the truth.
        let status = try await hermes(["mcp", "status", "demo"])
        #expect(status.status == 0)
        #expect(!status.stdout.contains("✓ Tokens"), "\(status.stdout)")
        let line = try #require(status.stdout.split(separator: "\n").first { $0.contains("✗ Rejected by the server") }, "\(status.stdout)")
        #expect(line.hasSuffix(" ago — the authorization server refused the refresh token (invalid_grant: refresh token does not exist): run `hermes mcp login demo`"), "\(line)")
        #expect(status.stdout.components(separatedBy: "hermes mcp login demo").count == 2, "advice said more than once: \(status.stdout)")
        let row = try await statusRow()
        let verdict = try #require(row["verdict"] as? [String: Any])
        #expect(verdict["kind"] as? String == "refresh_rejected")
        #expect((verdict["reason"] as? String)?.contains("invalid_grant") == true)
        let at = try #require(verdict["at"] as? String)
        let when = try #require(ISO8601DateFormatter().date(from: at))
        #expect(abs(when.timeIntervalSinceNow) < 120)
        #expect(row["needs_login"] as? Bool == true && row["advice"] as? String == "hermes mcp login demo")

        // Beside the tokens, private, never holding a token.
        var st = stat()
        #expect(lstat(store.verdictPath, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let text = try String(contentsOfFile: store.verdictPath, encoding: .utf8)
        let tokens = try #require(store.tokens())
        let refreshToken = try #require(tokens.refreshToken)
        #expect(!text.contains(tokens.accessToken) && !text.contains(refreshToken))

        // A login replaces the tokens and removes the verdict.
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: store.verdictPath))
        #expect(try await hermes(["mcp", "status", "demo"]).stdout.contains("✓ Tokens: "))
        #expect(try await statusRow()["verdict"] == nil)
    }

    @Test func aFreshTokenRefusedIsRecordedAndAnotherProcesssRefreshClearsIt() async throws {
        let peer = try await setUp()
        defer { peer.stop() }
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        try await peer.configure(["refuse_tokens": true])
        let test = try await hermes(["mcp", "test", "demo"])
        #expect(test.status == 1)
        #expect(test.stderr == "error: 'demo' needs a login — the MCP server refused a freshly obtained access token: run `hermes mcp login demo`\n", "\(test.stderr)")
        let status = try await hermes(["mcp", "status", "demo"])
        #expect(status.stdout.contains("✗ Rejected by the server") && status.stdout.contains("— the MCP server refused a freshly obtained access token: run `hermes mcp login demo`"), "\(status.stdout)")
        #expect((try await statusRow()["verdict"] as? [String: Any])?["kind"] as? String == "token_rejected")

        // The server takes tokens again; a refresh in another process clears the verdict.
        try await peer.configure(["refuse_tokens": false])
        let refresh = try await run(Build.product("hermes-test-helper"), ["refresh", home, "demo"])
        #expect(refresh.stdout.hasPrefix("ok "), "\(refresh.stdout)")
        #expect(!FileManager.default.fileExists(atPath: store.verdictPath))
        #expect(try await hermes(["mcp", "status", "demo"]).stdout.contains("✓ Tokens: "))
    }

    @Test func tokensWrittenSinceTheVerdictAreNotTheOnesRefused() async throws {
        let peer = try await setUp()
        defer { peer.stop() }
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        try await peer.call("/revoke-all")
        #expect(try await hermes(["mcp", "test", "demo"]).status == 1)
        #expect(FileManager.default.fileExists(atPath: store.verdictPath))
        // hermes-agent (which never reads the verdict) writes other tokens in place of these.
        var tokens = try #require(store.tokens())
        tokens = OAuthTokens(accessToken: tokens.accessToken + "-new", refreshToken: tokens.refreshToken, scope: tokens.scope,
                             expiresAt: Date().timeIntervalSince1970 + 3600)
        try store.save(tokens: tokens)
        #expect(try await hermes(["mcp", "status", "demo"]).stdout.contains("✓ Tokens: "))
    }

    @Test func logoutAndRemoveDeleteTheVerdictWithTheTokens() async throws {
        let peer = try await setUp()
        defer { peer.stop() }
        for command in [["mcp", "logout", "demo", "--keep-registration"], ["mcp", "remove", "demo", "--yes"]] {
            #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
            try await peer.call("/revoke-all")
            #expect(try await hermes(["mcp", "test", "demo"]).status == 1)
            #expect(FileManager.default.fileExists(atPath: store.verdictPath), "\(command)")
            let result = try await hermes(command)
            #expect(result.status == 0, "\(command): \(result.stdout)\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: store.verdictPath), "\(command) left the verdict")
        }
    }

    /// Every stdout line a JSON object (no banner), the state first, then one line per change.
    @Test func watchJSONPrintsJSONLinesOnePerChange() async throws {
        let peer = try await setUp()
        defer { peer.stop() }
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        let watcher = try Interactive(Build.product("hermes"), ["mcp", "status", "--watch", "--json"], environment: environment)
        defer { if watcher.process.isRunning { kill(watcher.process.processIdentifier, SIGKILL) } }
        #expect(await watcher.read(until: "\"event\":\"current\""), "\(watcher.output)")
        // The watch is in place once the state was printed. One atomic write (a refresh by another
        // process), then a write to another server's file as the marker that all of it was seen.
        let other = TokenStore(home: HermesHome(path: home), serverName: "other")
        #expect(try await run(Build.product("hermes-test-helper"), ["refresh", home, "demo"]).stdout.hasPrefix("ok "))
        try other.save(tokens: OAuthTokens(accessToken: "other-access-1", expiresAt: Date().timeIntervalSince1970 + 3600))
        #expect(await watcher.read(until: "\"server\":\"other\""), "\(watcher.output)")
        // A touch, then a removal as the marker.
        #expect(try await run("/usr/bin/touch", [store.tokensPath]).status == 0)
        #expect(try await hermes(["mcp", "logout", "demo", "--keep-registration"]).status == 0)
        #expect(await watcher.read(until: "\"event\":\"removed\""), "\(watcher.output)")
        kill(watcher.process.processIdentifier, SIGTERM)
        let (_, stdout, _) = await watcher.finish(timeout: 20)
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var events: [String] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let event = try #require(object?["event"] as? String, "not a JSON event line: \(line)")
            let server = try #require(object?["server"] as? String)
            #expect(object?["time"] is String)
            events.append(server + " " + event)
        }
        #expect(Array(events.prefix(2)) == ["demo current", "other current"], "\(events)")
        let marker = try #require(events.firstIndex(of: "other updated"), "\(events)")
        #expect(Array(events[2..<marker]) == ["demo updated"], "the refresh gave \(events[2..<marker])")
        // The marker file's save may be seen as two changes (its write, then its rename landing
        // late under load): only demo's events count after it.
        let afterTouch = events[(marker + 1)...].filter { !$0.hasPrefix("other ") }
        #expect(afterTouch == ["demo removed"] || afterTouch == ["demo updated", "demo removed"], "\(events)")
        #expect(!stdout.contains("Watching"))
    }
}
