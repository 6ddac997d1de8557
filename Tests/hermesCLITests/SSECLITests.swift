import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// `transport: sse` from the command line: login, test and call against the Python SDK's HTTP+SSE
/// app behind its OAuth server.
@Suite(.timeLimit(.minutes(2))) struct SSECLITests {
    let dir = TemporaryDirectory("hermes-sse-cli")

    @Test func loginTestAndCallOverSSE() async throws {
        let peer = try await OAuthPeer(arguments: ["--sse", "--mcp-path", "/sse"])
        defer { peer.stop() }
        try dir.write("config.yaml", """
            mcp_servers:
              legacy:
                url: \(peer.mcpURL)
                transport: sse
                auth: oauth
            """)
        var env = Build.environment(home: dir.path)
        for (k, v) in Peers.browser() { env[k] = v }
        let hermes = Build.product("hermes")
        let login = try await run(hermes, ["mcp", "login", "legacy"], environment: env)
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        let test = try await run(hermes, ["mcp", "test", "legacy"], environment: env)
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        for line in ["  Transport: SSE → \(peer.mcpURL)", "  Protocol: MCP 2025-11-25 (initialize)", "  ✓ Tools discovered: 2"] {
            #expect(test.stdout.contains(line), "missing \(line) in \(test.stdout)")
        }
        let call = try await run(hermes, ["mcp", "call", "legacy", "echo", #"{"text":"hi"}"#], environment: env)
        #expect(call.status == 0 && call.stdout == "{\"result\": \"hi\"}\n", "\(call.stdout)\(call.stderr)")
    }
}
