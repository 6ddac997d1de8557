import Foundation
import HermesTestSupport
import Testing
@testable import HermesOAuthC

/// What the libraries write on a C host's stderr: one line per message, marked as hermes', with a
/// server's words cleaned (the host's stderr may be a terminal), and bounded.
@Suite struct HostLogTests {
    @Test func aMessageIsOneCleanBoundedLine() {
        let line = HostLogHandler.line(.warning, "'x' went away (\u{1B}]0;pwned\u{07}\u{1B}[2J\nsecond line)" + String(repeating: "a", count: 5000))
        #expect(line.hasPrefix("hermes: warning: 'x' went away ("))
        #expect(!line.contains("\u{1B}") && !line.contains("\n") && !line.contains("\u{07}"))
        #expect(line.count < 1100)
    }
}
