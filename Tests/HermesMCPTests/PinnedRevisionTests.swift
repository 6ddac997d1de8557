import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// A server that refuses the revision `protocol_version:` pins is told at once, in one try, with
/// the pin named and what the server speaks: the same answer would come at every retry.
@Suite(.timeLimit(.minutes(2))) struct PinnedRevisionTests {
    /// The SDK's 2026-07-28-only server pinned to 2025-11-25, and a standard-library server of the
    /// initialize revisions (one Python start each; the SDK's costs a second of CPU) pinned to 2026-07-28.
    @Test(arguments: [("modern", "2025-11-25", "it speaks 2026-07-28"), ("plain", "2026-07-28", "Method not found")])
    func aStdioServerRefusingThePinIsAFinalErrorNamingIt(mode: String, pinned: String, says: String) async throws {
        let (command, args) = mode == "plain" ? (try Peers.python, [Peers.script("plain_stdio_server.py")]) : try await EraPeer.stdio(mode: mode)
        let (task, _) = try ProtocolEraTests.task("command: \(command)\nargs: [\(args.joined(separator: ", "))]\nprotocol_version: \"\(pinned)\"")
        await #expect {
            _ = try await task.connection()
        } throws: { error in
            let text = "\(error)"
            return text.contains("pinned protocol_version \(pinned)") && text.contains(says)
        }
        #expect(await task.connectionAttempts == 1)
        await task.shutdown()
    }
}
