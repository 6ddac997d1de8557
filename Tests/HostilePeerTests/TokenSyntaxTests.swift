import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Item 4: what an authorization server or config.yaml puts in a token or a header never becomes
/// a header of its choosing; and item 7: a challenge cannot send hermes to fetch from elsewhere.
@Suite(.timeLimit(.minutes(3))) struct TokenSyntaxTests {
    func loginAgainst(_ evil: HostileOAuthServer, _ home: HostileHome) async throws -> ProgramResult {
        try home.config("mcp_servers:\n  x:\n    url: \(evil.mcpURL)\n    auth: oauth\n")
        return try await home.hermes(["mcp", "login", "x"])
    }

    func injected(_ evil: HostileOAuthServer) async throws -> Bool {
        try await evil.log().contains { $0.headers["x-injected"] != nil || $0.rawHeaders.contains { $0.lowercased().hasPrefix("x-injected") } }
    }

    @Test(arguments: [
        ["access_token": "at_abc\r\nX-Injected: yes", "token_type": "Bearer"],
        ["access_token": "at_abc\nX-Injected: yes", "token_type": "Bearer"],
        ["access_token": "at abc", "token_type": "Bearer"],
        ["access_token": "at_abc", "token_type": "mac"],
        ["access_token": "at_abc", "token_type": "DPoP"],
        ["access_token": "at_abc", "token_type": "Bearer", "refresh_token": "rt\r\nX-Injected: yes"],
    ])
    func aTokenResponseThatIsNotABearerTokenIsRefused(_ response: [String: String]) async throws {
        let home = HostileHome()
        let evil = try await HostileOAuthServer(["token_response": response, "accept_any": true])
        let login = try await loginAgainst(evil, home)
        #expect(login.status != 0)
        #expect((login.stdout + login.stderr).contains("unusable"), "\(login.stdout)\n\(login.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.tokenDirectory + "/x.json"))
        #expect(try await !injected(evil))
    }

    @Test func aTokenLargerThanATokenFileMayBeIsRefusedWhenReceived() async throws {
        let home = HostileHome()
        let huge = "at_" + String(repeating: "A", count: TokenStore.maxFileSize)
        let evil = try await HostileOAuthServer(["accept_any": true])
        try await evil.configure(["token_response": ["access_token": huge, "token_type": "Bearer"]])
        let login = try await loginAgainst(evil, home)
        #expect(login.status != 0)
        #expect((login.stdout + login.stderr).contains("larger than"), "\(login.stdout.suffix(2000))\n\(login.stderr.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: home.tokenDirectory + "/x.json"))
    }

    @Test func aTokenFileWithALineBreakIsNeverSent() async throws {
        // Written by another program (or an attacker with the same uid): read as unusable.
        let home = HostileHome()
        let evil = try await HostileOAuthServer(["accept_any": true])
        try home.config("mcp_servers:\n  x:\n    url: \(evil.mcpURL)\n    auth: oauth\n")
        try home.dir.write("mcp-tokens/x.json", #"{"access_token": "at_abc\r\nX-Injected: yes", "token_type": "Bearer"}"#)
        _ = try await home.hermes(["mcp", "test", "x"])
        #expect(try await !injected(evil))
        #expect(try await evil.credentialsSeen().isEmpty)
    }

    @Test func aConfiguredHeaderCannotSplitTheRequest() async throws {
        let home = HostileHome()
        let evil = try await HostileOAuthServer(["accept_any": true])
        try home.config("""
            mcp_servers:
              plain:
                url: \(evil.mcpURL)
                headers:
                  X-Team: "blue\\r\\nX-Injected: yes"
            """)
        let test = try await home.hermes(["mcp", "test", "plain"])
        #expect(test.status != 0)
        #expect((test.stdout + test.stderr).contains("line break"), "\(test.stdout)\n\(test.stderr)")
        #expect(try await !injected(evil))
        #expect(try await evil.log().isEmpty, "a request with the bad header was sent")
    }

    @Test func aChallengeCannotPointDiscoveryAtAnotherOrigin() async throws {
        let home = HostileHome()
        let bystander = try await HostileOAuthServer()
        let evil = try await HostileOAuthServer([
            "challenge": "Bearer resource_metadata=\"\(bystander.origin)/.well-known/oauth-protected-resource\"",
        ])
        let login = try await loginAgainst(evil, home)
        #expect(login.status == 0, "\(login.stdout)\n\(login.stderr)")
        #expect(try await bystander.log().isEmpty, "hermes fetched what a server's challenge named on another origin")
    }
}
