import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport
import HermesOAuthC

/// The manager's C API and the libcurl + jansson example, compiled by a C compiler against the
/// built libhermesoauth.so and run against the real OAuth MCP server, with tokens changed on disk by
/// another process while the C program runs. Under a sanitizer the programs are built with it
/// (see `CCompiler`) and it takes valgrind's place.
@Suite(.timeLimit(.minutes(3))) struct CManagerTests {
    var include: String { Build.packageRoot + "/include" }
    var lib: String { Build.productsDirectory }

    func compile(_ source: String, into dir: TemporaryDirectory, libraries: [String], library: String? = nil) async throws -> String {
        let exe = dir.file((source as NSString).lastPathComponent.replacingOccurrences(of: ".c", with: ""))
        let cc = try await CCompiler.compile(source: source, output: exe, flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include],
                                       libraries: libraries, libraryDirectory: library ?? lib)
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        return exe
    }

    /// A fixture logged in to the peer, as `HERMES_HOME` for a C program.
    func loggedIn() async throws -> (Fixture, [String: String]) {
        let f = try await Fixture()
        let manager = try f.manager()
        _ = try await manager.login("peer", interaction: f.interaction())
        var env = ProcessInfo.processInfo.environment
        env["HERMES_HOME"] = f.home.path
        return (f, env)
    }

    /// valgrind 3.19 cannot read the DWARF 5 of a debug build: a copy of the library without debug
    /// info, for the C program to link against. A sanitizer build links the library as it is.
    func libraryForChecking(in f: Fixture) async throws -> String {
        if Sanitizer.active { return lib }
        let stripped = f.dir.file("lib")
        try FileManager.default.createDirectory(atPath: stripped, withIntermediateDirectories: true)
        #expect(try await run("/usr/bin/env", ["objcopy", "--strip-debug", lib + "/libhermesoauth.so", stripped + "/libhermesoauth.so"]).status == 0)
        return stripped
    }

    /// Any invalid access or definite leak makes the program exit with 99; under a sanitizer, any
    /// report makes it exit non-zero.
    func checked(_ exe: String, _ arguments: [String], environment: [String: String]) throws -> Interactive {
        if Sanitizer.active { return try Interactive(exe, arguments, environment: environment) }
        let valgrind = "/usr/bin/valgrind"
        #expect(FileManager.default.isExecutableFile(atPath: valgrind), "valgrind is missing: scripts/setup.sh installs it")
        return try Interactive(valgrind, ["--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite",
                                          "--show-leak-kinds=definite", "--error-exitcode=99",
                                          "--suppressions=" + Build.packageRoot + "/Tests/CPrograms/swift-runtime.supp", exe] + arguments, environment: environment)
    }

    @Test func theManagerAPIFromCUnderValgrindOrASanitizer() async throws {
        let (f, env) = try await loggedIn()
        let exe = try await compile(Build.packageRoot + "/Tests/CPrograms/manager_check.c", into: f.dir, libraries: ["-lcrypto", "-lpthread"],
                              library: try await libraryForChecking(in: f))
        let program = try checked(exe, ["peer"], environment: env)
        #expect(await program.read(until: "waiting", timeout: 120), "\(program.output)")
        // Another process refreshes the tokens, as a cron job would.
        let refresh = try await run(Build.product("hermes-test-helper"), ["refresh", f.home.path, "peer"])
        #expect(refresh.stdout.hasPrefix("ok "))
        program.send("go")
        let result = await program.finish()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("ok"))
        #expect(!result.stderr.contains("definitely lost"), "\(result.stderr)")
        let tokens = result.stdout.split(separator: "\n").filter { $0.hasPrefix("token ") }
        #expect(tokens.count == 2 && tokens[0] != tokens[1])
        #expect(try await f.requests("GET", "/authorize").count == 1)
    }

    /// The example as README shows it (libcurl + jansson), through a 401 and its recovery.
    @Test func theExampleUnderValgrindOrASanitizer() async throws {
        let (f, env) = try await loggedIn()
        let exe = try await compile(Build.packageRoot + "/examples/c/mcp_tools.c", into: f.dir, libraries: ["-lcurl", "-ljansson"],
                              library: try await libraryForChecking(in: f))
        let program = try checked(exe, ["peer", "2"], environment: env)
        #expect(await program.read(until: "round 1 done", timeout: 120), "\(program.output)")
        try await f.peer.call("/revoke-access")
        program.send("")
        let result = await program.finish()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stderr.contains("definitely lost"), "\(result.stderr)")
        #expect(result.stdout.contains("recovered from a 401"))
        #expect(result.stdout.components(separatedBy: "tools: echo add").count == 3)
        #expect(try await f.refreshRequests() == 1)
    }

    @Test func theExampleUsesTokensAnotherProcessRefreshed() async throws {
        let (f, env) = try await loggedIn()
        let exe = try await compile(Build.packageRoot + "/examples/c/mcp_tools.c", into: f.dir, libraries: ["-lcurl", "-ljansson"])
        let program = try Interactive(exe, ["peer", "2"], environment: env)
        #expect(await program.read(until: "round 1 done"), "\(program.output)")
        #expect(program.output.contains("tools: echo add"))
        let refresh = try await run(Build.product("hermes-test-helper"), ["refresh", f.home.path, "peer"])
        #expect(refresh.stdout.hasPrefix("ok "))
        let refreshed = try #require(f.store.tokens()?.accessToken)
        try await Task.sleep(nanoseconds: 200_000_000)
        program.send("")
        let result = await program.finish()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "tools: echo add").count == 3)
        // The second round presented the token the other process obtained, and no one logged in again.
        let lastMCP = try #require(try await f.peer.log().last { $0.path == "/mcp" && $0.method == "POST" })
        #expect(lastMCP.bearer == refreshed)
        #expect(try await f.requests("GET", "/authorize").count == 1)
        #expect(!result.stdout.contains("recovered"))
    }

    @Test func theExampleRecoversFromARevokedToken() async throws {
        let (f, env) = try await loggedIn()
        let exe = try await compile(Build.packageRoot + "/examples/c/mcp_tools.c", into: f.dir, libraries: ["-lcurl", "-ljansson"])
        let program = try Interactive(exe, ["peer", "2"], environment: env)
        #expect(await program.read(until: "round 1 done"), "\(program.output)")
        try await f.peer.call("/revoke-access")
        program.send("")
        let result = await program.finish()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("recovered from a 401"))
        #expect(result.stdout.components(separatedBy: "tools: echo add").count == 3)
        #expect(try await f.refreshRequests() == 1)
        #expect(try await f.requests("GET", "/authorize").count == 1)
    }

    /// A C program gets DPoP headers for each request from hermes_oauth_request_headers and calls a
    /// server that wants DPoP-bound tokens (client credentials, nonces at both servers) through
    /// libcurl: every MCP request carries a valid proof of its own, the nonce challenge is answered.
    @Test func theExampleCallsADPoPServerWithTheHeadersHermesGives() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["bot": ["secret": "s"]], "dpop": "required",
                                                  "dpop_nonce_as": "as-n", "dpop_nonce_rs": "rs-n"])
        defer { peer.stop() }
        let dir = TemporaryDirectory("hermes-c-dpop")
        try dir.write("config.yaml", "mcp_servers:\n  bot:\n    url: \(peer.mcpURL)\n    auth: oauth\n    oauth:\n      grant: client_credentials\n      client_id: bot\n      client_secret: s\n")
        let exe = dir.file("mcp_tools")
        let cc = try await CCompiler.compile(source: Build.packageRoot + "/examples/c/mcp_tools.c", output: exe,
                                             flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include],
                                             libraries: ["-lcurl", "-ljansson"], libraryDirectory: lib)
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        var env = ProcessInfo.processInfo.environment
        env["HERMES_HOME"] = dir.path
        let result = await (try Interactive(exe, ["bot"], environment: env)).finish(timeout: 60)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("tools: echo add"), "\(result.stdout)")
        let mcp = try await peer.log().filter { $0.path == "/mcp" && $0.scheme != nil }
        #expect(!mcp.isEmpty && mcp.allSatisfy { $0.scheme == "DPoP" }, "\(mcp.map { $0.scheme ?? "-" })")
        // One nonce challenge (401), answered with new headers; every other request proven and accepted.
        #expect(mcp.filter { $0.status == 401 }.count == 1, "\(mcp.map(\.status))")
        #expect(mcp.filter { $0.status != 401 }.allSatisfy { $0.dpopValid }, "\(mcp.map { $0.dpop ?? [:] })")
        let jtis = mcp.compactMap { $0.dpop?["jti"] as? String }
        #expect(Set(jtis).count == mcp.count)
        // The DELETE that ends the session is proven too (htm DELETE).
        #expect(mcp.contains { $0.method == "DELETE" && $0.dpopValid })
    }

    @Test func requestHeadersAreRefusedForAnotherOrigin() async throws {
        let peer = try await OAuthPeer(settings: ["client_credentials": ["bot": ["secret": "s"]]])
        defer { peer.stop() }
        let dir = TemporaryDirectory("hermes-c-origin")
        try dir.write("config.yaml", "mcp_servers:\n  bot:\n    url: \(peer.mcpURL)\n    auth: oauth\n    oauth:\n      grant: client_credentials\n      client_id: bot\n      client_secret: s\n")
        let program = """
        #include <hermesoauth.h>
        #include <stdio.h>
        #include <string.h>
        int main(int argc, char **argv) {
            hermes_oauth *h = NULL;
            if (hermes_oauth_open(NULL, &h) != HERMES_OK) return 2;
            char *lines = NULL;
            hermes_status st = hermes_oauth_request_headers(h, "bot", "POST", argv[1], &lines);
            printf("same %d %s\\n", st, lines && strncmp(lines, "Authorization: Bearer ", 22) == 0 ? "bearer" : "-");
            hermes_free(lines);
            lines = NULL;
            st = hermes_oauth_request_headers(h, "bot", "POST", "http://127.0.0.2:1/mcp", &lines);
            printf("other %d %s %s\\n", st, lines ? "leaked" : "none", hermes_last_error());
            st = hermes_oauth_request_headers(h, "bot", "PO ST", argv[1], &lines);
            printf("method %d\\n", st);
            char tricky[512];
            snprintf(tricky, sizeof tricky, "http://user:pw@%s", argv[1] + 7);
            st = hermes_oauth_request_headers(h, "bot", "POST", tricky, &lines);
            printf("userinfo %d %s\\n", st, lines ? "leaked" : "none");
            hermes_oauth_close(h);
            return 0;
        }
        """
        try dir.write("headers.c", program)
        let exe = dir.file("headers")
        let cc = try await CCompiler.compile(source: dir.file("headers.c"), output: exe, flags: ["-std=c11", "-Wall", "-Werror", "-I", include],
                                             libraries: [], libraryDirectory: lib)
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        var env = ProcessInfo.processInfo.environment
        env["HERMES_HOME"] = dir.path
        let result = try await run(exe, [peer.mcpURL], environment: env)
        #expect(result.stdout.contains("same 0 bearer"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("other \(HermesStatus.invalidArgument.rawValue) none") && result.stdout.contains("is not on the origin of 'bot'"), "\(result.stdout)")
        #expect(result.stdout.contains("method \(HermesStatus.invalidArgument.rawValue)"), "\(result.stdout)")
        #expect(result.stdout.contains("userinfo \(HermesStatus.invalidArgument.rawValue) none"), "\(result.stdout)")
    }
}
