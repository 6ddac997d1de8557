import Testing
@testable import hermes

/// What a server's question may put on the terminal: bounded, every line of it marked as its own,
/// and the host of a URL as the address spells it.
@Suite struct ElicitationTextTests {
    @Test func aQuestionCannotPassForHermesOwnLines() {
        let shown = TerminalElicitation.quoted("Pick one\r\n  The page is on example.com:\nhttps://evil")
        let lines = shown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    | ") }, "\(lines)")
        #expect(!shown.contains("\r"))
    }

    @Test func aQuestionIsBounded() {
        let long = TerminalElicitation.quoted(String(repeating: "a", count: 5_000_000))
        #expect(long.count <= TerminalElicitation.maxMessage + 1)
        let tall = TerminalElicitation.quoted(Array(repeating: "x", count: 500).joined(separator: "\n"))
        #expect(tall.split(separator: "\n").count == TerminalElicitation.maxMessageLines + 1)
    }

    @Test func theHostIsShownAsTheAddressSpellsIt() {
        #expect(TerminalElicitation.spelledHost(of: "https://xn--pple-43d.com/x") == "xn--pple-43d.com")
        #expect(TerminalElicitation.spelledHost(of: "https://user:pw@example.com:8443/p?q#f") == "example.com")
        #expect(TerminalElicitation.spelledHost(of: "http://[::1]:9/x") == "[::1]")
        #expect(TerminalElicitation.spelledHost(of: "https://a.example@b.example/") == "b.example")
        #expect(TerminalElicitation.spelledHost(of: "no scheme") == nil)
    }
}
