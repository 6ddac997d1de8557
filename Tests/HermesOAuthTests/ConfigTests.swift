import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

@Suite struct InterpolationTests {
    let env = ["TOKEN": "t0k3n", "EMPTY": "", "HOST": "mcp.example.com"]

    @Test(arguments: [
        ("Bearer ${TOKEN}", "Bearer t0k3n"),
        ("Bearer ${env:TOKEN}", "Bearer t0k3n"),
        ("https://${HOST}/mcp?k=${TOKEN}", "https://mcp.example.com/mcp?k=t0k3n"),
        ("${MISSING}", "${MISSING}"),
        ("x${EMPTY}y", "xy"),
        ("${A:-x}", "${A:-x}"),
        ("no refs", "no refs"),
        ("open ${TOKEN", "open ${TOKEN"),
        ("${}", "${}"),
        ("$TOKEN", "$TOKEN"),
        ("${TOKEN}${TOKEN}", "t0k3nt0k3n"),
    ])
    func strings(input: String, expected: String) {
        #expect(Interpolation.expand(input, environment: env) == expected)
    }

    @Test func recursesIntoMapsAndListsButNotKeysOrNonStrings() throws {
        let config = try ConfigFile(path: "/x", text: """
            mcp_servers:
              s:
                headers: {"${TOKEN}": "Bearer ${TOKEN}"}
                args: ["--key", "${TOKEN}", 42]
                timeout: 42
                enabled: true
                nested: {deeper: [{v: "${HOST}"}]}
                nothing: null
            """)
        let server = try #require(config.server(named: "s", environment: env))
        #expect(server.headers == ["${TOKEN}": "Bearer t0k3n"])
        #expect(server.args == ["--key", "t0k3n", "42"])
        #expect(server.raw["timeout"] == .scalar("42"))
        #expect(server.raw["enabled"] == .scalar("true"))
        #expect(server.raw["nested"]?["deeper"]?.items?.first?["v"] == .string("mcp.example.com"))
        #expect(server.raw["nothing"] == .null)
        // The stored entry is never expanded: secrets are not written back.
        #expect(config.rawServer(named: "s")?["headers"]?["${TOKEN}"] == .string("Bearer ${TOKEN}"))
    }
}

@Suite struct DotEnvTests {
    @Test func parsesThePythonDotenvForms() {
        let text = """
            # a comment
            PLAIN=value
            export EXPORTED=yes
              SPACED = padded value  
            SINGLE='literal ${PLAIN} \\n'
            DOUBLE="line1\\nline2 \\"quoted\\" ${PLAIN}"
            INLINE=abc # comment after
            HASHED=abc#not-a-comment
            EMPTY=
            QUOTED_HASH="a # b"
            MULTI="first
            second"
            REF=${PLAIN}-${UNSET:-fallback}-${FROM_ENV}
            not an assignment
            1BAD=x
            LAST=end
            """
        let entries = DotEnv.parse(text, environment: ["FROM_ENV": "env"])
        let map = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        #expect(map["PLAIN"] == "value")
        #expect(map["EXPORTED"] == "yes")
        #expect(map["SPACED"] == "padded value")
        #expect(map["SINGLE"] == "literal ${PLAIN} \\n")
        #expect(map["DOUBLE"] == "line1\nline2 \"quoted\" value")
        #expect(map["INLINE"] == "abc")
        #expect(map["HASHED"] == "abc#not-a-comment")
        #expect(map["EMPTY"] == "")
        #expect(map["QUOTED_HASH"] == "a # b")
        #expect(map["MULTI"] == "first\nsecond")
        #expect(map["REF"] == "value-fallback-env")
        #expect(map["1BAD"] == nil)
        #expect(map["LAST"] == "end")
        #expect(entries.count == 12)
    }

    @Test func crlfAndBlankLines() {
        let entries = DotEnv.parse("A=1\r\n\r\n\r\nB=\"2\"\r\n")
        #expect(entries == [.init(key: "A", value: "1"), .init(key: "B", value: "2")])
    }

    @Test func dotEnvWinsOverTheEnvironment() throws {
        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path)
        try dir.write(".env", "MCP_X_API_KEY=from-dotenv\nONLY_FILE=1\n")
        let merged = ServerCatalogue.environment(home: home, base: ["MCP_X_API_KEY": "from-shell", "SHELL_ONLY": "s"])
        #expect(merged["MCP_X_API_KEY"] == "from-dotenv")
        #expect(merged["ONLY_FILE"] == "1")
        #expect(merged["SHELL_ONLY"] == "s")
        #expect(ServerCatalogue.environment(home: HermesHome(path: dir.file("none")), base: ["A": "b"]) == ["A": "b"])
    }
}

