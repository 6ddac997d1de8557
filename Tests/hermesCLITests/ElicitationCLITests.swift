import Foundation
import HermesTestSupport
import Testing

/// A server's questions and progress as a person at `hermes mcp call` meets them, against the
/// official SDK's server in both lifecycles: 2026-07-28 asks through `input_required`, the older
/// revisions with `elicitation/create`; hermes asks on the terminal the same way for both.
@Suite(.timeLimit(.minutes(3))) struct ElicitationCLITests {
    let dir = TemporaryDirectory("hermes-elicit")

    func configure(_ peer: EraPeer) throws {
        try dir.write("config.yaml", "mcp_servers:\n  e:\n    url: \(peer.url)\n    connect_timeout: 20\n")
    }

    /// `hermes mcp call ARGS` on a pseudo-terminal, played by `script` (pty_drive.py steps).
    func onTerminal(_ args: String, _ script: String, extra: [String: String] = [:]) async throws -> ProgramResult {
        let env = Build.environment(home: dir.path, extra: extra)
        let command = "\(Build.product("hermes")) mcp call \(args)"
        return try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command], environment: env)
    }

    @Test(arguments: ["dual", "stateful"])
    func aFormIsAskedFieldByFieldWithItsTypeAndDefault(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        try configure(peer)
        let script = """
            [{"expect": "'e' asks: How many copies?"}, {"expect": "Copies (integer, default 1): "}, {"send": "two\\r"},
             {"expect": "Not a valid integer"}, {"send": "2\\r"}, {"expect": "Send? [Y/n/e(dit)]: "}, {"send": "\\r"},
             {"expect": "Reserved 2 of 'Dune'."}]
            """
        let result = try await onTerminal("e reserve '{\"title\":\"Dune\"}'", script)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains(#"{"result": "Reserved 2 of 'Dune'."}"#), "\(result.stdout)")
    }

    @Test func anEmptyAnswerTakesTheDefaultAndNoDeclines() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        try configure(peer)
        let taken = try await onTerminal("e reserve '{\"title\":\"Dune\"}'", """
            [{"expect": "(integer, default 1): "}, {"send": "\\r"}, {"expect": "Send? [Y/n/e(dit)]: "}, {"send": "\\r"}, {"expect": "Reserved"}]
            """)
        #expect(taken.stdout.contains("Reserved 1 of 'Dune'."), "\(taken.stdout)")
        let declined = try await onTerminal("e reserve '{\"title\":\"Dune\"}'", """
            [{"expect": "(integer, default 1): "}, {"send": "3\\r"}, {"expect": "Send? [Y/n/e(dit)]: "}, {"send": "n\\r"}, {"expect": "Nothing reserved"}]
            """)
        #expect(declined.stdout.contains("Nothing reserved (decline)."), "\(declined.stdout)")
    }

    @Test(arguments: ["dual", "stateful"])
    func withoutATerminalTheQuestionIsDeclined(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        try configure(peer)
        let result = try await run(Build.product("hermes"), ["mcp", "call", "e", "reserve", #"{"title":"Dune"}"#],
                                   environment: Build.environment(home: dir.path))
        #expect(result.stdout.contains(#"{"result": "Nothing reserved (decline)."}"#), "\(result.stdout) \(result.stderr)")
    }

    @Test func aURLIsOpenedTheWayTheLoginURLIs() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        try configure(peer)
        // A browser that only writes down what it was given: the page is not on loopback.
        let opened = dir.path + "/opened"
        try dir.write("browser.sh", "#!/bin/sh\necho \"$1\" >> '\(opened)'\n")
        chmod(dir.path + "/browser.sh", 0o755)
        let result = try await onTerminal("e open_link", """
            [{"expect": "Please open the consent page."}, {"expect": "Open it? [Y/n]: "}, {"send": "\\r"},
             {"expect": "Done on that page? [Y/n]: "}, {"send": "\\r"}, {"expect": "link accept"}]
            """, extra: ["BROWSER": dir.path + "/browser.sh"])
        #expect(result.stdout.contains(#"{"result": "link accept"}"#), "\(result.stdout)")
        #expect((try? String(contentsOfFile: opened, encoding: .utf8)) == "https://example.com/consent\n")
    }

    @Test(arguments: ["dual", "stateful"])
    func progressShowsAsABarWhileTheToolRuns(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        try configure(peer)
        let result = try await onTerminal("e progress '{\"steps\":3,\"delay_ms\":400}'", """
            [{"expect": "2/3 step 2"}, {"expect": "done 3"}]
            """)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("[█████████████░░░░░░░] 2/3 step 2"), "\(result.stdout)")
    }
}
