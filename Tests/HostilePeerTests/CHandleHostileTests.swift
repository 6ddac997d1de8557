import Foundation
import Testing
import HermesTestSupport

/// A hostile C caller of libhermesoauth.so's handles (Tests/CPrograms/hostile_handles.c): it uses
/// closed handles, closes twice, forges handles, registers a callback twice and removes callbacks
/// while they run. Each attack runs as its own C program, and all of them once more in one program
/// under valgrind (or, in a sanitizer build, each under that sanitizer), so an invalid access fails
/// the test as surely as a wrong status.
@Suite(.timeLimit(.minutes(3))) struct CHandleHostileTests {
    let home = HostileHome()

    init() throws {
        // The server is never contacted: its configured URL is how a C program tells a live handle.
        try home.config("""
        mcp_servers:
          alpha:
            url: http://127.0.0.1:9/mcp
            auth: oauth
        """)
        try FileManager.default.createDirectory(atPath: home.tokenDirectory, withIntermediateDirectories: true)
    }

    func program(library: String = Build.productsDirectory) async throws -> String {
        let exe = home.dir.file("hostile_handles")
        let cc = try await CCompiler.compile(source: Build.packageRoot + "/Tests/CPrograms/hostile_handles.c", output: exe,
                                       flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", Build.packageRoot + "/include"],
                                       libraries: ["-lpthread"], libraryDirectory: library)
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        return exe
    }

    /// Runs one attack as it is, where the C library's allocator hands freed memory out again at
    /// once (what a stale handle would find). In a sanitizer build the run is checked by the
    /// sanitizer; otherwise `everyAttackUnderValgrind` checks them all.
    func play(_ mode: String) async throws {
        let plain = try await run(try await program(), [mode, "alpha"], environment: Build.environment(home: home.path), timeout: 120)
        expectPassed(plain, mode)
    }

    static let attacks = ["unique", "stale", "threads", "watch", "quiesce", "reentrant"]

    /// Every attack under valgrind, where any invalid access or definite leak makes the program
    /// exit with 99. One process plays them all in turn: valgrind's start-up is seconds of CPU per
    /// process, and six of them were the largest single cost of the suite.
    @Test func everyAttackUnderValgrind() async throws {
        if Sanitizer.active { return }
        // valgrind 3.19 cannot read the DWARF 5 of a debug build: a copy of the library without it.
        let stripped = home.dir.file("lib")
        try FileManager.default.createDirectory(atPath: stripped, withIntermediateDirectories: true)
        let objcopy = try await run("/usr/bin/env", ["objcopy", "--strip-debug", Build.productsDirectory + "/libhermesoauth.so",
                                               stripped + "/libhermesoauth.so"])
        #expect(objcopy.status == 0, "\(objcopy.stderr)")
        let valgrind = "/usr/bin/valgrind"
        #expect(FileManager.default.isExecutableFile(atPath: valgrind), "valgrind is missing: scripts/setup.sh installs it")
        let checked = try await run(valgrind, ["--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                                         "--error-exitcode=99", "--suppressions=" + Build.packageRoot + "/Tests/CPrograms/swift-runtime.supp",
                                         try await program(library: stripped), Self.attacks.joined(separator: ","), "alpha"],
                              environment: Build.environment(home: home.path), timeout: 240)
        expectPassed(checked, "every attack under valgrind")
    }

    func expectPassed(_ result: ProgramResult, _ label: String) {
        #expect(result.status == 0, "\(label): \(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.hasSuffix("ok\n"), "\(label)")
        #expect(!result.stderr.contains("definitely lost"), "\(label): \(result.stderr)")
    }

    /// 200 handles opened and closed one after the other: no value comes back, none is a
    /// user-space address.
    @Test func closedHandleValuesNeverComeBack() async throws {
        try await play("unique")
    }

    /// A closed handle used again, closed again, and forged handles: every call is HERMES_EINVAL
    /// with a message, and the live handle opened meanwhile keeps working.
    @Test func staleDoubleClosedAndForgedHandlesReachNoLiveHandle() async throws {
        try await play("stale")
    }

    /// Four threads open and close handles while each uses and closes again the handles closed
    /// last by any of them: none of those calls reaches the live handle in hand.
    @Test func threadsReusingClosedHandlesNeverReachAnotherThreadsHandle() async throws {
        try await play("threads")
    }

    /// Reading through a closed handle faults at once instead of reading someone's memory.
    /// Not under valgrind (which would report the read rather than let it fault).
    @Test func aStrayDereferenceOfAHandleFaults() async throws {
        let result = try await run(try await program(), ["deref", "alpha"], environment: Build.environment(home: home.path), timeout: 60)
        #expect(result.stdout.contains("reading"), "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("through a closed handle"), "the read succeeded: \(result.stdout)")
        if Sanitizer.active {
            #expect(result.status != 0 && result.stderr.contains("SEGV"), "\(result.stderr)")
        } else {
            #expect(result.status == SIGSEGV, "status \(result.status): \(result.stderr)")
        }
    }

    /// The same (callback, user) pair watched twice is refused; one event calls it once; unwatch
    /// removes that pair and no other.
    @Test func aPairIsWatchedOnceAndUnwatchRemovesExactlyIt() async throws {
        try await play("watch")
    }

    /// A callback that is still running when unwatch or close is called has returned when they
    /// return, and is never called afterwards.
    @Test func noCallbackRunsAfterUnwatchOrCloseReturns() async throws {
        try await play("quiesce")
    }

    /// A callback that unwatches itself or closes its own handle does not wait for itself.
    @Test func aCallbackMayUnwatchItselfOrCloseItsHandle() async throws {
        try await play("reentrant")
    }
}
