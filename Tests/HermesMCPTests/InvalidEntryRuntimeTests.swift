import Foundation
import HermesOAuth
import HermesTestSupport
import Testing
@testable import HermesMCP

/// A config.yaml with entries of the wrong shape: the runtime starts the sound servers and skips
/// the others at once; the manager answers for a broken entry with its line, not "not found".
@Suite(.timeLimit(.minutes(2))) struct InvalidEntryRuntimeTests {
    let dir = TemporaryDirectory("hermes-invalid-entries")

    func write() throws {
        try dir.write("config.yaml", """
            mcp_servers:
              local:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
              numurl:
                url: 42
                auth: oauth
              stringy: "uvx mcp-server-time"
              strargs:
                command: uvx
                args: mcp-server-time
            """)
    }

    @Test func theRuntimeStartsTheSoundServersOnly() async throws {
        try write()
        let runtime = MCPRuntime(home: HermesHome(path: dir.path))
        let start = Date()
        try await runtime.start()
        #expect(await runtime.serverNames() == ["local"])
        #expect(Date().timeIntervalSince(start) < 30)
        let answer = await runtime.operations(for: "local")?.callTool("echo", arguments: ["text": "hi"])
        #expect(answer == #"{"result": "hi"}"#)
        await runtime.shutdown()
    }

    @Test func theManagerReportsTheLine() throws {
        try write()
        let manager = OAuthManager(home: HermesHome(path: dir.path))
        do {
            _ = try manager.provider(named: "numurl")
            Issue.record("a broken entry gave a provider")
        } catch {
            #expect("\(error)".contains("config.yaml:6: mcp_servers.numurl.url must be an http:// or https:// URL, not the number '42'"), "\(error)")
        }
    }
}