@Suite struct BoolishTests {
    @Test func referenceValues() {
        for t in ["true", "TRUE", "1", "yes", "On", " on "] { #expect(Boolish.parse(t) == true) }
        for f in ["false", "0", "no", "OFF"] { #expect(Boolish.parse(f) == false) }
        for x in ["maybe", "", "2"] { #expect(Boolish.parse(x) == nil) }
    }
}

@Suite struct ConfigFileTests {
    let dir = TemporaryDirectory()

    static let everyKey = """
        model: anthropic/claude
        mcp_servers:
          notion:
            url: "https://mcp.notion.com/mcp"
            auth: " OAuth "
            headers: {X-Trace: "1"}
            timeout: 180
            connect_timeout: 15
            ssl_verify: false
            oauth:
              client_id: cid
              client_secret: "${NOTION_SECRET}"
              scope: "read write"
              redirect_port: 43111
              client_name: My Client
              timeout: 120
              redirect_host: localhost
              authorization_params: {access_type: offline}
            tools:
              include: [search, fetch]
              resources: "no"
              prompts: off
            sampling: {enabled: true}
            supports_parallel_tool_calls: true
            keepalive_interval: 60
          local:
            command: npx
            args: [-y, "@modelcontextprotocol/server-filesystem", /tmp]
            env: {DEBUG: "1"}
            enabled: "no"
            tools: {exclude: write_file}
          both:
            url: http://127.0.0.1:9/mcp
            command: ignored
            transport: sse
        display: {theme: dark}
        """

    @Test func everyReferenceKeyIsTyped() throws {
        let config = try ConfigFile(path: "/x", text: Self.everyKey)
        #expect(config.serverNames == ["notion", "local", "both"])
        let notion = try #require(config.server(named: "notion", environment: ["NOTION_SECRET": "s3"]))
        #expect(notion.transport == .http(url: "https://mcp.notion.com/mcp"))
        #expect(notion.usesOAuth)
        #expect(notion.headers == ["X-Trace": "1"])
        #expect(notion.timeout == 180 && notion.connectTimeout == 15)
        #expect(!notion.sslVerify && notion.enabled)
        #expect(notion.oauth.clientID == "cid" && notion.oauth.clientSecret == "s3")
        #expect(notion.oauth.scope == "read write" && notion.oauth.redirectPort == 43111)
        #expect(notion.oauth.clientName == "My Client" && notion.oauth.timeout == 120)
        #expect(notion.oauth.redirectHost == "localhost")
        #expect(notion.oauth.authorizationParameters == ["access_type": "offline"])
        #expect(notion.tools.include == ["search", "fetch"] && !notion.tools.resources && !notion.tools.prompts)
        #expect(notion.tools.allows("search") && !notion.tools.allows("other"))

        let local = try #require(config.server(named: "local", environment: [:]))
        #expect(local.transport == .stdio(command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]))
        #expect(local.env == ["DEBUG": "1"])
        #expect(!local.enabled)
        #expect(local.tools.exclude == ["write_file"] && !local.tools.allows("write_file") && local.tools.allows("read"))
        #expect(local.timeout == 300 && local.connectTimeout == 60 && local.oauth.clientName == "Hermes Agent")

        let both = try #require(config.server(named: "both", environment: [:]))
        #expect(both.transport == .sse(url: "http://127.0.0.1:9/mcp") && both.hasBothURLAndCommand)
    }

    @Test func rewritingKeepsOrderAndUnknownKeys() throws {
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", Self.everyKey)
        try ConfigFile.update(home: home) { file in
            try file.setServer(named: "added", .map([ConfigPair(key: "url", value: .string("http://127.0.0.1:1/mcp"))]))
            #expect(try file.removeServer(named: "local"))
            #expect(try !file.removeServer(named: "absent"))
        }
        let reread = try ConfigFile.load(home: home)
        #expect(reread.serverNames == ["notion", "both", "added"])
        let text = try String(contentsOfFile: home.configPath, encoding: .utf8)
        for key in ["model: anthropic/claude", "display:", "theme: dark", "keepalive_interval: 60", "sampling:",
                    "supports_parallel_tool_calls: true", "${NOTION_SECRET}", "access_type: offline"] {
            #expect(text.contains(key), "lost \(key)")
        }
        #expect(text.firstRange(of: "model:")!.lowerBound < text.firstRange(of: "mcp_servers:")!.lowerBound)
        #expect(text.firstRange(of: "mcp_servers:")!.lowerBound < text.firstRange(of: "display:")!.lowerBound)
        #expect(mode(home.configPath) == 0o600)
    }

    @Test func removingTheLastServerDropsTheKey() throws {
        var config = try ConfigFile(path: dir.file("config.yaml"), text: "a: 1\nmcp_servers:\n  only: {url: x}\n")
        try config.removeServer(named: "only")
        let text = try config.serialized()
        #expect(!text.contains("mcp_servers"))
        #expect(text.contains("a: 1"))
    }

    @Test(arguments: [
        ("mcp_servers:\n  a: {url: x\n", 3),
        ("mcp_servers:\n  a:\n    url: x\n   bad indent: y\n", 4),
        ("key: \"unterminated\n", 2),
        ("mcp_servers:\n  a: 1\n  a: 2\n", 2),
    ])
    func malformedYAMLIsReportedWithAPositionAndNeverOverwritten(text: String, line: Int) throws {
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", text)
        #expect {
            try ConfigFile.load(home: home)
        } throws: { error in
            guard case ConfigError.malformed(let path, let l, let c, _) = error else { return false }
            return path == home.configPath && l == line && c != nil && "\(error)".contains(":\(line):")
        }
        #expect(throws: ConfigError.self) {
            try ConfigFile.update(home: home) { try $0.removeServer(named: "a") }
        }
        #expect(try String(contentsOfFile: home.configPath, encoding: .utf8) == text)
    }

    @Test func aTopLevelThatIsNotAMappingIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigFile(path: "/x", text: "- a\n- b\n") }
        #expect(throws: Never.self) { try ConfigFile(path: "/x", text: "# only a comment\n") }
    }

    @Test func serversThatAreNotAMappingReadAsNoneAndRefuseEdits() throws {
        var config = try ConfigFile(path: "/x", text: "mcp_servers: [a, b]\n")
        #expect(config.serverNames.isEmpty)
        #expect(throws: ConfigError.self) { try config.setServer(named: "a", .null) }
        #expect(throws: ConfigError.self) { try config.removeServer(named: "a") }
        let empty = try ConfigFile(path: "/x", text: "mcp_servers:\n")
        #expect(empty.serverNames.isEmpty)
    }

    @Test func aSymlinkedConfigIsWrittenThroughAndKeepsItsMode() throws {
        try dir.write("dotfiles/hermes.yaml", "mcp_servers:\n  a: {url: x}\n  b: {url: y}\n", mode: 0o644)
        try FileManager.default.createDirectory(atPath: dir.file("home"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("home/config.yaml"), withDestinationPath: "../dotfiles/hermes.yaml")
        let home = HermesHome(path: dir.file("home"))
        try ConfigFile.update(home: home) { try $0.removeServer(named: "a") }
        #expect(isSymlink(home.configPath))
        #expect(try ConfigFile.load(home: home).serverNames == ["b"])
        #expect(mode(dir.file("dotfiles/hermes.yaml")) == 0o644)
    }

    @Test func homeResolution() {
        #expect(HermesHome.resolve(environment: ["HERMES_HOME": "  /srv/h  ", "HOME": "/home/u"]).path == "/srv/h")
        #expect(HermesHome.resolve(environment: ["HERMES_HOME": "   ", "HOME": "/home/u"]).path == "/home/u/.hermes")
        #expect(HermesHome.resolve(environment: ["HOME": "/home/u"]).path == "/home/u/.hermes")
        #expect(HermesHome(path: "/home/u/.hermes").display(environment: ["HOME": "/home/u"]) == "~/.hermes")
        #expect(HermesHome(path: "/srv/h").display(environment: ["HOME": "/home/u"]) == "/srv/h")
    }
}

