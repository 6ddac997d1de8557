import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// A clock the test can move forward, for expiry without sleeping.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Double = 0
    func advance(_ seconds: Double) { lock.withLock { offset += seconds } }
    var now: @Sendable () -> Double { { [self] in Date().timeIntervalSince1970 + lock.withLock { offset } } }
}

/// Messages a login prints, collected instead of written to stderr.
final class Transcript: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// One OAuth-protected MCP server from the Python SDK, a throw-away HERMES_HOME, and the test
/// browser that approves every authorization.
struct Fixture {
    let peer: OAuthPeer
    let dir = TemporaryDirectory("hermes-oauth")
    let clock = TestClock()
    let transcript = Transcript()
    var home: HermesHome { HermesHome(path: dir.path) }
    var browserLog: String { dir.file("browser.log") }

    init(arguments: [String] = [], settings: [String: Any] = [:]) async throws {
        peer = try await OAuthPeer(arguments: arguments, settings: settings)
    }

    func server(_ oauth: [ConfigPair] = []) -> OAuthServer {
        let raw = ConfigValue.map([ConfigPair(key: "url", value: .string(peer.mcpURL)), ConfigPair(key: "auth", value: .string("oauth")),
                                   ConfigPair(key: "oauth", value: .map(oauth))])
        return try! OAuthServer(config: MCPServerConfig(name: "peer", raw: raw))
    }

    func provider(_ oauth: [ConfigPair] = []) -> OAuthProvider {
        OAuthProvider(server: server(oauth), home: home, clock: clock.now)
    }

    func interaction(mode: String? = nil) -> LoginInteraction {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in Peers.browser(record: browserLog, mode: mode) { env[k] = v }
        let transcript = self.transcript
        return LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { transcript.add($0) }
    }

    var store: TokenStore { TokenStore(home: home, serverName: "peer") }

    /// A login whose browser only records the URL: returns the running login, the authorization
    /// URL and the callback port, for a test to play the browser (or an attacker) itself.
    func loginAwaitingTheBrowser() async throws -> (Task<OAuthProvider.LoginReport, any Error>, String, Int) {
        let provider = self.provider()
        let interaction = self.interaction(mode: "print")
        let login = Task { try await provider.login(interaction: interaction) }
        var url = ""
        for _ in 0..<200 where url.isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
            url = (try? String(contentsOfFile: browserLog, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        }
        let redirect = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "redirect_uri" }?.value)
        return (login, url, try #require(URL(string: redirect)?.port))
    }

    /// An unauthenticated-or-not `initialize`, as the MCP runtime would send it.
    func probe(_ token: String?) async throws -> Int {
        try await MCPProbe.initialize(url: URL(string: peer.mcpURL)!, credential: token.map { Credential(token: $0) }, headers: [:],
                                      transport: CurlTransport.shared, timeout: 10).status
    }

    func requests(_ method: String, _ pathSuffix: String) async throws -> [OAuthPeer.Request] {
        try await peer.log().filter { $0.method == method && $0.path.hasSuffix(pathSuffix) }
    }
}

