import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// HTTPS to servers whose certificates come from a private CA, as in companies that inspect TLS:
/// the CA must be trusted exactly when the person said so (SSL_CERT_FILE, SSL_CERT_DIR, ssl_ca:),
/// a certificate for another name never is, and verification is never switched off silently.
@Suite(.timeLimit(.minutes(4))) struct TLSHostileTests {
    let home = HostileHome()
    let ca: ThrowAwayCA
    let peer: PeerProcess

    /// Neither variable leaks in from the environment the tests run in.
    static let noTrust = ["SSL_CERT_FILE": "", "SSL_CERT_DIR": ""]

    init() async throws {
        ca = try await ThrowAwayCA()
        let server = try await ca.issue("server", altNames: ["IP:127.0.0.1", "IP:::1", "DNS:localhost"])
        peer = try await PeerProcess(script: "hostile_tls.py", arguments: ["--cert", server.cert, "--key", server.key])
    }

    func configure(_ extra: String = "", url: String? = nil, oauth: Bool = false) throws {
        try home.config("""
            mcp_servers:
              tls:
                url: \(url ?? peer["mcp_url"])
                connect_timeout: 5
            \(oauth ? "    auth: oauth\n" : "")\(extra)
            """)
    }

    func test(env: [String: String] = [:]) async throws -> ProgramResult {
        try await home.hermes(["mcp", "test", "tls"], env: Self.noTrust.merging(env) { $1 }, timeout: 60)
    }

    func expectConnected(_ result: ProgramResult, _ comment: Comment) {
        #expect(result.status == 0, "\(comment): \(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Tools discovered: 1") && result.stdout.contains("tls_echo"), "\(comment): \(result.stdout)")
    }

    @Test func anUnknownCAIsRefusedWithAClearMessage() async throws {
        try await configure()
        let result = try await test()
        #expect(result.status == 1)
        #expect(result.stderr.contains("its TLS certificate is not signed by a trusted certificate authority"), "\(result.stderr)")
        #expect(result.stderr.contains("set SSL_CERT_FILE or SSL_CERT_DIR, or ssl_ca:"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("tls_echo"))
    }

    @Test func sslCertFileIsTrusted() async throws {
        try await configure()
        expectConnected(try await test(env: ["SSL_CERT_FILE": ca.certificate]), "SSL_CERT_FILE")
    }

    @Test func sslCertDirInRehashLayoutIsTrusted() async throws {
        try await configure()
        expectConnected(try await test(env: ["SSL_CERT_DIR": try await ca.hashedDirectory()]), "SSL_CERT_DIR")
    }

    @Test func sslCAInTheServersEntryIsTrusted() async throws {
        try await configure("    ssl_ca: \(ca.certificate)\n")
        expectConnected(try await test(), "ssl_ca: file")
        try await configure("    ssl_ca: \(try await ca.hashedDirectory())\n")
        expectConnected(try await test(), "ssl_ca: directory")
        // httpx (hermes-agent's client) takes a path in ssl_verify as the CA bundle.
        try await configure("    ssl_verify: \(ca.certificate)\n")
        let viaVerify = try await test()
        expectConnected(viaVerify, "ssl_verify: path")
        #expect(!viaVerify.stderr.contains("is not a boolean"))
    }

    @Test func aCertificateForAnotherHostIsRefusedEvenFromATrustedCA() async throws {
        let wrong = try await ca.issue("wrong", altNames: ["DNS:wrong.invalid"])
        let impostor = try await PeerProcess(script: "hostile_tls.py", arguments: ["--cert", wrong.cert, "--key", wrong.key])
        defer { impostor.stop() }
        try await configure(url: impostor["mcp_url"])
        let result = try await test(env: ["SSL_CERT_FILE": ca.certificate])
        #expect(result.status == 1)
        #expect(result.stderr.contains("its TLS certificate is not valid for this host name"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("tls_echo"))
    }

    @Test func sslVerifyFalseConnectsOnlyWithALoudWarning() async throws {
        try await configure("    ssl_verify: false\n")
        let result = try await test()
        expectConnected(result, "ssl_verify: false")
        #expect(result.stderr.contains("TLS verification is OFF for 'tls' (ssl_verify: false)"), "\(result.stderr)")
    }

    @Test func sslVerifyFalseIsRefusedForOAuth() async throws {
        try await configure("    ssl_verify: false\n", url: peer["oauth_mcp_url"], oauth: true)
        let login = try await home.hermes(["mcp", "login", "tls", "--timeout", "2"], env: Self.noTrust.merging(["BROWSER_MODE": "print"]) { $1 })
        #expect(login.status == 1)
        #expect(login.stderr.contains("sets ssl_verify: false, which hermes refuses for OAuth"), "\(login.stdout)\n\(login.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.dir.file("browser.log")))
        let test = try await test()
        #expect(test.status == 1 && test.stderr.contains("which hermes refuses for OAuth"), "\(test.stdout)\(test.stderr)")
    }

    /// Discovery, metadata and registration all go to the TLS peer: the login reaches the point of
    /// opening the authorization URL only if every one of those requests trusted ssl_ca.
    @Test func oauthEndpointsTrustTheServersCA() async throws {
        try await configure("    ssl_ca: \(ca.certificate)\n", url: peer["oauth_mcp_url"], oauth: true)
        let env = Self.noTrust.merging(["BROWSER_MODE": "print"]) { $1 }
        let login = try await home.hermes(["mcp", "login", "tls", "--timeout", "2"], env: env)
        #expect(login.status == 1, "nobody approves, so the login times out")
        let opened = (try? String(contentsOfFile: home.dir.file("browser.log"), encoding: .utf8)) ?? ""
        #expect(opened.hasPrefix(peer["base"] + "/authorize?"), "\(login.stdout)\n\(login.stderr)")
        #expect(opened.contains("client_id=tls-client"))

        // Without it, the first request is refused and nothing is opened.
        try? FileManager.default.removeItem(atPath: home.dir.file("browser.log"))
        try await configure(url: peer["oauth_mcp_url"], oauth: true)
        let refused = try await home.hermes(["mcp", "login", "tls", "--timeout", "2"], env: env)
        #expect(refused.status == 1)
        #expect((refused.stdout + refused.stderr).contains("not signed by a trusted certificate authority"), "\(refused.stdout)\n\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.dir.file("browser.log")))
    }
}
