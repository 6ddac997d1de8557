import Foundation
import HermesTestSupport
import Testing

/// A HERMES_HOME that exists but is not a directory stops every command at once, naming the path
/// and what is wrong, and nothing is created over it or through it.
@Suite(.timeLimit(.minutes(2))) struct HermesHomeCLITests {
    let dir = TemporaryDirectory("hermes-home")

    func hermes(_ args: [String], home: String) async throws -> ProgramResult {
        try await run(Build.product("hermes"), args, environment: Build.environment(home: home), timeout: 20)
    }

    func expectRefused(_ home: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for args in [["mcp", "list"], ["mcp"], ["mcp", "status"], ["mcp", "add", "x", "--command", "uvx", "--yes"], ["mcp", "test", "x"]] {
            let result = try await hermes(args, home: home)
            #expect(result.status == 1, "\(args): \(result.stdout)\n\(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr == "error: HERMES_HOME cannot be used: refusing to use \(home): \(reason)\n",
                    "\(args): \(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stdout.isEmpty, "\(args): \(result.stdout)", sourceLocation: sourceLocation)
        }
    }

    @Test func aFileIsRefused() async throws {
        try dir.write("home", "not a directory\n")
        try await expectRefused(dir.file("home"), "it is a regular file, not a directory")
        #expect(try String(contentsOfFile: dir.file("home"), encoding: .utf8) == "not a directory\n")
    }

    @Test func aDanglingSymlinkIsRefusedAndNotFollowed() async throws {
        try FileManager.default.createSymbolicLink(atPath: dir.file("home"), withDestinationPath: dir.file("gone"))
        try await expectRefused(dir.file("home"), "it is a symbolic link to \(dir.file("gone")), which does not exist (or cannot be reached)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("gone")))
    }

    @Test func aFIFOIsRefusedWithoutBlocking() async throws {
        #expect(mkfifo(dir.file("home"), 0o600) == 0)
        try await expectRefused(dir.file("home"), "it is a FIFO, not a directory")
    }

    @Test func aPathThroughAFileIsRefused() async throws {
        try dir.write("file", "x")
        try await expectRefused(dir.file("file") + "/home", "a part of the path above it is not a directory")
    }

    @Test func aSymlinkToADirectoryAndAMissingDirectoryAreFine() async throws {
        try FileManager.default.createDirectory(atPath: dir.file("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("real"))
        #expect(try await hermes(["mcp", "list"], home: dir.file("link")).status == 0)
        #expect(try await hermes(["mcp", "list"], home: dir.file("missing")).status == 0)
        // Help and version never look at HERMES_HOME.
        try dir.write("home", "x")
        #expect(try await hermes(["mcp", "list", "--help"], home: dir.file("home")).status == 0)
        #expect(try await hermes(["--version"], home: dir.file("home")).status == 0)
    }
}
