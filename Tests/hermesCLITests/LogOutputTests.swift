import Testing
@testable import hermes

/// Library log lines reach the terminal through one handler: a server's words quoted in one (a
/// keepalive's JSON-RPC error, say) cannot drive the terminal from there.
@Suite struct LogOutputTests {
    @Test func serverWordsInALogLineAreShownNotObeyed() {
        let line = CLILogHandler.text(.warning, "'h' did not answer its keepalive (Invalid Request: \u{1B}]0;pwned\u{7}\u{202E}x)")
        #expect(line == #"  ⚠ 'h' did not answer its keepalive (Invalid Request: \u{1B}]0;pwned\u{7}\u{202E}x)"#, "\(line)")
        #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
    }

    @Test func eachLevelKeepsItsMark() {
        #expect(CLILogHandler.text(.error, "failed") == "  ✗ failed")
        #expect(CLILogHandler.text(.debug, "detail") == "  [debug] detail")
    }
}
