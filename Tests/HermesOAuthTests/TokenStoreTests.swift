import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

func mode(_ path: String) -> Int {
    var st = stat()
    guard lstat(path, &st) == 0 else { return -1 }
    return Int(st.st_mode & 0o7777)
}

func isSymlink(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
}

func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

@Suite struct TokenStoreTests {
    let dir = TemporaryDirectory()
    var home: HermesHome { HermesHome(path: dir.path + "/home") }

    @Test func tokensRoundTripWithPrivateModes() throws {
        let store = TokenStore(home: home, serverName: "linear")
        #expect(store.tokens() == nil)
        if case .missing = store.readTokens() {} else { Issue.record("expected .missing") }
        let now = 1_800_000_000.0
        let tokens = OAuthTokens(accessToken: "at-123", tokenType: "bearer", refreshToken: "rt-456",
                                 scope: "read write", expiresAt: now + 3600, lifetime: 3600, extra: ["id_token": .string("idt")])
        try store.save(tokens: tokens, now: now)
        #expect(store.tokensPath == home.path + "/mcp-tokens/linear.json")
        #expect(mode(store.tokensPath) == 0o600)
        #expect(mode(home.tokenDirectory) == 0o700)
        let loaded = try #require(store.readTokens().value)
        #expect(loaded == tokens)
        #expect(loaded.tokenType == "Bearer")

        let object = try JSONObject.decode(try #require(bytes(store.tokensPath)))
        #expect(object["access_token"] == .string("at-123"))
        #expect(object["expires_at"]?.number == now + 3600)
        #expect(object["expires_in"] == .int(3600))
        #expect(object["id_token"] == .string("idt"))
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.tokenDirectory) == ["linear.json"])
    }

    @Test func aLooseTokenDirectoryIsTightened() throws {
        try FileManager.default.createDirectory(atPath: home.tokenDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try TokenStore(home: home, serverName: "s").save(tokens: OAuthTokens(accessToken: "a"))
        #expect(mode(home.tokenDirectory) == 0o700)
    }

    @Test func aSymlinkPlantedAtTheTokenPathIsNotFollowed() throws {
        let store = TokenStore(home: home, serverName: "victim")
        try store.prepareDirectory()
        let outside = dir.file("outside.txt")
        try dir.write("outside.txt", "precious", mode: 0o644)
        try FileManager.default.createSymbolicLink(atPath: store.tokensPath, withDestinationPath: outside)

        // Reading does not follow it.
        if case .corrupt(_, let reason) = store.readTokens() {
            #expect(reason.contains("symbolic link"))
        } else {
            Issue.record("a symlinked token file must not be read through")
        }
        // Writing replaces the link itself; the target is untouched.
        try store.save(tokens: OAuthTokens(accessToken: "fresh"))
        #expect(String(decoding: try #require(bytes(outside)), as: UTF8.self) == "precious")
        #expect(mode(outside) == 0o644)
        #expect(!isSymlink(store.tokensPath))
        #expect(mode(store.tokensPath) == 0o600)
        #expect(store.tokens()?.accessToken == "fresh")
    }

    @Test func aSymlinkedTokenDirectoryIsRefused() throws {
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: home.tokenDirectory, withDestinationPath: dir.file("elsewhere"))
        #expect(throws: StorageError.self) {
            try TokenStore(home: home, serverName: "s").save(tokens: OAuthTokens(accessToken: "a"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("elsewhere")).isEmpty)
    }

    @Test(arguments: [
        ("", "empty"),
        ("{\"access_token\": \"abc\", \"token_ty", "truncated"),
        ("not json at all", "not valid JSON"),
        ("[1, 2]", "not an object"),
        ("{\"token_type\": \"Bearer\"}", "no access_token"),
        ("{\"access_token\": \"\", \"token_type\": \"Bearer\"}", "no access_token"),
    ])
    func corruptFilesReadAsNoTokensAndAreLeftAlone(content: String, reason: String) throws {
        let store = TokenStore(home: home, serverName: "broken")
        try store.prepareDirectory()
        try Data(content.utf8).write(to: URL(fileURLWithPath: store.tokensPath))
        let before = bytes(store.tokensPath)
        guard case .corrupt(let path, let why) = store.readTokens() else {
            Issue.record("expected corrupt for \(content)")
            return
        }
        #expect(path == store.tokensPath)
        #expect(why.contains(reason), "\(why)")
        #expect(store.tokens() == nil)
        #expect(bytes(store.tokensPath) == before)
    }

    @Test func anOversizedFileIsNotRead() throws {
        let store = TokenStore(home: home, serverName: "huge")
        try store.prepareDirectory()
        try Data(repeating: 0x20, count: 2 << 20).write(to: URL(fileURLWithPath: store.tokensPath))
        guard case .corrupt(_, let why) = store.readTokens() else { Issue.record("expected corrupt"); return }
        #expect(why.contains("larger"))
    }

    /// Files exactly as hermes-agent 0.19.0 writes them (json.dumps(indent=2), pydantic dumps).
    @Test func hermesAgentFilesLoad() throws {
        let tokenDir = home.tokenDirectory
        try dir.write("home/mcp-tokens/betterstack.json", """
            {
              "access_token": "bs-access-0123456789",
              "token_type": "bearer",
              "expires_in": 3599,
              "scope": "mcp:read mcp:write",
              "refresh_token": "bs-refresh-9876543210",
              "expires_at": 1893456000.123456
            }
            """)
        try dir.write("home/mcp-tokens/betterstack.client.json", """
            {
              "redirect_uris": [
                "http://127.0.0.1:41977/callback"
              ],
              "token_endpoint_auth_method": "none",
              "grant_types": [
                "authorization_code",
                "refresh_token"
              ],
              "response_types": [
                "code"
              ],
              "client_name": "Hermes Agent",
              "client_id": "c-123",
              "client_id_issued_at": 1763000000
            }
            """)
        try dir.write("home/mcp-tokens/betterstack.meta.json", """
            {
              "issuer": "https://betterstack.com/",
              "authorization_endpoint": "https://betterstack.com/oauth/authorize",
              "token_endpoint": "https://betterstack.com/oauth/token",
              "registration_endpoint": "https://betterstack.com/oauth/register",
              "scopes_supported": ["mcp:read", "mcp:write"],
              "response_types_supported": ["code"],
              "grant_types_supported": ["authorization_code", "refresh_token"],
              "code_challenge_methods_supported": ["S256"]
            }
            """)
        let store = TokenStore(home: home, serverName: "betterstack")
        let tokens = try #require(store.readTokens().value)
        #expect(tokens.accessToken == "bs-access-0123456789")
        #expect(tokens.tokenType == "Bearer")
        #expect(tokens.refreshToken == "bs-refresh-9876543210")
        #expect(tokens.scope == "mcp:read mcp:write")
        #expect(tokens.expiresAt == 1893456000.123456)

        let client = try #require(store.readClient().value)
        #expect(client.clientID == "c-123")
        #expect(client.redirectURIs == ["http://127.0.0.1:41977/callback"])
        #expect(client.tokenEndpointAuthMethod == "none")

        let meta = try #require(store.readMetadata().value)
        #expect(meta.issuer == "https://betterstack.com/")
        #expect(meta.tokenEndpoint == "https://betterstack.com/oauth/token")
        #expect(meta.codeChallengeMethodsSupported == ["S256"])

        // Rewriting keeps every key the reference wrote.
        try store.save(client: client)
        try store.save(metadata: meta)
        let rewritten = try JSONObject.decode(try #require(bytes(store.clientPath)))
        #expect(rewritten["client_id_issued_at"] == .int(1763000000))
        #expect(rewritten["grant_types"]?.stringArray == ["authorization_code", "refresh_token"])
        #expect(try JSONObject.decode(try #require(bytes(store.metadataPath)))["response_types_supported"] != nil)
        _ = tokenDir
    }

    @Test func legacyTokensWithoutExpiresAtExpireRelativeToTheFileTime() throws {
        try dir.write("home/mcp-tokens/old.json", #"{"access_token": "a", "token_type": "Bearer", "expires_in": 600}"#)
        let path = home.tokenDirectory + "/old.json"
        let written = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: path)
        let tokens = try #require(TokenStore(home: home, serverName: "old").readTokens().value)
        #expect(abs((tokens.expiresAt ?? 0) - 1_700_000_600) < 1)
        #expect(tokens.isExpired(now: 1_700_000_601))
        #expect(!tokens.isExpired(now: 1_700_000_500))
        // Its lifetime is the file's expires_in, so the refresh margin is the full minute.
        #expect(tokens.lifetime == 600)
        #expect(tokens.needsRefresh(now: 1_700_000_550) && !tokens.needsRefresh(now: 1_700_000_500))
    }

    @Test func filesThisProjectWritesHaveTheReferenceKeys() throws {
        let store = TokenStore(home: home, serverName: "compat")
        try store.save(tokens: OAuthTokens(accessToken: "a", refreshToken: "r", scope: "s", expiresAt: 2_000_000_000),
                       now: 1_999_999_000)
        let object = try JSONObject.decode(try #require(bytes(store.tokensPath)))
        #expect(Set(object.keys) == ["access_token", "token_type", "refresh_token", "scope", "expires_in", "expires_at"])
        #expect(object["token_type"] == .string("Bearer"))
        #expect(object["expires_in"] == .int(1000))
    }

    @Test func aRegistrationIsOnlyUsedWithItsIssuer() throws {
        let store = TokenStore(home: home, serverName: "bound")
        try store.save(client: ClientRegistration(clientID: "cid", issuer: "https://as-one.example"))
        #expect(store.client(forIssuer: "https://as-one.example")?.clientID == "cid")
        #expect(store.client(forIssuer: "https://as-two.example") == nil)
        #expect(store.client(forIssuer: nil)?.clientID == "cid")

        // A hermes-agent registration carries no issuer: the stored metadata decides.
        let legacy = TokenStore(home: home, serverName: "legacy")
        try legacy.save(client: ClientRegistration(clientID: "old"))
        #expect(legacy.client(forIssuer: "https://any.example")?.clientID == "old")
        try legacy.save(metadata: try AuthorizationServerMetadata(json: [
            "issuer": .string("https://as-one.example"), "token_endpoint": .string("https://as-one.example/token"),
        ]))
        #expect(legacy.client(forIssuer: "https://as-one.example")?.clientID == "old")
        #expect(legacy.client(forIssuer: "https://as-two.example") == nil)
    }

    @Test func backupAndRemoval() throws {
        let store = TokenStore(home: home, serverName: "gone")
        try store.backupClient() // nothing to back up: no error, no file
        #expect(!FileManager.default.fileExists(atPath: store.clientBackupPath))
        try store.save(client: ClientRegistration(clientID: "first"))
        try store.backupClient()
        #expect(mode(store.clientBackupPath) == 0o600)
        try store.save(tokens: OAuthTokens(accessToken: "a"))
        let removed = try store.removeAll()
        #expect(Set(removed) == [store.tokensPath, store.clientPath])
        #expect(FileManager.default.fileExists(atPath: store.clientBackupPath))
        #expect(try store.removeAll().isEmpty)
        #expect(try store.removeAll(includingBackup: true) == [store.clientBackupPath])
    }

    @Test func maskingNeverRevealsAWholeToken() {
        #expect(Secret.mask("abcdefghijklmnopqrstuvwxyz") == "abcd…wxyz")
        #expect(Secret.mask("short") == "***")
        #expect(Secret.mask(nil) == "(none)")
        let tokens = OAuthTokens(accessToken: "SECRET-ACCESS-TOKEN-VALUE", refreshToken: "SECRET-REFRESH-TOKEN-VALUE")
        #expect(!"\(tokens)".contains("ACCESS-TOKEN") && !"\(tokens)".contains("REFRESH-TOKEN"))
    }

    /// Several processes rewrite the same token file while this one reads it: every read must
    /// parse, and no temporary file may be left behind.
    @Test func concurrentWritersNeverLeaveATornFile() async throws {
        let helper = Build.product("hermes-test-helper")
        let store = TokenStore(home: home, serverName: "contended")
        try store.save(tokens: OAuthTokens(accessToken: "seed"))
        let writers = 4, writes = 150
        let processes = try (0..<writers).map { i in
            try Child(helper, ["write-tokens", home.path, "contended", "\(writes)", "w\(i)"], stdout: .null)
        }
        var reads = 0, bad: [String] = []
        while processes.contains(where: \.isRunning) {
            switch store.readTokens() {
            case .value: reads += 1
            case .missing: bad.append("missing")
            case .corrupt(_, let reason): bad.append(reason)
            }
            await Task.yield()
        }
        for p in processes { await p.wait(); #expect(p.terminationStatus == 0) }
        #expect(bad.isEmpty, "torn reads: \(bad.prefix(3))")
        #expect(reads > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.tokenDirectory) == ["contended.json"])
        #expect(mode(store.tokensPath) == 0o600)
        #expect(store.tokens()?.accessToken.contains("-access-\(writes - 1)-") == true)
    }
}

@Suite struct JSONWriterTests {
    @Test func writesPythonStyleIndentedJSON() {
        let data = JSONObject.encode([
            "b": .array([]), "a": .string("q\"\\\n\u{1}é"), "c": .object([:]), "d": .double(1893456000),
            "e": .double(1893456000.123456), "f": .array([.int(1), .bool(false), .null]),
        ])
        #expect(String(decoding: data, as: UTF8.self) == """
            {
              "a": "q\\"\\\\\\n\\u0001é",
              "b": [],
              "c": {},
              "d": 1893456000.0,
              "e": 1893456000.123456,
              "f": [
                1,
                false,
                null
              ]
            }

            """)
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let object: [String: JSONValue] = ["s": .string("line\nbreak \u{2028} \u{7F}"), "n": .int(-5), "x": .double(0.5),
                                           "nested": .object(["k": .array([.string("v")])])]
        #expect(try JSONObject.decode(JSONObject.encode(object)) == object)
        #expect(JSONValue.object(["a": .int(1), "b": .array([])]).serialized() == #"{"a":1,"b":[]}"#)
    }
}
