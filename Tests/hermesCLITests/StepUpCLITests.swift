import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Step-up as a person meets it: a server that lets `initialize` through and asks for more scope
/// only on `tools/list` or `tools/call` (the conformance suite's step-up server).
@Suite(.timeLimit(.minutes(3))) struct StepUpCLITests {
    let dir = TemporaryDirectory("hermes-stepup")
    var home: String { dir.path }
    static let anonymousHandshake = ["server/discover", "initialize", "notifications/"]

    /// With the test browser (`interactive`), or as a script runs it: no terminal, no `$BROWSER`.
    func hermes(_ args: [String], interactive: Bool) async throws -> ProgramResult {
        var env = Build.environment(home: home, extra: interactive ? Peers.browser() : [:])
        if !interactive { env.removeValue(forKey: "BROWSER") }
        return try await run(Build.product("hermes"), args, environment: env)
    }

    func configure(_ peer: OAuthPeer) throws {
        try dir.write("config.yaml", """
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
                connect_timeout: 20
            """)
    }

    func authorizations(_ peer: OAuthPeer) async throws -> [String?] {
        try await peer.log().filter { $0.path == "/authorize" }.map { $0["scope"] }
    }

    /// `add` takes the first scope from the 401 of `tools/list` (not scopes_supported), steps up
    /// when `tools/list` then answers 403, and saves.
    @Test func addStepsUpWhenToolsListAsksForMoreAndSaves() async throws {
        let peer = try await OAuthPeer(settings: ["open_methods": Self.anonymousHandshake, "challenge_scope": "read",
                                                  "prm_scopes": ["admin"], "method_scopes": ["tools/list": "write"]])
        defer { peer.stop() }
        let added = try await hermes(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--all-tools"], interactive: true)
        #expect(added.status == 0, "\(added.stdout)\n\(added.stderr)")
        #expect(added.stdout.contains("Saved 'demo'"), "\(added.stdout)")
        #expect(added.stderr.contains("The server asks for more access (scope write)"), "\(added.stderr)")
        #expect(try await authorizations(peer) == ["read", "read write"])
        #expect(TokenStore(home: HermesHome(path: home), serverName: "demo").challengedScope() == nil)
        // And it works from a script with what was saved.
        let called = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"x"}"#], interactive: false)
        #expect(called.status == 0 && called.stdout.contains(#"{"result": "x"}"#), "\(called.stdout)\(called.stderr)")
    }

    /// In a script, `call` answers needs_reauth naming the scope; the next `login` (another
    /// process) asks for the held scopes and that one together, and then the call works.
    @Test func aScriptedCallNamesTheScopeAndTheNextLoginAsksForTheUnion() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"], interactive: true).status == 0)
        try await peer.configure(["open_methods": Self.anonymousHandshake, "method_scopes": ["tools/call": "admin"]])

        let refused = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"x"}"#], interactive: false)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains(#""needs_reauth": true"#) && refused.stdout.contains("requires the scope 'admin'"), "\(refused.stdout)")
        #expect(try await authorizations(peer).count == 1)
        // `status` says what is pending, rather than a green tick.
        let status = try await hermes(["mcp", "status", "demo"], interactive: false)
        #expect(status.stdout.contains("The server asks for scope 'admin', which the tokens lack: run `hermes mcp login demo`"), "\(status.stdout)")
        let statusJSON = try await hermes(["mcp", "status", "demo", "--json"], interactive: false)
        #expect(statusJSON.stdout.contains(#""pending_scope": "admin""#) || statusJSON.stdout.contains(#""pending_scope":"admin""#), "\(statusJSON.stdout)")

        let login = try await hermes(["mcp", "login", "demo"], interactive: true)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(try await authorizations(peer) == ["read write", "read write admin"])

        let called = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"x"}"#], interactive: false)
        #expect(called.status == 0 && called.stdout.contains(#"{"result": "x"}"#), "\(called.stdout)\(called.stderr)")
        #expect(!(try await hermes(["mcp", "status", "demo"], interactive: false)).stdout.contains("asks for scope"))
    }

    @Test func anInteractiveCallStepsUpAndRetries() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"], interactive: true).status == 0)
        try await peer.configure(["open_methods": Self.anonymousHandshake, "method_scopes": ["tools/call": "admin"]])
        let called = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"x"}"#], interactive: true)
        #expect(called.status == 0 && called.stdout.contains(#"{"result": "x"}"#), "\(called.stdout)\(called.stderr)")
        #expect(try await authorizations(peer) == ["read write", "read write admin"])
    }

    /// auth/scope-retry-limit: a server that wants more whatever the token holds gets a few
    /// authorizations, then a sentence, never a loop.
    @Test func aServerThatAlwaysWantsMoreStopsWithAClearMessage() async throws {
        let peer = try await OAuthPeer(settings: ["open_methods": Self.anonymousHandshake, "always_insufficient": true])
        defer { peer.stop() }
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"], interactive: true).status == 0)
        let called = try await hermes(["mcp", "call", "demo", "echo", #"{"text":"x"}"#], interactive: true)
        #expect(called.status == 1)
        #expect(called.stdout.contains("still refuses the token for lack of scope 'admin'"), "\(called.stdout)")
        #expect(try await authorizations(peer).count <= 3)
    }

    /// Adding again a server whose tokens are stored: the step-up that was not granted is the end
    /// of it, not the start of another login.
    @Test func reAddingAServerThatAlwaysWantsMoreDoesNotLogInAgain() async throws {
        let peer = try await OAuthPeer()
        defer { peer.stop() }
        try configure(peer)
        #expect(try await hermes(["mcp", "login", "demo"], interactive: true).status == 0)
        try await peer.configure(["open_methods": Self.anonymousHandshake, "always_insufficient": true])
        let added = try await hermes(["mcp", "add", "demo", "--url", peer.mcpURL, "--auth", "oauth", "--all-tools", "--yes"], interactive: true)
        #expect((added.stdout + added.stderr).contains("still refuses the token for lack of scope 'admin'"), "\(added.stdout)")
        #expect(added.stdout.contains("Saved 'demo' to config (disabled)"), "\(added.stdout)")
        #expect(try await authorizations(peer) == ["read write", "read write admin"])
    }
}
