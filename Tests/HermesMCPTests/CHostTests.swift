import Foundation
import HermesTestSupport
import Testing

/// libhermesmcp.so as a long-lived C host meets it: Tests/CPrograms/mcp_host.c, compiled against
/// the built library, drives the servers of a config.yaml (era_server.py over HTTP in both
/// lifecycles, 2026-07-28 and the `initialize` revisions, and over stdio): its tools, a tool call, resources
/// and prompts, a question answered by a C callback, progress, a changed tool list; then the close,
/// after which no server process is left. Once plain, once under valgrind (or a sanitizer).
@Suite(.timeLimit(.minutes(8))) struct CHostTests {
    let dir = TemporaryDirectory("hermes-chost")
    var include: String { Build.packageRoot + "/include" }
    var lib: String { Build.productsDirectory }

    /// A home whose config.yaml names the two HTTP peers and a stdio one; the stdio server carries
    /// `mark` in its environment so that a survivor can be found anywhere.
    func home(modern: EraPeer, legacy: EraPeer, mark: String) async throws -> [String: String] {
        let (command, args) = try await EraPeer.stdio(mode: "dual", direct: true)
        try dir.write("home/config.yaml", """
            mcp_servers:
              modern:
                url: \(modern.url)
              legacy:
                url: \(legacy.url)
              local:
                command: \(command)
                args: [\(args.map { "\"\($0)\"" }.joined(separator: ", "))]
                env:
                  HERMES_CHOST_MARK: \(mark)
            """)
        return Build.environment(home: dir.file("home"))
    }

    func compile(library directory: String) async throws -> String {
        let exe = dir.file("mcp_host")
        let cc = try await CCompiler.compile(source: Build.packageRoot + "/Tests/CPrograms/mcp_host.c", output: exe,
                                             flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include],
                                             libraries: ["-lpthread"], libraryDirectory: directory, library: "hermesmcp")
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        return exe
    }

    /// Processes (not zombies) anywhere whose environment holds `mark`.
    static func survivors(_ mark: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { entry in
            guard Int32(entry) != nil, let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
            return state != "Z" && String(decoding: environ, as: UTF8.self).contains(mark)
        }
    }

    func hostChecks(servers: [String], checked: Bool) async throws {
        let modern = try await EraPeer(mode: "dual")
        defer { modern.stop() }
        let legacy = try await EraPeer(mode: "stateful")
        defer { legacy.stop() }
        let mark = "hermes-chost-\(UUID().uuidString)"
        let env = try await home(modern: modern, legacy: legacy, mark: mark)
        let exe = try await compile(library: checked ? try await libraryForChecking() : lib)
        let program = try checked ? Self.underValgrind(exe, servers, environment: env) : Interactive(exe, servers, environment: env)
        let result = await program.finish(timeout: 400)
        let out = result.stdout
        #expect(result.status == 0, "\(out)\n\(result.stderr)")
        #expect(!result.stderr.contains("definitely lost"), "\(result.stderr)")
        #expect(out.contains(#"servers: ["legacy","local","modern"]"#), "\(out)")
        for server in servers {
            #expect(out.contains("\(server) tools: echo and reserve listed"), "\(out)")
            #expect(out.contains("\(server) tools after the change: the added tool listed"), "\(out)")
            #expect(out.contains(#"\#(server) echo: {"result": "hello from C"}"#), "\(out)")
            #expect(out.contains(#"\#(server) reserve: {"result": "Reserved 2 of 'Dune'."}"#), "\(out)")
            #expect(out.contains(#"question: \#(server) {"message":"How many copies?","mode":"form","requestedSchema":{"#), "\(out)")
            #expect(out.contains(#"\#(server) open_link: {"result": "link decline"}"#), "\(out)")
            #expect(out.contains(#"question: \#(server) {"message":"Please open the consent page.","mode":"url","url":"https://example.com/consent"}"#), "\(out)")
            #expect(out.contains(#"\#(server) progress: {"result": "done 3"}; 3 updates, last 3/3 "step 3""#), "\(out)")
            #expect(out.contains(#"\#(server) greeting: {"result": "hello from the era peer"}"#), "\(out)")
            #expect(out.contains(#"\#(server) prompt: {"description": "Ask for a summary of a topic.", "messages": [{"content": {"text": "Summarize C hosts in one line.", "type": "text"}, "role": "user"}]}"#), "\(out)")
            #expect(out.contains("\(server) change: tools"), "\(out)")
        }
        // The stdio server ran as this program's child until the close, and nothing of it is left.
        #expect(out.contains("server processes before close: \(servers.contains("local") ? 1 : 0)"), "\(out)")
        #expect(out.contains("server processes after close: 0"), "\(out)")
        #expect(out.contains("orphans of the host's own children adopted: 0"), "\(out)")
        #expect(out.hasSuffix("ok\n"), "\(out)")
        try await Task.sleep(for: .milliseconds(300))
        let left = Self.survivors(mark)
        for pid in left { kill(Int32(pid)!, SIGKILL) }
        #expect(left.isEmpty, "left alive: \(left)")
        // Both lifecycles were really spoken (where asked).
        #expect(try await modern.log().contains { $0.headers["mcp-protocol-version"] == "2026-07-28" })
        if servers.contains("legacy") { #expect(try await legacy.log().contains { $0.rpc == "initialize" }) }
    }

    @Test func aCHostUsesEveryServerAndLeavesNoProcess() async throws {
        try await hostChecks(servers: ["modern", "legacy", "local"], checked: false)
    }

    /// The C side is the same for every server: under valgrind (some 20 s of CPU a server) one
    /// HTTP server and the stdio one; the plain run above has all three.
    @Test func theSameUnderValgrindOrASanitizer() async throws {
        try await hostChecks(servers: ["modern", "local"], checked: true)
    }

    /// A close while other threads are inside calls on the handle: the call stuck in a tool
    /// returns at once with an error (not after the tool's 300 s timeout), later calls are refused,
    /// and the stdio server is gone. Under valgrind for the stdio server, so a use after the close
    /// would be seen (the C side is the same for both; valgrind costs some 15 s of CPU a run).
    @Test(arguments: [("local", true), ("modern", false)])
    func aCloseEndsTheCallsInProgress(server: String, checked: Bool) async throws {
        let modern = try await EraPeer(mode: "dual")
        defer { modern.stop() }
        let legacy = try await EraPeer(mode: "stateful")
        defer { legacy.stop() }
        let mark = "hermes-chost-\(UUID().uuidString)"
        let env = try await home(modern: modern, legacy: legacy, mark: mark)
        let exe = dir.file("mcp_close_race")
        let cc = try await CCompiler.compile(source: Build.packageRoot + "/Tests/CPrograms/mcp_close_race.c", output: exe,
                                             flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include],
                                             libraries: ["-lpthread"], libraryDirectory: try await libraryForChecking(), library: "hermesmcp")
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        let program = try checked ? Self.underValgrind(exe, [server], environment: env) : Interactive(exe, [server], environment: env)
        let result = await program.finish(timeout: 200)
        let out = result.stdout
        #expect(result.status == 0, "\(out)\n\(result.stderr)")
        let returned = try #require(out.firstMatch(of: /hang returned (\d+) after ([0-9.]+) s/), "\(out)")
        #expect(Int(returned.1) != 0, "a tool that never returns cannot have succeeded: \(out)")
        #expect(Double(returned.2)! < 30, "\(out)")
        #expect(out.contains("calls refused after the close: yes"), "\(out)")
        #expect(out.contains("children after close: 0"), "\(out)")
        #expect(out.hasSuffix("ok\n"), "\(out)")
        try await Task.sleep(for: .milliseconds(300))
        let left = Self.survivors(mark)
        for pid in left { kill(Int32(pid)!, SIGKILL) }
        #expect(left.isEmpty, "left alive: \(left)")
    }

    /// README's example, as printed there, builds against the library and runs: in a home
    /// without a server named "docs" it says so and fails.
    @Test func theReadmeExampleBuildsAndRuns() async throws {
        let readme = try String(contentsOfFile: Build.packageRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "### C hosts and MCP"))
        let rest = readme[section.upperBound...]
        let start = try #require(rest.range(of: "```c\n"))
        let end = try #require(rest[start.upperBound...].range(of: "```"))
        try dir.write("readme_example.c", String(rest[start.upperBound..<end.lowerBound]))
        let exe = dir.file("readme_example")
        let cc = try await CCompiler.compile(source: dir.file("readme_example.c"), output: exe,
                                             flags: ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror", "-I", include],
                                             libraries: [], library: "hermesmcp")
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        try dir.write("empty-home/config.yaml", "mcp_servers: {}\n")
        let result = try await run(exe, [], environment: Build.environment(home: dir.file("empty-home")))
        #expect(result.status == 1)
        #expect(result.stdout.contains("no enabled MCP server named 'docs'"), "\(result.stdout)\n\(result.stderr)")
    }

    /// valgrind 3.19 cannot read the DWARF 5 of a debug build: a copy of the library without debug
    /// info, for the C program to link against (as CManagerTests does). A sanitizer build links the
    /// library as it is.
    func libraryForChecking() async throws -> String {
        if Sanitizer.active { return lib }
        let stripped = dir.file("lib")
        try FileManager.default.createDirectory(atPath: stripped, withIntermediateDirectories: true)
        #expect(try await run("/usr/bin/env", ["objcopy", "--strip-debug", lib + "/libhermesmcp.so", stripped + "/libhermesmcp.so"]).status == 0)
        return stripped
    }

    /// Any invalid access or definite leak makes the program exit with 99; under a sanitizer, any
    /// report makes it exit non-zero.
    static func underValgrind(_ exe: String, _ arguments: [String], environment: [String: String]) throws -> Interactive {
        if Sanitizer.active { return try Interactive(exe, arguments, environment: environment) }
        let valgrind = "/usr/bin/valgrind"
        #expect(FileManager.default.isExecutableFile(atPath: valgrind), "valgrind is missing: scripts/setup.sh installs it")
        return try Interactive(valgrind, ["--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite",
                                          "--show-leak-kinds=definite", "--error-exitcode=99",
                                          "--suppressions=" + Build.packageRoot + "/Tests/CPrograms/swift-runtime.supp", exe] + arguments,
                               environment: environment)
    }
}
