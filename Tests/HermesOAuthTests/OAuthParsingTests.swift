import Foundation
import Testing
@testable import HermesOAuth

@Suite struct WWWAuthenticateTests {
    @Test func theSDKsChallenge() throws {
        let header = #"Bearer error="invalid_token", error_description="Authentication required", resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp""#
        let c = try #require(try WWWAuthenticate.challenge(header))
        #expect(c.error == "invalid_token")
        #expect(c.errorDescription == "Authentication required")
        #expect(c.resourceMetadata == "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp")
        #expect(c.scope == nil)
    }

    @Test func severalChallengesQuotedCommasAndEscapes() throws {
        let header = #"Basic realm="a, b", Bearer realm="x\"y", scope="read write", error=insufficient_scope,DPoP algs="ES256""#
        let all = try WWWAuthenticate.parse(header)
        #expect(all.map(\.scheme) == ["Basic", "Bearer", "DPoP"])
        #expect(all[0]["realm"] == "a, b")
        #expect(all[1]["realm"] == "x\"y")
        #expect(all[1].scope == "read write")
        #expect(all[1].error == "insufficient_scope")
        #expect(all[2]["algs"] == "ES256")
        #expect(try WWWAuthenticate.challenge(header)?.scope == "read write")
    }

    @Test func token68CaseAndSpacing() throws {
        let all = try WWWAuthenticate.parse("  negotiate abc123==  ,  BEARER   Scope = \"a\"  ")
        #expect(all.count == 2)
        #expect(all[0].token68 == "abc123==")
        #expect(all[1].isBearer && all[1].scope == "a")
        #expect(try WWWAuthenticate.parse("Bearer").first?.parameters.isEmpty == true)
        #expect(try WWWAuthenticate.parse("").isEmpty)
        // "realm=" with nothing after is token68 padding, not an empty parameter.
        #expect(try WWWAuthenticate.parse("Bearer realm=").first?.token68 == "realm=")
    }

    @Test(arguments: [#"Bearer realm="unterminated"#, #"Bearer realm="x" "y""#, "Bearer a=b c", "=x", #"Bearer scope="a" junk"#, "Bearer ,,, @"])
    func malformedHeadersAreErrorsNotCrashes(header: String) {
        #expect(throws: WWWAuthenticate.ParseError.self) { try WWWAuthenticate.parse(header) }
    }

    /// Every input either parses into well-formed challenges or is refused at a position inside it.
    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"Bearer scope="=, \"abc"#.utf8) + [0x09, 0xFF, 0x00]
        let tchar = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".utf8)
        let isControl = { (c: UInt8) in (c < 0x20 && c != 0x09) || c == 0x7F }
        var parsed = 0, refused = 0
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let header = String(decoding: bytes, as: UTF8.self)
            do {
                let challenges = try WWWAuthenticate.parse(header)
                parsed += 1
                for challenge in challenges {
                    #expect(!challenge.scheme.isEmpty && challenge.scheme.utf8.allSatisfy(tchar.contains), "\(header.debugDescription)")
                    for (name, value) in challenge.parameters {
                        #expect(!name.isEmpty && name == name.lowercased() && name.utf8.allSatisfy(tchar.contains), "\(header.debugDescription)")
                        #expect(!value.utf8.contains(where: isControl), "\(header.debugDescription)")
                    }
                }
            } catch {
                refused += 1
                #expect((0...header.utf8.count).contains(error.offset), "\(error) in \(header.debugDescription)")
            }
        }
        // The alphabet reaches both outcomes (the empty header parses, a leading "=" is refused).
        #expect(parsed > 0 && refused > 0, "parsed \(parsed), refused \(refused)")
    }
}

