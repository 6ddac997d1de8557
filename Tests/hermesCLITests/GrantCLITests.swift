import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// `hermes mcp add --grant ...`, `status`, `call` and `login` for servers whose tokens come without
/// a person, against the OAuth test peer with client credentials and DPoP on.
@Suite(.timeLimit(.minutes(2))) struct GrantCLITests {
    let dir = TemporaryDirectory("hermes-grant-cli")
    var home: String { dir.path }

    func hermes(_ args: [String]) async throws -> ProgramResult {
        // No browser at all: a grant without a person must never need one.
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home, extra: ["BROWSER": "/bin/false"]), timeout: 90)
    }

    func config() throws -> String { try String(contentsOfFile: dir.file("config.yaml"), encoding: .utf8) }

    @Test func addKeepsTheSecretInDotEnvAndTheServerWorksWithoutABrowser() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["reports": ["secret": "Sup3r-s3cret-value"]], "dpop": "allowed",
                                                  "dpop_nonce_rs": "rs-1"])
        defer { peer.stop() }
        let add = try await hermes(["mcp", "add", "reports", "--url", peer.mcpURL, "--auth", "oauth", "--grant", "client-credentials",
                                    "--client-id", "reports", "--client-secret", "Sup3r-s3cret-value", "--all-tools"])
        #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        let yaml = try config()
        #expect(!yaml.contains("Sup3r-s3cret-value"), "the secret was written into config.yaml:\n\(yaml)")
        #expect(yaml.contains("grant: client_credentials") && yaml.contains("client_secret: ${MCP_REPORTS_CLIENT_SECRET}"), "\(yaml)")
        #expect(try String(contentsOfFile: dir.file(".env"), encoding: .utf8).contains(#"MCP_REPORTS_CLIENT_SECRET="Sup3r-s3cret-value""#))
        #expect(!(add.stdout + add.stderr).contains("Sup3r-s3cret-value"))

        let call = try await hermes(["mcp", "call", "reports", "echo", #"{"text": "hi"}"#])
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        #expect(call.stdout.contains("hi"), "\(call.stdout)")
        // Through the runtime too: DPoP with the MCP server's nonce, a proof on every request.
        let mcp = try await peer.log().filter { $0.path == "/mcp" && $0.scheme != nil }
        #expect(!mcp.isEmpty && mcp.allSatisfy { $0.scheme == "DPoP" }, "\(mcp.map { $0.scheme ?? "-" })")
        #expect(mcp.filter { $0.status < 300 }.allSatisfy { $0.dpopValid })

        let status = try await hermes(["mcp", "status", "reports"])
        #expect(status.stdout.contains("Grant: client_credentials (no person"), "\(status.stdout)")
        #expect(status.stdout.contains("DPoP-bound: yes"), "\(status.stdout)")
        let json = try await hermes(["mcp", "status", "reports", "--json"])
        #expect(json.stdout.contains(#""grant": "client_credentials""#) && json.stdout.contains(#""dpop_bound": true"#), "\(json.stdout)")
        #expect(json.stdout.contains(#""needs_login": false"#))

        // `login` obtains a new token at once, no browser.
        let login = try await hermes(["mcp", "login", "reports"])
        #expect(login.status == 0, "\(login.stdout)\n\(login.stderr)")
        #expect((login.stdout + login.stderr).contains("client_credentials grant (no browser)"))
        #expect(try await peer.tokenRequests().filter { $0.status == 200 }.count >= 2)
        #expect(try await peer.log().allSatisfy { !$0.path.hasSuffix("/authorize") })
    }

    @Test(arguments: [
        (["--grant", "client-credentials", "--client-id", "x"], "--grant client-credentials needs --client-secret SECRET (kept in .env), --client-secret-env VAR"),
        (["--grant", "authorization-code", "--assertion-file", "f"], "--assertion-file needs --grant client-credentials, jwt-bearer or identity-assertion"),
        (["--grant", "jwt-bearer", "--assertion-file", "f", "--assertion-env", "V"], "--assertion-file and --assertion-env exclude each other"),
        (["--grant", "client-credentials", "--client-secret-env", "S"], "--grant client-credentials needs --client-id"),
        (["--grant", "jwt-bearer"], "--grant jwt-bearer needs one of --assertion-file FILE or --assertion-env VAR"),
        (["--grant", "identity-assertion", "--client-id", "c", "--id-token-env", "T"], "needs --idp-token-endpoint URL or --idp-issuer URL"),
        (["--grant", "magic"], "--grant must be one of authorization-code, client-credentials, jwt-bearer, identity-assertion, not 'magic'"),
        (["--assertion-env", "T"], "--assertion-env needs --grant client-credentials, jwt-bearer or identity-assertion"),
        (["--grant", "jwt-bearer", "--assertion-env", "not a name"], "--assertion-env takes a variable name"),
        (["--dpop", "maybe"], "--dpop must be auto, true or false, not 'maybe'"),
    ])
    func contradictoryGrantOptionsAreRefusedBeforeAnythingIsWritten(_ extra: [String], _ said: String) async throws {
        let result = try await hermes(["mcp", "add", "s", "--url", "https://mcp.example.com/mcp", "--auth", "oauth"] + extra)
        #expect(result.status != 0)
        #expect(result.stderr.contains(said), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    @Test func aPrivateKeyOthersMayReadIsRefusedByAdd() async throws {
        let pem = dir.file("k.pem")
        let gen = try await run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pem])
        #expect(gen.status == 0)
        chmod(pem, 0o644)
        let result = try await hermes(["mcp", "add", "s", "--url", "https://mcp.example.com/mcp", "--auth", "oauth",
                                       "--grant", "client-credentials", "--client-id", "c", "--private-key", pem])
        #expect(result.status != 0)
        #expect(result.stderr.contains("(mode 0644); chmod 600 it"), "\(result.stderr)")
    }

    @Test func anEntryWithoutWhatItsGrantNeedsIsNamedWithItsLine() async throws {
        try dir.write("config.yaml", "mcp_servers:\n  s:\n    url: https://mcp.example.com/mcp\n    auth: oauth\n    oauth:\n      grant: jwt_bearer\n")
        let result = try await hermes(["mcp", "list"])
        #expect((result.stdout + result.stderr).contains("config.yaml:6"), "\(result.stdout)\n\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("assertion_file: FILE or assertion_env: VAR"), "\(result.stdout)\n\(result.stderr)")
    }
}

