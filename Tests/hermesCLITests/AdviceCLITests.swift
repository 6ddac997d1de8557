import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Each state a server can be in gets one message naming the one thing that helps, said once (on
/// stderr, as `error: …`, exit code 1), and no command sends a person to another that turns them
/// away: against the Python SDK's OAuth server, a stdio server, a header server and a closed port.
@Suite(.timeLimit(.minutes(3))) struct AdviceCLITests {
    let dir = TemporaryDirectory("hermes-advice")
    var home: String { dir.path }

    /// A loopback port nothing listens on, outside the range bind(0) hands out, so no parallel
    /// test's server lands on it meanwhile.
    static func closedPort() throws -> Int { Int(FreePort.outsideEphemeralRange()) }

    func configure(_ peer: OAuthPeer, down: Int) throws {
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
              down:
                url: http://127.0.0.1:\(down)/mcp
                auth: oauth
              local:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
              keyed:
                url: \(peer.mcpURL)
                headers:
                  Authorization: Bearer not-a-key-the-server-knows
              plain:
                url: \(peer.mcpURL)
              off:
                url: \(peer.mcpURL)
                auth: oauth
                enabled: false
            """)
    }

    func hermes(_ args: [String], env: [String: String] = [:]) async throws -> ProgramResult {
        var all = Peers.browser()
        for (k, v) in env { all[k] = v }
        return try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: all), timeout: 90)
    }

    /// The failure is exactly `message`, said once across stdout and stderr, on stderr, exit 1.
    func expectFailure(_ result: ProgramResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
        // The last line of stderr, and its only `error:` line (a login's URL may come before it).
        #expect(result.stderr.hasSuffix("error: \(message)\n"), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.components(separatedBy: "error: ").count == 2, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let all = result.stdout + result.stderr
        #expect(all.components(separatedBy: message).count == 2, "said more than once: \(all)", sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("✗"), "a failure on stdout too: \(result.stdout)", sourceLocation: sourceLocation)
    }

    @Test func serversWithoutOAuthAreNeverSentToLogin() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        let stdio = "'local' runs a local command (stdio), which has no OAuth login: `hermes mcp test local` checks that it starts"
        let header = "'keyed' authenticates with the headers in its config.yaml entry, not OAuth: there is nothing to log in to; `hermes mcp test keyed` checks them"
        let plain = "'plain' is not configured for OAuth (auth: none): to use OAuth, add `auth: oauth` to its entry in \(home)/config.yaml"
        for (name, message) in [("local", stdio), ("keyed", header), ("plain", plain)] {
            let status = try await hermes(["mcp", "status", name])
            #expect(status.status == 0 && status.stdout.contains(message), "\(status.stdout)\(status.stderr)")
            #expect(!status.stdout.contains("hermes mcp login"), "status sends \(name) to login: \(status.stdout)")
            let json = try await hermes(["mcp", "status", name, "--json"])
            let row = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])?.first
            #expect(row?["oauth"] as? Bool == false && row?["note"] as? String == message && row?["needs_login"] == nil, "\(json.stdout)")
            for command in ["login", "logout", "reauth"] {
                expectFailure(try await hermes(["mcp", command, name]), message)
            }
        }
        // A header server the server refuses: its headers are the thing to fix, not a login.
        let refused = try await hermes(["mcp", "test", "keyed"])
        expectFailure(refused, "'keyed' refused the credentials in its headers (HTTP 401): check the `headers:` of its entry in \(home)/config.yaml and any key they take from .env")
    }

    @Test func anUnreachableServerIsReportedAsUnreachableNotAsNeedingALogin() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        let port = try Self.closedPort()
        try configure(peer, down: port)
        let message = "check that the server is running and that its url in config.yaml is right"
        for args in [["mcp", "test", "down"], ["mcp", "configure", "down", "--all-tools"]] {
            let result = try await hermes(args)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("error: cannot reach 'down' at http://127.0.0.1:\(port)/mcp ("), "\(args): \(result.stderr)")
            #expect(result.stderr.hasSuffix(message + "\n") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("login"), "\(args): \(result.stdout)\(result.stderr)")
        }
        // add without a terminal: not saved, and the reason said once.
        let add = try await hermes(["mcp", "add", "gone", "--url", "http://127.0.0.1:\(port)/mcp", "--auth", "oauth", "--all-tools"])
        #expect(add.status == 1)
        #expect(add.stderr.hasPrefix("error: Failed to connect: cannot reach 'gone' at http://127.0.0.1:\(port)/mcp ("), "\(add.stderr)")
        #expect(add.stderr.hasSuffix(" — 'gone' was not saved (--yes saves it disabled)\n"), "\(add.stderr)")
        #expect(!add.stdout.contains("cannot reach") && !add.stdout.contains("✗"), "\(add.stdout)")
        #expect(try ConfigFile.load(home: HermesHome(path: home)).rawServer(named: "gone") == nil)
    }

    @Test func aReachableServerWithoutTokensNeedsALoginSaidOnce() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        let message = "'demo' needs a login — no tokens are stored: run `hermes mcp login demo`"
        expectFailure(try await hermes(["mcp", "test", "demo"]), message)
        expectFailure(try await hermes(["mcp", "configure", "demo", "--all-tools"]), message)
        // --json: the JSON says it, nothing else does.
        let json = try await hermes(["mcp", "test", "demo", "--json"])
        #expect(json.status == 1 && json.stderr.isEmpty, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["error"] as? String == message)
        // What the agent receives names the command, with the HERMES_HOME it needs, and why.
        let call = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"hi"}"#])
        #expect(call.status == 1 && call.stderr.isEmpty)
        #expect(call.stdout == #"{"error": "MCP server 'demo' requires re-authentication. Why: no tokens are stored. Run `HERMES_HOME=\#(home) hermes mcp login demo`. Do NOT retry this tool — ask the user to re-authenticate.", "needs_reauth": true, "server": "demo"}"# + "\n", "\(call.stdout)")
    }

    @Test func aRefusedAccessTokenIsRefreshedBeforeAnyLoginAdvice() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        try await peer.call("/revoke-access")
        let test = try await hermes(["mcp", "test", "demo"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("✓ Tools discovered: 2") && test.stderr.isEmpty, "\(test.stderr)")
    }

    @Test func tokensForAnotherURLNameTheChangeOnce() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        #expect(try await hermes(["mcp", "login", "demo"]).status == 0)
        let moved = try String(contentsOfFile: dir.file("config.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  demo:\n    url: \(peer.mcpURL)", with: "  demo:\n    url: \(peer.mcpURL)/v2")
        try dir.write("config.yaml", moved)
        let canonical = URLPolicy.canonicalResource(URL(string: peer.mcpURL)!)
        expectFailure(try await hermes(["mcp", "test", "demo"]),
                      "'demo' needs a login — the server's URL changed: the stored tokens were issued for \(canonical), and config.yaml now names \(canonical)/v2: run `hermes mcp login demo`")
    }

    @Test func failuresOfLoginAndLookupAreSaidOnce() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        expectFailure(try await hermes(["mcp", "login", "nope"]),
                      "Server 'nope' not found in \(home)/config.yaml (available: demo, down, local, keyed, plain, off)")
        expectFailure(try await hermes(["mcp", "remove", "nope", "--yes"]),
                      "Server 'nope' not found in \(home)/config.yaml (available: demo, down, local, keyed, plain, off)")
        // A usage error (64), said once by the argument parser.
        let usage = try await hermes(["mcp", "reauth"])
        #expect(usage.status == 64, "\(usage.stderr)")
        #expect(usage.stderr.components(separatedBy: "Specify a server name, or use --all").count == 2, "\(usage.stderr)")
        try await peer.configure(["deny": true])
        let denied = try await hermes(["mcp", "login", "demo"])
        expectFailure(denied, "Authentication failed: authorization for 'demo' was denied (access_denied: the user said no)")
        expectFailure(try await hermes(["mcp", "reauth", "demo"]), "Authentication failed: authorization for 'demo' was denied (access_denied: the user said no)")
    }

    @Test func aDisabledServerSaysSoInStatus() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer, down: try Self.closedPort())
        let status = try await hermes(["mcp", "status", "off"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("No tokens: run `hermes mcp login off`") && status.stdout.contains("Disabled (enabled: false in config.yaml)"))
        let json = try await hermes(["mcp", "status", "off", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["enabled"] as? Bool == false && rows?.first?["needs_login"] as? Bool == true)
    }
}