@Suite struct DiscoveryURLTests {
    @Test func protectedResourceOrder() {
        let url = URL(string: "https://example.com/public/mcp")!
        #expect(DiscoveryURLs.protectedResource(serverURL: url, fromChallenge: "https://example.com/custom") == [
            "https://example.com/custom",
            "https://example.com/.well-known/oauth-protected-resource/public/mcp",
            "https://example.com/.well-known/oauth-protected-resource",
        ])
        #expect(DiscoveryURLs.protectedResource(serverURL: URL(string: "https://example.com/")!, fromChallenge: nil) == [
            "https://example.com/.well-known/oauth-protected-resource",
        ])
    }

    @Test func authorizationServerOrder() {
        #expect(DiscoveryURLs.authorizationServer(issuer: "https://auth.example.com/tenant1") == [
            "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
            "https://auth.example.com/.well-known/openid-configuration/tenant1",
            "https://auth.example.com/tenant1/.well-known/openid-configuration",
        ])
        #expect(DiscoveryURLs.authorizationServer(issuer: "https://auth.example.com") == [
            "https://auth.example.com/.well-known/oauth-authorization-server",
            "https://auth.example.com/.well-known/openid-configuration",
        ])
        #expect(DiscoveryURLs.authorizationServer(issuer: "http://[::1]:8080/") == [
            "http://[::1]:8080/.well-known/oauth-authorization-server",
            "http://[::1]:8080/.well-known/openid-configuration",
        ])
    }

    @Test func urlPolicy() throws {
        for ok in ["https://as.example.com/authorize", "http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:5/x", "http://127.1.2.3/"] {
            #expect(throws: Never.self) { try URLPolicy.check(ok, what: "u") }
        }
        for bad in ["http://as.example.com/authorize", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                    "ftp://x/", "https://user:pw@x/", "relative/path", "http://127.0.0.1.evil.com/"] {
            #expect(throws: OAuthFailure.self) { try URLPolicy.check(bad, what: "u") }
        }
        #expect(URLPolicy.canonicalResource(URL(string: "HTTPS://Example.COM/MCP#frag")!) == "https://example.com/MCP")
        #expect(URLPolicy.canonicalResource(URL(string: "https://example.com/")!) == "https://example.com")
    }

    @Test func resourceMustNameThisServer() throws {
        let server = URL(string: "https://mcp.example.com/v1/mcp")!
        func prm(_ r: String) throws -> ProtectedResourceMetadata { try ProtectedResourceMetadata(json: ["resource": .string(r)]) }
        #expect(try Discoverer.resource(serverURL: server, prm: nil) == "https://mcp.example.com/v1/mcp")
        #expect(try Discoverer.resource(serverURL: server, prm: prm("https://mcp.example.com/v1/mcp")) == "https://mcp.example.com/v1/mcp")
        #expect(try Discoverer.resource(serverURL: server, prm: prm("https://mcp.example.com/v1")) == "https://mcp.example.com/v1")
        #expect(throws: OAuthFailure.self) { try Discoverer.resource(serverURL: server, prm: prm("https://other.example.com/v1/mcp")) }
        #expect(throws: OAuthFailure.self) { try Discoverer.resource(serverURL: server, prm: prm("https://mcp.example.com/v1/mc")) }
        #expect(throws: OAuthFailure.self) { try Discoverer.resource(serverURL: server, prm: prm("https://mcp.example.com/v2")) }
    }

    @Test func scopeSelection() throws {
        let meta = try AuthorizationServerMetadata(json: ["issuer": .string("https://a"), "token_endpoint": .string("https://a/t")])
        let offline = try AuthorizationServerMetadata(json: ["issuer": .string("https://a"), "token_endpoint": .string("https://a/t"),
                                                             "scopes_supported": .array([.string("read"), .string("offline_access")])])
        let prm = try ProtectedResourceMetadata(json: ["resource": .string("https://r"), "scopes_supported": .array([.string("a"), .string("b")])])
        #expect(OAuthProvider.chooseScope(requested: "cfg", challenge: "ch", protectedResource: prm, metadata: meta) == "cfg")
        #expect(OAuthProvider.chooseScope(requested: nil, challenge: "ch", protectedResource: prm, metadata: meta) == "ch")
        #expect(OAuthProvider.chooseScope(requested: nil, challenge: nil, protectedResource: prm, metadata: meta) == "a b")
        #expect(OAuthProvider.chooseScope(requested: nil, challenge: nil, protectedResource: nil, metadata: meta) == nil)
        #expect(OAuthProvider.chooseScope(requested: nil, challenge: "ch", protectedResource: nil, metadata: offline) == "ch offline_access")
        #expect(OAuthProvider.chooseScope(requested: nil, challenge: nil, protectedResource: nil, metadata: offline) == nil)
        #expect(OAuthProvider.union("read write", "write admin") == "read write admin")
        #expect(OAuthProvider.union(nil, nil) == nil)
    }
}