extension GrantCLITests {
    /// Two names that map to one `.env` variable keep two secrets; `remove` takes its own with it.
    @Test func secretsOfLookAlikeNamesStayApartAndGoWithTheirServer() async throws {
        for (name, secret) in [("a.b", "first-secret-1234"), ("a_b", "other-secret-5678")] {
            let add = try await hermes(["mcp", "add", name, "--url", "https://127.0.0.1:1/mcp", "--auth", "oauth", "--grant", "client-credentials",
                                        "--client-id", "bot", "--client-secret", secret, "--connect-timeout", "0.5", "--yes"])
            #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        }
        let env = try String(contentsOfFile: dir.file(".env"), encoding: .utf8)
        #expect(env.contains("first-secret-1234") && env.contains("other-secret-5678"), "\(env)")
        let values = try DotEnv.fileValues(path: dir.file(".env"))
        let catalogue = try ConfigFile(path: dir.file("config.yaml"), text: try config()).servers(environment: values)
        #expect(catalogue.first { $0.name == "a.b" }?.oauth.clientSecret == "first-secret-1234")
        #expect(catalogue.first { $0.name == "a_b" }?.oauth.clientSecret == "other-secret-5678")
        let remove = try await hermes(["mcp", "remove", "a_b", "--yes"])
        #expect(remove.status == 0, "\(remove.stderr)")
        let after = try String(contentsOfFile: dir.file(".env"), encoding: .utf8)
        #expect(!after.contains("other-secret-5678") && after.contains("first-secret-1234"), "\(after)")
    }
}
