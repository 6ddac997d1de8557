import Foundation
import HermesTestSupport
import Testing

/// `hermes mcp resources|read|prompts|prompt`: the runtime's other four operations from the
/// command line, against real servers (the official SDK's in both lifecycles over HTTP, and a
/// stdio server), printing the JSON the agent gets, as `call` does.
@Suite(.timeLimit(.minutes(3))) struct ResourcePromptCLITests {
    let dir = TemporaryDirectory("hermes-resprompt")

    @discardableResult
    func hermes(_ args: [String]) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: dir.path), timeout: 90)
    }

    func object(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// The four operations on server `s`, each answering what the peer serves: resource
    /// `hermes://greeting` with `greeting` as its text, prompt `summarize(topic)`.
    func expectTheFourOperations(greeting: String) async throws {
        let resources = try await hermes(["mcp", "resources", "s"])
        #expect(resources.status == 0, "\(resources.stdout)\(resources.stderr)")
        let listed = object(resources.stdout)?["resources"] as? [[String: Any]]
        #expect(listed?.map { $0["uri"] as? String } == ["hermes://greeting"], "\(resources.stdout)")
        #expect(listed?.first?["name"] as? String == "greeting")

        let read = try await hermes(["mcp", "read", "s", "hermes://greeting"])
        #expect(read.status == 0, "\(read.stdout)\(read.stderr)")
        #expect(read.stdout == "{\"result\": \"\(greeting)\"}\n")

        let prompts = try await hermes(["mcp", "prompts", "s"])
        #expect(prompts.status == 0, "\(prompts.stdout)\(prompts.stderr)")
        let prompt = (object(prompts.stdout)?["prompts"] as? [[String: Any]])?.first
        #expect(prompt?["name"] as? String == "summarize", "\(prompts.stdout)")
        #expect((prompt?["arguments"] as? [[String: Any]])?.map { $0["name"] as? String } == ["topic"])

        let got = try await hermes(["mcp", "prompt", "s", "summarize", #"{"topic":"MCP"}"#])
        #expect(got.status == 0, "\(got.stdout)\(got.stderr)")
        let message = (object(got.stdout)?["messages"] as? [[String: Any]])?.first
        #expect(message?["role"] as? String == "user", "\(got.stdout)")
        #expect((message?["content"] as? [String: Any])?["text"] as? String == "Summarize MCP in one line.")
        #expect(object(got.stdout)?["description"] as? String == "Ask for a summary of a topic.")

        // What the server refuses is its answer: JSON on stdout, exit 1, one line.
        let unknownResource = try await hermes(["mcp", "read", "s", "hermes://nope"])
        #expect(unknownResource.status == 1)
        let resourceError = object(unknownResource.stdout)?["error"] as? String
        #expect(resourceError?.hasPrefix("MCP call failed: ") == true && resourceError?.contains("hermes://nope") == true,
                "\(unknownResource.stdout)\(unknownResource.stderr)")
        #expect(unknownResource.stdout.split(separator: "\n").count == 1)
        let unknownPrompt = try await hermes(["mcp", "prompt", "s", "nope"])
        #expect(unknownPrompt.status == 1)
        let promptError = object(unknownPrompt.stdout)?["error"] as? String
        // The SDK's server answers 2026-07-28 requests for an unknown prompt with "Internal error".
        #expect(promptError?.hasPrefix("MCP call failed: MCPError: ") == true, "\(unknownPrompt.stdout)\(unknownPrompt.stderr)")
        #expect(unknownPrompt.stdout.split(separator: "\n").count == 1)
    }

    @Test(arguments: ["dual", "stateful"])
    func theFourOperationsOverHTTP(mode: String) async throws {
        let peer = try await EraPeer(mode: mode)
        defer { peer.stop() }
        try dir.write("config.yaml", "mcp_servers:\n  s:\n    url: \(peer.url)\n    connect_timeout: 20\n")
        try await expectTheFourOperations(greeting: "hello from the era peer")
    }

    @Test func theFourOperationsOverStdio() async throws {
        try dir.write("config.yaml", """
            mcp_servers:
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
            """)
        try await expectTheFourOperations(greeting: "hello from stdio")
    }

    /// A server whose command would leave a file behind if hermes ever started it.
    func tracing(_ extra: String = "") throws {
        try dir.write("config.yaml", """
            mcp_servers:
              traced:
                command: /bin/sh
                args: [-c, "touch \(dir.file("started"))"]
            \(extra)
            """)
    }

    var started: Bool { FileManager.default.fileExists(atPath: dir.file("started")) }

    @Test func badArgumentsAreUsageErrorsBeforeConnecting() async throws {
        try tracing()
        for arguments in ["not json", "[1]", #"{"topic": 2}"#, #"{"topic": null}"#] {
            let result = try await hermes(["mcp", "prompt", "traced", "summarize", arguments])
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let notString = try await hermes(["mcp", "prompt", "traced", "summarize", #"{"topic": 2}"#])
        #expect(notString.stderr.contains("Prompt argument 'topic' is not a string"), "\(notString.stderr)")
        let hostile = try await hermes(["mcp", "prompt", "traced", "summarize", "\u{1B}]0;owned\u{07}"])
        #expect(!hostile.stderr.contains("\u{1B}]0;"), "the typed text is shown cleaned")
        for args in [["mcp", "read", "traced", ""], ["mcp", "prompt", "traced", ""], ["mcp", "read", "traced"], ["mcp", "resources"], ["mcp", "prompts"]] {
            let result = try await hermes(args)
            #expect(result.status == 64, "\(args): \(result.status) \(result.stderr)")
        }
        #expect(!started, "no server was started")
        let unknown = try await hermes(["mcp", "resources", "nope"])
        #expect(unknown.status == 1 && unknown.stderr.contains("Server 'nope' not found in "), "\(unknown.stderr)")
    }

    @Test func whatTheAgentDoesNotGetIsRefusedUnlessForced() async throws {
        try tracing("    enabled: false")
        for args in [["resources", "traced"], ["read", "traced", "hermes://greeting"], ["prompts", "traced"], ["prompt", "traced", "summarize"]] {
            let result = try await hermes(["mcp"] + args)
            #expect(result.status == 1, "\(args)")
            #expect(result.stderr.contains("'traced' is disabled in config.yaml") && result.stderr.contains("pass --force"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        try tracing("    tools: {resources: false, prompts: false}")
        for args in [["resources", "traced"], ["read", "traced", "hermes://greeting"]] {
            let result = try await hermes(["mcp"] + args)
            #expect(result.status == 1 && result.stderr.contains("tools.resources is false"), "\(args): \(result.stderr)")
        }
        for args in [["prompts", "traced"], ["prompt", "traced", "summarize"]] {
            let result = try await hermes(["mcp"] + args)
            #expect(result.status == 1 && result.stderr.contains("tools.prompts is false"), "\(args): \(result.stderr)")
        }
        #expect(!started, "no server was started")

        try dir.write("config.yaml", """
            mcp_servers:
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("plain_stdio_server.py"))]
                enabled: false
                tools: {resources: false}
            """)
        let forced = try await hermes(["mcp", "read", "s", "hermes://greeting", "--force"])
        #expect(forced.status == 0 && forced.stdout == "{\"result\": \"hello from stdio\"}\n", "\(forced.stdout)\(forced.stderr)")
    }
}