func expectFailure(_ body: () async throws -> Void, _ matches: (OAuthFailure) -> Bool,
                   sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("expected a failure", sourceLocation: sourceLocation)
    } catch let failure as OAuthFailure {
        #expect(matches(failure), "unexpected failure: \(failure)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite(.timeLimit(.minutes(2))) struct OAuthFlowTests {
    @Test func loginSpeaksTheSpecOnTheWire() async throws {
        let f = try await Fixture()
        let report = try await f.provider().login(interaction: f.interaction())
        let log = try await f.peer.log()
        #expect(log.map { "\($0.method) \($0.path)" } == [
            "POST /mcp", "GET /.well-known/oauth-protected-resource/mcp", "GET /.well-known/oauth-authorization-server",
            // The new token's check: a 2026-07-28 `server/discover`, which opens no session to close.
            "POST /register", "GET /authorize", "POST /token", "POST /mcp",
        ])
        let register = try #require(log.first { $0.path == "/register" })
        #expect(register.json["application_type"] as? String == "native")
        #expect(register.json["grant_types"] as? [String] == ["authorization_code", "refresh_token"])
        #expect(register.json["token_endpoint_auth_method"] as? String == "none")
        let redirect = try #require((register.json["redirect_uris"] as? [String])?.first)
        #expect(redirect.hasPrefix("http://127.0.0.1:") && redirect.hasSuffix("/callback"))

        let authorize = try #require(log.first { $0.path == "/authorize" })
        #expect(authorize["response_type"] == "code")
        #expect(authorize["code_challenge_method"] == "S256")
        #expect(authorize["resource"] == f.peer.mcpURL)
        #expect(authorize["scope"] == "read write")
        #expect(authorize["redirect_uri"] == redirect)
        #expect((authorize["state"]?.count ?? 0) >= 43)

        let token = try #require(log.first { $0.path == "/token" })
        #expect(token["grant_type"] == "authorization_code")
        #expect(token["resource"] == f.peer.mcpURL)
        #expect(token["redirect_uri"] == redirect)
        let verifier = try #require(token["code_verifier"])
        #expect(PKCEPair.challenge(for: verifier) == authorize["code_challenge"])

        #expect(log[6].bearer == report.tokens.accessToken)
        #expect(report.issuer == f.peer.issuer && report.registration == .dynamic && report.stepUps == 0)

        let store = f.store
        #expect(mode(store.tokensPath) == 0o600 && mode(store.clientPath) == 0o600 && mode(store.metadataPath) == 0o600)
        #expect(mode(f.home.tokenDirectory) == 0o700)
        #expect(store.readClient().value?.issuer == f.peer.issuer)
        #expect(store.readMetadata().value?.fields["hermes_resource"] == .string(f.peer.mcpURL))
        #expect(store.tokens()?.refreshToken != nil)
        #expect(try await f.probe(report.tokens.accessToken) == 200)
        // Nothing secret in what the person is shown.
        #expect(!f.transcript.text.contains(report.tokens.accessToken))
    }

    @Test func aSecondLoginReusesTheRegistrationAndItsPort() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        _ = try await f.provider().login(interaction: f.interaction())
        #expect(try await f.requests("POST", "/register").count == 1)
        let redirects = try await f.requests("GET", "/authorize").map { $0["redirect_uri"] }
        #expect(redirects.count == 2 && redirects[0] == redirects[1])
    }

    @Test func anExpiredTokenIsRefreshedWithTheResourceAndRotated() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let first = try await provider.login(interaction: f.interaction()).tokens
        #expect(try await provider.accessToken() == first.accessToken)
        f.clock.advance(3600)
        let token = try await provider.accessToken()
        #expect(token != first.accessToken)
        let refresh = try #require(try await f.requests("POST", "/token").last)
        #expect(refresh["grant_type"] == "refresh_token")
        #expect(refresh["resource"] == f.peer.mcpURL)
        #expect(refresh["refresh_token"] == first.refreshToken)
        let stored = try #require(f.store.tokens())
        #expect(stored.accessToken == token && stored.refreshToken != first.refreshToken)
        #expect(try await f.probe(token) == 200)
        // A restarted process refreshes from the stored metadata, without discovery.
        f.clock.advance(3600)
        let before = try await f.peer.log().count
        _ = try await f.provider().accessToken()
        let after = try await f.peer.log().dropFirst(before).map(\.path)
        #expect(after == ["/token"])
    }

    @Test func theRefreshTokenIsKeptWhenTheServerDoesNotRotateIt() async throws {
        let f = try await Fixture(settings: ["rotate_refresh": false])
        let provider = f.provider()
        let first = try await provider.login(interaction: f.interaction()).tokens
        f.clock.advance(3600)
        _ = try await provider.accessToken()
        #expect(f.store.tokens()?.refreshToken == first.refreshToken)
        #expect(f.store.tokens()?.scope == first.scope)
    }

    @Test func a401IsRecoveredByRefreshNotByTheBrowser() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let old = try await provider.login(interaction: f.interaction()).tokens.accessToken
        try await f.peer.call("/revoke-access")
        #expect(try await f.probe(old) == 401)
        let fresh = try await provider.recover(failedToken: old)
        #expect(fresh != old)
        #expect(try await f.probe(fresh) == 200)
        #expect(try await f.requests("GET", "/authorize").count == 1)
        #expect(try String(contentsOfFile: f.browserLog, encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test func aTokenAnotherProcessRefreshedIsAdoptedWithoutARequest() async throws {
        let f = try await Fixture()
        let mine = f.provider()
        let old = try await mine.login(interaction: f.interaction()).tokens.accessToken
        f.clock.advance(3600)
        let theirs = try await f.provider().accessToken()   // "another process" refreshes
        let tokenRequests = try await f.requests("POST", "/token").count
        let adopted = try await mine.recover(failedToken: old)
        #expect(adopted == theirs)
        #expect(try await f.requests("POST", "/token").count == tokenRequests)
    }

    @Test func aRefusedRefreshTokenMeansLoginAndKeepsTheFiles() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let first = try await provider.login(interaction: f.interaction()).tokens
        f.clock.advance(3600)
        _ = try await provider.accessToken()          // spends and rotates the refresh token
        try f.store.save(tokens: first)                 // a process that lost the rotation writes old state back
        await provider.markStale()
        await expectFailure({ _ = try await provider.recover(failedToken: nil) }) {
            if case .needsLogin(_, let reason) = $0 { return reason.contains("invalid_grant") } else { return false }
        }
        #expect(f.store.tokens()?.accessToken == first.accessToken)
        #expect(f.store.readClient().value != nil)
    }

    @Test func a503FromTheTokenEndpointChangesNothing() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let first = try await provider.login(interaction: f.interaction()).tokens
        let before = try #require(bytes(f.store.tokensPath))
        try await f.peer.configure(["token_fault": ["status": 503, "count": 1]])
        f.clock.advance(3600)
        await expectFailure({ _ = try await provider.accessToken() }) {
            if case .temporarilyUnavailable = $0 { return true } else { return false }
        }
        #expect(bytes(f.store.tokensPath) == before)
        // The server is back: the same refresh token still works.
        let token = try await provider.accessToken()
        #expect(token != first.accessToken)
    }

    @Test func aRefreshAheadOfExpiryThatFailsStillServesTheValidToken() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let first = try await provider.login(interaction: f.interaction()).tokens
        try await f.peer.configure(["token_fault": ["status": 502, "count": 5]])
        // Inside the refresh window (60 s before expiry) with as much margin as it allows, so a slow
        // machine does not let the token really expire meanwhile.
        let remaining = try #require(first.expiresAt) - f.clock.now()
        f.clock.advance(remaining - 58)
        #expect(try await provider.accessToken() == first.accessToken)
    }

    @Test func stepUpAsksForTheUnionOfScopes() async throws {
        let f = try await Fixture(settings: ["required_scope": "admin"])
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(report.stepUps == 1)
        let scopes = try await f.requests("GET", "/authorize").map { $0["scope"] }
        #expect(scopes == ["read write", "read write admin"])
        #expect(Set((report.tokens.scope ?? "").split(separator: " ")) == ["read", "write", "admin"])
        #expect(try await f.probe(report.tokens.accessToken) == 200)
    }

    @Test func stepUpGivesUpAfterTwoRounds() async throws {
        let f = try await Fixture(settings: ["always_insufficient": true])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .protocolViolation(let m) = $0 { return m.contains("HTTP 403") } else { return false }
        }
        // The login and one step-up: the second token carries the scope the server still names.
        #expect(try await f.requests("GET", "/authorize").count == 2)
    }

    @Test func aForgottenRegistrationIsReplacedOnceWithABackup() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let firstClient = try await provider.login(interaction: f.interaction()).tokens
        let oldID = try #require(f.store.readClient().value?.clientID)
        try await f.peer.call("/forget-clients")
        f.clock.advance(3600)
        await expectFailure({ _ = try await provider.accessToken() }) {
            if case .needsLogin(_, let reason) = $0 { return reason.contains("no longer knows") } else { return false }
        }
        #expect(f.store.readClient().value == nil)
        #expect(try ClientRegistration(json: JSONObject.decode(try #require(bytes(f.store.clientBackupPath)))).clientID == oldID)
        #expect(f.store.tokens()?.accessToken == firstClient.accessToken)
        let report = try await provider.login(interaction: f.interaction())
        #expect(f.store.readClient().value?.clientID != oldID)
        #expect(try await f.probe(report.tokens.accessToken) == 200)
    }

    @Test func anAuthorizationServerOnAnotherOrigin() async throws {
        let f = try await Fixture(arguments: ["--separate-as"])
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(URL(string: f.peer.issuer)?.port != URL(string: f.peer.mcpURL)?.port)
        #expect(try await f.requests("POST", "/token").allSatisfy { $0.origin == "as" })
        #expect(try await f.probe(report.tokens.accessToken) == 200)
    }

    @Test func anIPv6LoopbackServer() async throws {
        let f = try await Fixture(arguments: ["--host", "::1"])
        #expect(f.peer.mcpURL.hasPrefix("http://[::1]:"))
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(try await f.probe(report.tokens.accessToken) == 200)
        #expect(f.store.readMetadata().value?.issuer == f.peer.issuer)
    }

    /// The conformance suite's metadata layouts: where the documents live decides which URLs are
    /// tried, and in which order.
    @Test(arguments: [
        ("path", true, "oauth", "", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"]),
        ("path", false, "oidc-insert", "", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]),
        ("root", false, "oauth", "/tenant1", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server/tenant1"]),
        ("custom", true, "oidc-append", "/tenant1", ["/custom/resource-metadata", "/.well-known/oauth-authorization-server/tenant1", "/.well-known/openid-configuration/tenant1", "/tenant1/.well-known/openid-configuration"]),
    ])
    func discoveryLayouts(prm: String, inHeader: Bool, asm: String, issuerPath: String, expected: [String]) async throws {
        let f = try await Fixture(arguments: issuerPath.isEmpty ? [] : ["--issuer-path", issuerPath],
                            settings: ["prm_location": prm, "prm_in_header": inHeader, "asm_location": asm])
        let report = try await f.provider().login(interaction: f.interaction())
        let discovery = try await f.peer.log().filter { $0.method == "GET" && !$0.path.hasSuffix("/authorize") }.map(\.path)
        #expect(discovery == expected)
        #expect(report.issuer == f.peer.issuer)
    }

    /// The scope strategy on the wire: the challenge's scope first, else the resource's
    /// scopes_supported, else no scope parameter at all.
    @Test(arguments: [(#"{"challenge_scope": "read"}"#, "read" as String?), (#"{"prm_scopes": null}"#, nil)])
    func scopeOnTheWire(settings: String, expected: String?) async throws {
        let f = try await Fixture(settings: try JSONSerialization.jsonObject(with: Data(settings.utf8)) as! [String: Any])
        _ = try await f.provider().login(interaction: f.interaction())
        let authorize = try #require(try await f.requests("GET", "/authorize").first)
        #expect(authorize["scope"] == expected)
    }

    /// 2025-03-26 servers publish no protected resource metadata: their origin is the issuer.
    @Test func noProtectedResourceMetadataFallsBackToTheOrigin() async throws {
        let f = try await Fixture(settings: ["prm_location": "none", "prm_in_header": false])
        let report = try await f.provider().login(interaction: f.interaction())
        #expect(report.issuer == f.peer.issuer)
        let discovery = try await f.peer.log().filter { $0.method == "GET" && !$0.path.hasSuffix("/authorize") }.map(\.path)
        #expect(discovery == ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource",
                              "/.well-known/oauth-authorization-server"])
        #expect(try await f.requests("GET", "/authorize").first?["resource"] == f.peer.mcpURL)
    }

    @Test(arguments: [
        ("asm_raw", #""this is not json""#, "JSON"),
        ("asm_overrides", #"{"code_challenge_methods_supported": null}"#, "code_challenge_methods_supported"),
        ("asm_overrides", #"{"code_challenge_methods_supported": ["plain"]}"#, "S256"),
        ("asm_overrides", #"{"issuer": "http://127.0.0.1:1"}"#, "names issuer"),
        ("asm_overrides", #"{"authorization_endpoint": "javascript:alert(1)"}"#, "scheme"),
        ("asm_overrides", #"{"token_endpoint": "http://198.51.100.7/token"}"#, "https"),
        ("prm_resource", #""http://127.0.0.1:1/other""#, "not for"),
    ])
    func unusableMetadataIsRefused(key: String, json: String, reason: String) async throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let f = try await Fixture(settings: [key: value])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .protocolViolation(let m) = $0 { return m.contains(reason) } else { return false }
        }
        #expect(f.store.tokens() == nil)
        #expect(try await f.requests("GET", "/authorize").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.browserLog))
    }

    @Test func aWrongIssIsRefusedAndThePreviousLoginStands() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        let before = (bytes(f.store.tokensPath), bytes(f.store.clientPath))
        try await f.peer.configure(["iss_mode": "wrong"])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction(), newClient: true) }) {
            if case .protocolViolation(let m) = $0 { return m.contains("mix-up") } else { return false }
        }
        #expect(bytes(f.store.tokensPath) == before.0 && bytes(f.store.clientPath) == before.1)
        try await f.peer.configure(["iss_mode": "missing"])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .protocolViolation(let m) = $0 { return m.contains("RFC 9207") } else { return false }
        }
        // A server that does not advertise iss may omit it.
        try await f.peer.configure(["iss_mode": "missing", "advertise_iss": false])
        _ = try await f.provider().login(interaction: f.interaction())
    }

    @Test func aDeniedAuthorizationKeepsThePreviousTokens() async throws {
        let f = try await Fixture()
        _ = try await f.provider().login(interaction: f.interaction())
        let before = bytes(f.store.tokensPath)
        try await f.peer.configure(["deny": true])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .denied(let m) = $0 { return m.contains("access_denied") } else { return false }
        }
        #expect(bytes(f.store.tokensPath) == before)
    }

    @Test func aTakenCallbackPortIsAClearError() async throws {
        let f = try await Fixture()
        let squatter = try CallbackListener(port: 0)
        defer { squatter.stop() }
        await expectFailure({ _ = try await f.provider([ConfigPair(key: "redirect_port", value: .scalar("\(squatter.port)"))]).login(interaction: f.interaction()) }) {
            if case .configuration(let m) = $0 { return m.contains("\(squatter.port)") && m.contains("in use") } else { return false }
        }
        #expect(f.store.tokens() == nil)
    }

    @Test func aConfiguredRedirectPortIsAdvertisedAndUsed() async throws {
        let f = try await Fixture()
        let port = FreePort.outsideEphemeralRange()   // a port that was free a moment ago
        _ = try await f.provider([ConfigPair(key: "redirect_port", value: .scalar("\(port)"))]).login(interaction: f.interaction())
        #expect(try await f.requests("GET", "/authorize").first?["redirect_uri"] == "http://127.0.0.1:\(port)/callback")
    }

    /// Local processes poke the callback port with garbage, wrong states, other paths and methods,
    /// oversized and stalled requests; the real callback still completes the login.
    @Test func theListenerSurvivesHostileTrafficAndStillCompletes() async throws {
        let f = try await Fixture()
        let (login, url, port) = try await f.loginAwaitingTheBrowser()
        let stalled = try HostileClient.connect(port: port)           // says nothing, holds the connection
        for payload in ["\u{0}\u{1}garbage\r\n\r\n", "GET /callback?code=stolen&state=wrong HTTP/1.1\r\n\r\n",
                        "POST /callback HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "GET /../../etc/passwd HTTP/1.1\r\n\r\n",
                        "GET /callback?" + String(repeating: "A", count: 20000) + " HTTP/1.1\r\n\r\n"] {
            let reply = try HostileClient.send(port: port, payload)
            #expect(reply.hasPrefix("HTTP/1.1 4"), "\(reply.prefix(40))")
        }
        stalled.close()
        // Now the person's browser arrives.
        _ = try await run(Peers.script("browser.sh"), [url])
        let report = try await login.value
        #expect(try await f.probe(report.tokens.accessToken) == 200)
    }

    @Test func logoutRevokesAtTheServerAndDeletesLocally() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        let tokens = try await provider.login(interaction: f.interaction()).tokens
        let report = try await provider.logout(keepRegistration: false)
        #expect(report.revoked == ["refresh_token", "access_token"])
        #expect(report.problems.isEmpty)
        #expect(try await f.probe(tokens.accessToken) == 401)
        #expect((try await f.peer.state()["refresh"] as? [String])?.isEmpty == true)
        #expect(f.store.tokens() == nil && f.store.readClient().value == nil && f.store.readMetadata().value == nil)
    }

    @Test func logoutWhenTheServerIsGoneStillDeletesLocally() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        _ = try await provider.login(interaction: f.interaction())
        f.peer.stop()
        await provider.markStale()
        let report = try await provider.logout(keepRegistration: true)
        #expect(report.revoked.isEmpty && !report.problems.isEmpty)
        #expect(f.store.tokens() == nil)
        #expect(f.store.readClient().value != nil)
    }

    @Test func withoutTokensNothingWaitsForAPerson() async throws {
        let f = try await Fixture()
        // A person would be given ten minutes; the answer must come long before that.
        let patient = [ConfigPair(key: "timeout", value: .scalar("600"))]
        let start = Date()
        await expectFailure({ _ = try await f.provider(patient).accessToken() }) {
            if case .needsLogin = $0 { return true } else { return false }
        }
        await expectFailure({ _ = try await f.provider(patient).stepUp(challenge: AuthChallenge(scheme: "Bearer", parameters: ["scope": "admin"], token68: nil), interaction: nil) }) {
            if case .needsLogin(_, let reason) = $0 { return reason.contains("admin") } else { return false }
        }
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(try await f.peer.log().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.browserLog))
    }
}