@Suite struct CallbackParsingTests {
    @Test func requests() {
        func parse(_ s: String) -> CallbackRequest { CallbackRequest.parse(Array(s.utf8)) }
        #expect(parse("GET /callback?code=a%2Bb&state=s+1&iss=http%3A%2F%2Fx HTTP/1.1\r\nHost: x\r\n\r\n")
                == .callback(CallbackParameters(code: "a+b", state: "s 1", iss: "http://x")))
        #expect(parse("GET /callback?code=1&code=2&state=s HTTP/1.0\r\n\r\n") == .callback(CallbackParameters(code: "1", state: "s")))
        #expect(parse("GET /favicon.ico HTTP/1.1\r\n\r\n") == .notFound)
        #expect(parse("POST /callback HTTP/1.1\r\n\r\n") == .methodNotAllowed)
        #expect(parse("garbage") == .malformed)
        #expect(parse("") == .malformed)
        #expect(parse("GET http://evil/callback HTTP/1.1\r\n\r\n") == .malformed)
        #expect(parse("\u{16}\u{03}\u{01}\u{02}") == .malformed)
    }

    @Test func pastedForms() {
        #expect(CallbackParameters(pasted: "http://127.0.0.1:5/callback?code=c&state=s&iss=i\n") == CallbackParameters(code: "c", state: "s", iss: "i"))
        #expect(CallbackParameters(pasted: "?code=c&state=s") == CallbackParameters(code: "c", state: "s"))
        #expect(CallbackParameters(pasted: "code=c&state=s#frag") == CallbackParameters(code: "c", state: "s"))
        #expect(CallbackParameters(pasted: "error=access_denied&state=s")?.error == "access_denied")
        #expect(CallbackParameters(pasted: "hello") == nil)
    }

    @Test func judgingStateAndIss() throws {
        let advertised = try AuthorizationServerMetadata(json: ["issuer": .string("https://as"), "token_endpoint": .string("https://as/t"),
                                                                "authorization_response_iss_parameter_supported": .bool(true)])
        let silent = try AuthorizationServerMetadata(json: ["issuer": .string("https://as"), "token_endpoint": .string("https://as/t")])
        func judge(_ p: CallbackParameters, _ m: AuthorizationServerMetadata) -> (Bool, String) {
            let (verdict, result) = AuthorizationAttempt.judge(p, expectedState: "S", metadata: m)
            switch result {
            case .none: return (verdict.done, "wait")
            case .some(.success(.code(let c))): return (verdict.done, "code:\(c)")
            case .some(.success(.refused(let e, _))): return (verdict.done, "refused:\(e)")
            case .some(.failure(let f)): return (verdict.done, "fail:\(f.status)")
            }
        }
        #expect(judge(CallbackParameters(code: "c", state: "X", iss: "https://as"), advertised) == (false, "wait"))
        #expect(judge(CallbackParameters(code: "c", state: nil), advertised) == (false, "wait"))
        #expect(judge(CallbackParameters(code: "c", state: "S", iss: "https://as"), advertised) == (true, "code:c"))
        #expect(judge(CallbackParameters(code: "c", state: "S"), advertised) == (true, "fail:protocolError"))
        #expect(judge(CallbackParameters(code: "c", state: "S", iss: "https://evil"), advertised) == (true, "fail:protocolError"))
        #expect(judge(CallbackParameters(state: "S", iss: "https://evil", error: "access_denied"), advertised) == (true, "fail:protocolError"))
        #expect(judge(CallbackParameters(code: "c", state: "S"), silent) == (true, "code:c"))
        #expect(judge(CallbackParameters(code: "c", state: "S", iss: "https://evil"), silent) == (true, "fail:protocolError"))
        #expect(judge(CallbackParameters(state: "S", error: "access_denied"), silent) == (true, "refused:access_denied"))
        #expect(AuthorizationAttempt.constantTimeEquals("abc", "abc") && !AuthorizationAttempt.constantTimeEquals("abc", "abd")
                && !AuthorizationAttempt.constantTimeEquals("abc", "abcd"))
    }

    @Test func browserCommands() {
        let url = "https://as.example.com/authorize?x=1"
        #expect(BrowserLauncher(environment: ["BROWSER": "firefox --new-tab:chromium %s"]).commands(for: url)
                == [["firefox", "--new-tab", url], ["chromium", url]])
        #expect(BrowserLauncher(environment: ["DISPLAY": ":0"]).commands(for: url) == [["xdg-open", url]])
        #expect(BrowserLauncher(environment: ["DISPLAY": ":0", "SSH_TTY": "/dev/pts/1"]).commands(for: url).isEmpty)
        #expect(BrowserLauncher(environment: [:]).commands(for: url).isEmpty)
        #expect(BrowserLauncher(environment: [:]).open(url) == .headless)
        #expect(BrowserLauncher(environment: ["SSH_CLIENT": "1 2 3"]).open(url) == .remoteSession)
        // Even an explicit browser never gets a URL outside the policy, and nothing goes through a shell.
        #expect(BrowserLauncher(environment: ["BROWSER": "/bin/echo"]).open("javascript:alert(1)") != .opened("/bin/echo"))
        #expect(BrowserLauncher(environment: ["BROWSER": "no-such-browser-xyz"]).open(url) == .failed("$BROWSER names no-such-browser-xyz, which is not on PATH"))
    }
}
