import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Entries and flags that cannot name a server are refused at once with the place and what is
/// expected, never tried as a connection; the other servers keep working.
@Suite(.timeLimit(.minutes(3))) struct ValidationCLITests {
    let dir = TemporaryDirectory("hermes-validate")
    var home: String { dir.path }

    func hermes(_ args: [String]) async throws -> (result: ProgramResult, seconds: Double) {
        let start = Date()
        let result = try await run(Build.product("hermes"), args, environment: Build.environment(home: home), timeout: 30)
        return (result, Date().timeIntervalSince(start))
    }

    /// A port that accepts connections and never answers: anything that connects would hang.
    func silentPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func contradictoryOrUnknownFlagsAreRefusedBeforeConnecting() async throws {
        let silent = try silentPort()
        defer { close(silent.fd) }
        let url = "http://127.0.0.1:\(silent.port)/mcp"
        let cases: [([String], String)] = [
            (["--url", url, "--command", "uvx"], "error: --url and --command exclude each other: give --url for an HTTP server or --command for a stdio one\n"),
            (["--url", url, "--auth", "bearer"], "error: --auth must be oauth or header, not 'bearer'\n"),
            (["--url", "ftp://127.0.0.1/mcp"], "error: --url must be an http:// or https:// URL, not 'ftp://127.0.0.1/mcp'\n"),
            (["--url", "127.0.0.1:\(silent.port)/mcp"], "error: --url must be an http:// or https:// URL, not '127.0.0.1:\(silent.port)/mcp'\n"),
            (["--url", url, "--preset", "codex"], "error: --preset replaces --url and --command: give only one of them\n"),
            (["--url", url, "--args", "x"], "error: --args is only for stdio servers (--command); an HTTP server takes none\n"),
            (["--url", url, "--connect-timeout", "0"], "error: --connect-timeout must be a positive number of seconds, not 0.0\n"),
        ]
        for (flags, expected) in cases {
            let (result, seconds) = try await hermes(["mcp", "add", "srv", "--yes"] + flags)
            #expect(result.status == 1, "\(flags): \(result.stdout)")
            #expect(result.stderr == expected, "\(flags)")
            #expect(!result.stdout.contains("Connecting"), "\(flags): \(result.stdout)")
            #expect(seconds < 5, "\(flags) took \(seconds)s")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    /// Found by a new user's trial: each was accepted and tried (for up to 7 s), or refused late.
    @Test func flagsTheTrialFoundAreRefusedBeforeConnecting() async throws {
        let silent = try silentPort()
        defer { close(silent.fd) }
        let url = "http://127.0.0.1:\(silent.port)/mcp"
        // `127.1` is 127.0.0.1 to the socket calls, but not a loopback address by URLPolicy (which
        // reads hosts as inet_pton does): plain http to it is refused for OAuth, and trying it
        // would reach only the silent port.
        let remote = "http://127.1:\(silent.port)/mcp"
        let cases: [(String, [String], String)] = [
            ("srv", ["--url", remote, "--auth", "oauth"], "error: --url cannot be used with --auth oauth: the url must use https (plain http is allowed for loopback only): \(remote)\n"),
            ("srv", ["--command", "ls", "--auth", "oauth"], "error: --auth is only for HTTP servers (--url); a stdio server (--command or --preset) has no login\n"),
            ("srv", ["--preset", "codex", "--auth", "header"], "error: --auth is only for HTTP servers (--url); a stdio server (--command or --preset) has no login\n"),
            ("", ["--command", "ls"], "error: the server name must not be empty: give a name such as 'linear' or 'time'\n"),
            ("  ", ["--command", "ls"], "error: the server name must not be empty: give a name such as 'linear' or 'time'\n"),
            ("srv", ["--command", ""], "error: --command must name the program to run (its arguments go after --args), not ''\n"),
            ("srv", ["--url", url, "--tools", "a", "--all-tools"], "error: --tools and --all-tools exclude each other: give --tools a,b to pick tools, or --all-tools for every one\n"),
            ("srv", ["--url", url, "--auth", "oauth", "--redirect-port", "99999"], "error: --redirect-port must be a port from 1 to 65535 (leave it out to let hermes pick one), not 99999\n"),
            ("srv", ["--url", url, "--auth", "oauth", "--redirect-port", "0"], "error: --redirect-port must be a port from 1 to 65535 (leave it out to let hermes pick one), not 0\n"),
            ("srv", ["--url", url, "--connect-timeout", "-3"], "error: --connect-timeout must be a positive number of seconds, not -3.0\n"),
            ("srv", ["--url", url, "--connect-timeout=-3"], "error: --connect-timeout must be a positive number of seconds, not -3.0\n"),
            ("srv", ["--url", url, "--auth", "oauth", "--timeout", "-1"], "error: --timeout must be a positive number of seconds, not -1.0\n"),
        ]
        for (name, flags, expected) in cases {
            let (result, seconds) = try await hermes(["mcp", "add", name, "--yes"] + flags)
            #expect(result.status == 1, "\(flags): \(result.stdout)")
            #expect(result.stderr == expected, "\(name) \(flags)")
            #expect(!result.stdout.contains("Connecting"), "\(flags): \(result.stdout)")
            #expect(seconds < 5, "\(flags) took \(seconds)s")
        }
        // A name a person cannot see whole is refused, its invisible part shown harmlessly.
        let (hidden, _) = try await hermes(["mcp", "add", "a\u{1B}[2Jb", "--yes", "--command", "ls"])
        #expect(hidden.status == 1)
        #expect(hidden.stderr.hasPrefix("error: the server name must not contain control or invisible characters: "), "\(hidden.stderr)")
        #expect(!hidden.stderr.contains("\u{1B}"), "\(hidden.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("config.yaml")))
    }

    /// Entries the trial found accepted and tried (or used as the wrong thing): refused with their line.
    @Test func entriesTheTrialFoundAreRefusedWithTheirLine() async throws {
        let silent = try silentPort()
        defer { close(silent.fd) }
        try dir.write("config.yaml", """
            mcp_servers:
              basic:
                url: http://127.0.0.1:\(silent.port)/mcp
                auth: basic
                connect_timeout: 3
              remote:
                url: http://127.1:\(silent.port)/mcp
                auth: OAuth
                connect_timeout: 3
              emptycmd:
                command: ""
              emptyurl:
                url: ''
              fine:
                url: http://127.0.0.1:\(silent.port)/mcp
                auth: none
                connect_timeout: 1
            """)
        let path = dir.file("config.yaml")
        let problems: [(String, Int, String)] = [
            ("basic", 4, "mcp_servers.basic.auth must be oauth, header or none, not the string 'basic'"),
            ("remote", 7, "mcp_servers.remote.url must be an https:// URL for auth: oauth (plain http is allowed on loopback only), not the string 'http://127.1…'"),
            ("emptycmd", 11, "mcp_servers.emptycmd.command must be the program to run, not the string ''"),
            ("emptyurl", 13, "mcp_servers.emptyurl.url must be an http:// or https:// URL, not the string ''"),
        ]
        for (name, line, text) in problems {
            let (result, seconds) = try await hermes(["mcp", "test", name])
            #expect(result.status == 1, "\(name): \(result.stdout)")
            #expect(result.stderr == "error: \(path):\(line): \(text)\n", "\(name)")
            #expect(seconds < 5, "\(name) took \(seconds)s")
        }
        // `auth: none` is a value hermes-agent's files hold: not a problem.
        let config = try ConfigFile.load(home: HermesHome(path: home))
        #expect(config.problem(forServer: "fine") == nil)
        #expect(config.serverProblems.count == problems.count)
    }

    static func config(python: String, silentURL: String) -> String {
        """
        mcp_servers:
          good:
            command: \(python)
            args: [\(Peers.script("plain_stdio_server.py"))]
          numurl:
            url: 42
          listcmd:
            command: [uvx, mcp-server-time]
          stringy: "uvx mcp-server-time"
          listy: [uvx, mcp-server-time]
          strargs:
            command: uvx
            args: mcp-server-time --local-timezone UTC
          envlist:
            command: uvx
            env: [TZ=UTC]
          headerstr:
            url: \(silentURL)
            headers: "Authorization: Bearer x"
          badenabled:
            command: uvx
            enabled: maybe
          badtimeout:
            url: \(silentURL)
            connect_timeout: soon
          ftp:
            url: ftp://127.0.0.1/mcp
        """
    }

    /// name → (line, expected text) of the problem each entry has.
    static let problems: [(String, Int, String)] = [
        ("numurl", 6, "mcp_servers.numurl.url must be an http:// or https:// URL, not the number '42'"),
        ("listcmd", 8, "mcp_servers.listcmd.command must be a string (the program; its arguments go in args:), not a list"),
        ("stringy", 9, "mcp_servers.stringy must be a mapping of settings (url: … or command: …), not the string 'uvx mcp-serv…'"),
        ("listy", 10, "mcp_servers.listy must be a mapping of settings (url: … or command: …), not a list"),
        ("strargs", 13, "mcp_servers.strargs.args must be a list of strings, not the string 'mcp-server-t…'"),
        ("envlist", 16, "mcp_servers.envlist.env must be a mapping of names to strings, not a list"),
        ("headerstr", 19, "mcp_servers.headerstr.headers must be a mapping of names to strings, not the string 'Authorizatio…'"),
        ("badenabled", 22, "mcp_servers.badenabled.enabled must be true or false, not the string 'maybe'"),
        ("badtimeout", 25, "mcp_servers.badtimeout.connect_timeout must be a positive number of seconds, not the string 'soon'"),
        ("ftp", 27, "mcp_servers.ftp.url must be an http:// or https:// URL, not the string 'ftp://127.0.…'"),
    ]

    @Test func brokenEntriesAreRefusedWithTheirLine() async throws {
        let silent = try silentPort()
        defer { close(silent.fd) }
        try dir.write("config.yaml", Self.config(python: try Peers.python, silentURL: "http://127.0.0.1:\(silent.port)/mcp"))
        let path = dir.file("config.yaml")
        for (name, line, text) in Self.problems {
            for command in [["test", name], ["call", name, "echo"], ["login", name]] {
                let (result, seconds) = try await hermes(["mcp"] + command)
                #expect(result.status == 1, "\(command): \(result.stdout)")
                #expect(result.stderr == "error: \(path):\(line): \(text)\n", "\(command)")
                #expect(seconds < 5, "\(command) took \(seconds)s")
            }
        }
        // The good one still works.
        let good = try await hermes(["mcp", "test", "good"])
        #expect(good.result.status == 0, "\(good.result.stdout)\n\(good.result.stderr)")

        // list shows every server and marks the broken ones, saying why.
        let (list, _) = try await hermes(["mcp", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  good ") && $0.hasSuffix("✓ enabled") })
        for (name, line, text) in Self.problems {
            #expect(lines.contains { $0.hasPrefix("  \(name) ") && $0.hasSuffix("✗ invalid") }, "\(name)\n\(list.stdout)")
            #expect(lines.contains("  ✗ \(path):\(line): \(text)"), "\(name)\n\(list.stdout)")
        }
        let (json, _) = try await hermes(["mcp", "list", "--json"])
        #expect(json.stdout.contains("\"problem\""))

        // The runtime and the manager see only the good one, and say why the others are skipped.
        let config = try ConfigFile.load(home: HermesHome(path: home))
        #expect(config.servers(environment: [:]).map(\.name) == ["good"])
        #expect(config.serverProblems.count == Self.problems.count)
    }
}