/// Raw TCP to the callback listener, for traffic no browser would send.
enum HostileClient {
    final class Connection {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        func close() { Glibc.close(fd) }
    }

    static func connect(port: Int) throws -> Connection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw ProgramError(description: "connect failed") }
        return Connection(fd: fd)
    }

    static func send(port: Int, _ payload: String) throws -> String {
        let c = try connect(port: port)
        defer { c.close() }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(payload.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8](repeating: 0, count: 4096)
        let n = reply.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: reply[0..<n], as: UTF8.self) : ""
    }
}

@Suite(.timeLimit(.minutes(2))) struct RegistrationPriorityTests {
    @Test func preRegisteredCredentialsWinAndUseTheServersAuthMethod() async throws {
        let port = FreePort.outsideEphemeralRange()
        let redirect = "http://127.0.0.1:\(port)/callback"
        let f = try await Fixture(settings: [
            "static_clients": ["pre-id": ["client_secret": "pre-secret", "redirect_uris": [redirect], "token_endpoint_auth_method": "client_secret_basic",
                                          "grant_types": ["authorization_code", "refresh_token"], "scope": "read write admin"]],
            "asm_overrides": ["registration_endpoint": NSNull(), "token_endpoint_auth_methods_supported": ["client_secret_basic"]],
        ])
        let provider = f.provider([ConfigPair(key: "client_id", value: .string("pre-id")), ConfigPair(key: "client_secret", value: .string("pre-secret")),
                                   ConfigPair(key: "redirect_port", value: .scalar("\(port)"))])
        let report = try await provider.login(interaction: f.interaction())
        #expect(report.registration == .preRegistered)
        #expect(try await f.requests("POST", "/register").isEmpty)
        let token = try #require(try await f.requests("POST", "/token").first)
        #expect(token.basicAuth && token["client_secret"] == nil && token["client_id"] == "pre-id")
        // Config is the source of truth for a pre-registered client: nothing is written for it.
        #expect(f.store.readClient().value == nil)
        f.clock.advance(3600)
        _ = try await provider.accessToken()
        #expect(try await f.requests("POST", "/token").last?.basicAuth == true)
    }

    @Test func aClientIDMetadataDocumentWhenTheServerSupportsIt() async throws {
        let port = FreePort.outsideEphemeralRange()
        let document = "https://client.example.org/hermes/client.json"
        let f = try await Fixture(settings: [
            "static_clients": [document: ["redirect_uris": ["http://127.0.0.1:\(port)/callback"], "token_endpoint_auth_method": "none",
                                          "grant_types": ["authorization_code", "refresh_token"], "scope": "read write admin"]],
            "asm_overrides": ["client_id_metadata_document_supported": true],
        ])
        let provider = f.provider([ConfigPair(key: "cimd", value: .string(document)), ConfigPair(key: "redirect_port", value: .scalar("\(port)"))])
        let report = try await provider.login(interaction: f.interaction())
        #expect(report.registration == .metadataDocument)
        #expect(try await f.requests("POST", "/register").isEmpty)
        #expect(try await f.requests("GET", "/authorize").first?["client_id"] == document)
    }

    @Test func withoutCIMDSupportTheDocumentIsNotUsed() async throws {
        let f = try await Fixture()
        let report = try await f.provider([ConfigPair(key: "cimd", value: .string("https://client.example.org/c.json"))]).login(interaction: f.interaction())
        #expect(report.registration == .dynamic)
        #expect(try await f.requests("POST", "/register").count == 1)
    }

    @Test func noRegistrationEndpointAndNoClientIDIsAClearError() async throws {
        let f = try await Fixture(settings: ["asm_overrides": ["registration_endpoint": NSNull()]])
        await expectFailure({ _ = try await f.provider().login(interaction: f.interaction()) }) {
            if case .configuration(let m) = $0 { return m.contains("oauth.client_id") } else { return false }
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct ConcurrentLoginTests {
    @Test func twoLoginsForOneServerInOneProcessShareOneFlow() async throws {
        let f = try await Fixture()
        let provider = f.provider()
        async let a = provider.login(interaction: f.interaction())
        async let b = provider.login(interaction: f.interaction())
        let (first, second) = try await (a, b)
        #expect(first.tokens == second.tokens)
        #expect(try await f.requests("GET", "/authorize").count == 1)
    }

    @Test func loginsForDifferentServersNeverShareAPortOrAResult() async throws {
        let f = try await Fixture()
        let g = try await Fixture()
        async let a = f.provider().login(interaction: f.interaction())
        async let b = g.provider().login(interaction: g.interaction())
        let (first, second) = try await (a, b)
        #expect(first.tokens.accessToken != second.tokens.accessToken)
        let portA = try await f.requests("GET", "/authorize").first?["redirect_uri"]
        let portB = try await g.requests("GET", "/authorize").first?["redirect_uri"]
        #expect(portA != nil && portA != portB)
        let statuses = (try await f.probe(first.tokens.accessToken), try await g.probe(second.tokens.accessToken))
        #expect(statuses == (200, 200))
    }

    @Test func aSecondProcessWaitsForTheFirstLoginAndAdoptsIt() async throws {
        let f = try await Fixture(settings: ["token_delay": 1.0])
        try f.dir.write("config.yaml", "mcp_servers:\n  peer:\n    url: \(f.peer.mcpURL)\n    auth: oauth\n")
        var env = Build.environment(home: f.dir.path)
        for (k, v) in Peers.browser(record: f.browserLog) { env[k] = v }
        let processes = try (0..<2).map { _ in
            try Child(Build.product("hermes"), ["mcp", "login", "peer"], environment: env, stdout: .null, stderr: .null)
        }
        for p in processes { try await waitForExit(p); #expect(p.terminationStatus == 0) }
        #expect(try await f.requests("GET", "/authorize").count == 1)
    }
}