@Suite struct DurationBoundsTests {
    /// Durations from a hand-edited config are bounded before any arithmetic: huge, infinite,
    /// negative or non-numeric values cannot crash a conversion later.
    @Test(arguments: [("30", 30.0), ("1e300", 86_400.0), (".inf", 60.0), ("-5", 60.0), ("soon", 60.0), ("0", 60.0)])
    func connectTimeoutIsBounded(text: String, expected: Double) throws {
        let file = try ConfigFile(path: "/x", text: "mcp_servers:\n  s:\n    url: http://127.0.0.1:9/mcp\n    connect_timeout: \(text)\n")
        #expect(file.server(named: "s", environment: [:])?.connectTimeout == expected)
    }

    @Test func absurdTokenLifetimesAreClampedNotTrapped() throws {
        for json in [#"{"access_token":"a","token_type":"Bearer","expires_at":1e300}"#,
                     #"{"access_token":"a","token_type":"Bearer","expires_in":1e308}"#,
                     #"{"access_token":"a","token_type":"Bearer","expires_in":-1e308}"#] {
            let tokens = try OAuthTokens(json: try JSONObject.decode(Data(json.utf8)), issuedAt: 1_700_000_000)
            let left = try #require(tokens.expiresIn(now: 1_700_000_000))
            #expect(left >= 0)
            _ = JSONObject.encode(tokens.json(now: 1_700_000_000))
        }
    }
}

/// `lifecycle:` keys: an unknown one is named as unknown; one also set at the top level with
/// another value is refused (the top one would win without the writer knowing).
@Suite struct LifecycleKeyTests {
    func problem(_ entry: String) throws -> String? {
        let file = try ConfigFile(path: "/h/config.yaml", text: "mcp_servers:\n  x:\n    command: echo\n" + entry)
        return file.problem(forServer: "x").map { "\($0)" }
    }

    @Test func anUnknownKeyIsNamedAsSuch() throws {
        let text = try #require(try problem("    lifecycle: {idle_timeout_secs: 5}\n"))
        #expect(text.contains("one of the keys keepalive_interval, idle_timeout_seconds, max_lifetime_seconds"), "\(text)")
    }

    @Test func aKeySetTwiceDifferentlyIsRefused() throws {
        let text = try #require(try problem("    idle_timeout_seconds: 5\n    lifecycle: {idle_timeout_seconds: 60}\n"))
        #expect(text.contains("also under lifecycle:"), "\(text)")
        #expect(try problem("    idle_timeout_seconds: 5\n    lifecycle: {idle_timeout_seconds: 5}\n") == nil)
    }
}
