import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// `oauth.redirect_host`: the browser goes wherever the redirect URI's host resolves to. For
/// `localhost` that is 127.0.0.1 or ::1, the browser's choice; an address hermes does not hold on
/// the callback port is one another local process can hold, and receive the code.
@Suite(.timeLimit(.minutes(3))) struct CallbackHostTests {
    let home = HostileHome()

    func configure(_ peer: OAuthPeer, oauth: String) throws {
        try home.config("""
            mcp_servers:
              demo:
                url: \(peer.mcpURL)
                auth: oauth
                oauth:
            \(oauth)
            """)
    }

    func login(browserAddress: String? = nil) async throws -> ProgramResult {
        var env: [String: String] = [:]
        if let browserAddress { env["BROWSER_LOCALHOST"] = browserAddress }
        return try await home.hermes(["mcp", "login", "demo", "--timeout", "10"], env: env)
    }

    var opened: String { (try? String(contentsOfFile: home.dir.file("browser.log"), encoding: .utf8)) ?? "" }

    @Test(arguments: ["::1", "127.0.0.1"])
    func localhostIsReachableOverEitherAddress(browserAddress: String) async throws {
        let peer = try await OAuthPeer()
        try await configure(peer, oauth: "      redirect_host: localhost")
        let result = try await login(browserAddress: browserAddress)
        #expect(result.status == 0, "browser over \(browserAddress): \(result.stdout)\n\(result.stderr)")
        #expect(opened.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"), "\(opened)")
        #expect(TokenStore(home: HermesHome(path: home.path), serverName: "demo").tokens() != nil)
    }

    @Test(arguments: ["'::1'", "'[::1]'"])
    func anIPv6RedirectHostIsBracketedAndBound(spelling: String) async throws {
        let peer = try await OAuthPeer()
        try await configure(peer, oauth: "      redirect_host: \(spelling)")
        let result = try await login()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // http://[::1]:PORT/callback, percent-encoded in the authorization URL.
        #expect(opened.contains("redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3A"), "\(opened)")
        let client = try #require(TokenStore(home: HermesHome(path: home.path), serverName: "demo").readClient().value)
        #expect(client.redirectURIs.count == 1 && client.redirectURIs[0].hasPrefix("http://[::1]:"), "\(client.redirectURIs)")
    }

    /// A process already on [::1]:PORT: with only 127.0.0.1 bound, a browser that picks ::1 for
    /// `localhost` would hand that process the authorization code.
    @Test func aSquatterOnTheOtherAddressIsNeverSentTheBrowser() async throws {
        let peer = try await OAuthPeer()
        let record = home.dir.file("squatter.log")
        // Outside the ephemeral range: a port the kernel hands out could be taken on 127.0.0.1 by
        // another test's connection meanwhile, and then the refusal names that address instead.
        let squatter = try await PeerProcess(script: "hostile_callback_squatter.py",
                                             arguments: ["--host", "::1", "--record", record, "--port", "\(FreePort.outsideEphemeralRange())"])
        defer { squatter.stop() }
        let port = try #require(squatter.info["port"] as? Int)
        try await configure(peer, oauth: "      redirect_host: localhost\n      redirect_port: \(port)")
        let result = try await login(browserAddress: "::1")
        #expect(result.status == 1)
        #expect((result.stdout + result.stderr).contains("OAuth callback port \(port) is already in use on ::1"), "\(result.stdout)\n\(result.stderr)")
        #expect(opened.isEmpty, "no authorization URL may be opened: \(opened)")
        let stolen = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        #expect(stolen.isEmpty, "the squatter received: \(stolen)")
    }

    @Test func aNonLoopbackRedirectHostIsRefused() async throws {
        let peer = try await OAuthPeer()
        for host in ["0.0.0.0", "'::'", "example.com"] {
            try await configure(peer, oauth: "      redirect_host: \(host)")
            let result = try await login()
            #expect(result.status == 1)
            #expect(result.stderr.contains("the callback listener only binds loopback addresses"), "\(host): \(result.stdout)\(result.stderr)")
            #expect(opened.isEmpty)
        }
    }
}
