import Foundation
import Testing
@testable import HermesOAuth

/// What a server said in an error body, as one bounded, clean line.
@Suite struct ServerErrorTextTests {
    func summary(_ text: String) -> String? { ServerErrorText.summary(Data(text.utf8)) }

    @Test func theServersOwnWordsAreFound() {
        #expect(summary(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Missing X-Tenant header"}}"#)
                == "Missing X-Tenant header (JSON-RPC error -32600)")
        #expect(summary(#"{"jsonrpc":"2.0","error":{"code":-32000}}"#) == "JSON-RPC error -32000")
        #expect(summary(#"{"error":"invalid_request","error_description":"tenant unknown"}"#) == "invalid_request: tenant unknown")
        #expect(summary(#"{"error":"invalid_request"}"#) == "invalid_request")
        #expect(summary(#"{"detail":"Not allowed here"}"#) == "Not allowed here")
        // Escaped control characters in the message: still the message, its escapes made visible.
        let escaped = summary(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Missing X-Tenant \u001b[31m"}}"#) ?? ""
        #expect(escaped.hasPrefix("Missing X-Tenant") && escaped.hasSuffix("(JSON-RPC error -32600)") && !escaped.contains("\u{1B}[31m\"}"), "\(escaped)")
        let nul = summary(#"{"error":"invalid_request","error_description":"bad \u0000 tenant"}"#) ?? ""
        #expect(nul.hasPrefix("invalid_request: bad") && !nul.contains("\"error\""), "\(nul)")
        #expect(summary("Bad Request:\n\n   header missing\r\n") == "Bad Request: header missing")
        // JSON saying nothing recognisable is shown as the text it is.
        #expect(summary(#"{"ok":false}"#) == #"{"ok":false}"#)
    }

    @Test func nothingSaidIsNil() {
        #expect(summary("") == nil)
        #expect(summary(" \n\t ") == nil)
    }

    @Test func itIsOneCleanBoundedLine() throws {
        let hostile = try #require(summary("\u{1B}[2J\u{1B}]0;pwned\u{07}boom\u{202E}txt\n" + String(repeating: "x", count: 10_000)))
        #expect(ServerText.isClean(hostile) && !hostile.contains("\n"))
        #expect(hostile.hasPrefix(#"\u{1B}[2J\u{1B}]0;pwned\u{7}boom\u{202E}txt x"#))
        #expect(hostile.count == ServerErrorText.limit && hostile.hasSuffix("…"))
        // A huge JSON error is not parsed past the window: shown as bounded text.
        let huge = #"{"error":{"message":""# + String(repeating: "y", count: 100_000) + #""}}"#
        #expect(summary(huge)?.count == ServerErrorText.limit)
    }
}
