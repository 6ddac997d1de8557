import Foundation
import HermesTestSupport
import Testing

/// The whole of MCP's form schema at the terminal (era_tools' `profile`: bounds, formats, titled
/// and legacy enums, multi-select), the review before sending, and URL mode's answer and warning
/// (`visit`), against the official SDK's server in both lifecycles; and a page a 2025-11-25 server
/// asks for by error (`gated`).
@Suite(.timeLimit(.minutes(3))) struct ElicitationFormCLITests {
    let dir = TemporaryDirectory("hermes-elicit-form")

    func onTerminal(_ peer: EraPeer, _ args: String, _ steps: [[String: String]], extra: [String: String] = [:]) async throws -> ProgramResult {
        try dir.write("config.yaml", "mcp_servers:\n  e:\n    url: \(peer.url)\n    connect_timeout: 20\n")
        let script = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        let command = "\(Build.product("hermes")) mcp call \(args)"
        return try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command],
                             environment: Build.environment(home: dir.path, extra: extra))
    }

    func expect(_ text: String) -> [String: String] { ["expect": text] }
    func type(_ text: String) -> [String: String] { ["send": text + "\r"] }

    @Test(arguments: ["dual", "stateful"])
    func everyKindOfFieldIsAskedCheckedReviewedAndSent(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let result = try await onTerminal(peer, "e profile", [
            expect("'e' asks: Tell us about yourself."),
            expect("Age (integer 18 to 130): "), type("12"), expect("At least 18."), type("30"),
            expect("3. Blue"), expect("Color (1-3 or a name): "), type("Green"),
            expect("Email (email address): "), type("nope"), expect("Not a valid email address."), type("ann@example.com"),
            expect("Name (string, 2 to 10 characters): "), type("Ann"),
            expect("2. Medium"), expect("Size (1-3 or a name): "), type("2"),
            expect("Tags (numbers or names, comma-separated, 1 to 2 of them): "), type("1,2,3"), expect("Choose at most 2."), type("red, 3"),
            expect("Born (date YYYY-MM-DD, optional): "), type("2026-02-30"), expect("Not a valid date YYYY-MM-DD."), type(""),
            expect("Pets (numbers or names, comma-separated, optional): "), type("Dog"),
            expect("Site (address like https://…, optional): "), type(""),
            expect("Your answers:"), expect("2. Color: Green"), expect("7. Born: (none)"),
            expect("Send? [Y/n/e(dit)]: "), type("e"), expect("Change which? (1-9, a for all): "), type("4"), type("Bea"),
            expect("4. Name: Bea"), type(""),
            expect("profile accept"),
        ])
        #expect(result.status == 0, "\(result.stdout)")
        let sent = ##"profile accept {\"age\": 30, \"color\": \"#0f0\", \"email\": \"ann@example.com\", \"name\": \"Bea\", \"pets\": [\"d\"], \"size\": \"m\", \"tags\": [\"red\", \"blue\"]}"##
        #expect(result.stdout.contains(sent), "\(result.stdout)")
    }

    @Test func noAtTheReviewDeclines() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        let result = try await onTerminal(peer, "e profile", [
            expect("Age ("), type("30"), expect("Color ("), type("1"), expect("Email ("), type("a@b.co"), expect("Name ("), type("Al"),
            expect("Size ("), type("s"), expect("Tags ("), type("green"), expect("Born ("), type(""), expect("Pets ("), type(""),
            expect("Site ("), type("https://example.com"), expect("9. Site: https://example.com"), expect("Send? [Y/n/e(dit)]: "), type("n"),
            expect("profile decline"),
        ])
        #expect(result.stdout.contains(#"{"result": "profile decline null"}"#), "\(result.stdout)")
    }

    @Test(arguments: ["dual", "stateful"])
    func aURLIsAcceptedWithoutContent(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        let opened = dir.path + "/opened"
        try dir.write("browser.sh", "#!/bin/sh\necho \"$1\" >> '\(opened)'\n")
        chmod(dir.path + "/browser.sh", 0o755)
        let result = try await onTerminal(peer, "e visit", [
            expect("Open it? [Y/n]: "), type(""), expect("Done on that page? [Y/n]: "), type(""), expect("visit accept"),
        ], extra: ["BROWSER": dir.path + "/browser.sh"])
        #expect(result.stdout.contains(#"{"result": "visit accept, content absent"}"#), "\(result.stdout)")
        #expect(!result.stdout.contains("internationalized"), "\(result.stdout)")
    }

    @Test func aPunycodeHostIsWarnedAbout() async throws {
        let peer = try await EraPeer(mode: "dual")
        defer { peer.stop() }
        let result = try await onTerminal(peer, #"e visit '{"url":"https://xn--exmple-4nf.com/login"}'"#, [
            expect("Warning: that is an internationalized (IDN/punycode) name"), expect("Open it? [Y/n]: "), type("n"), expect("visit decline"),
        ])
        #expect(result.stdout.contains("https://xn--exmple-4nf.com/login"), "\(result.stdout)")
        #expect(result.stdout.contains(#"{"result": "visit decline, content absent"}"#), "\(result.stdout)")
    }

    /// 2025-11-25's -32042: the page goes through the same question as a URL elicitation, then the call again.
    @Test func aPageAskedByErrorIsOpenedAndTheCallRetried() async throws {
        let peer = try await EraPeer(mode: "stateful")
        defer { peer.stop() }
        let opened = dir.path + "/opened"
        try dir.write("browser.sh", "#!/bin/sh\necho \"$1\" >> '\(opened)'\n")
        chmod(dir.path + "/browser.sh", 0o755)
        let result = try await onTerminal(peer, #"e gated '{"key":"k"}'"#, [
            expect("'e' asks: Connect page 1."), expect("Open it? [Y/n]: "), type(""), expect("Done on that page? [Y/n]: "), type(""),
            expect("gated k open"),
        ], extra: ["BROWSER": dir.path + "/browser.sh"])
        #expect(result.stdout.contains(#"{"result": "gated k open"}"#), "\(result.stdout)")
        #expect((try? String(contentsOfFile: opened, encoding: .utf8)) == "https://example.com/connect/1\n")
    }
}
