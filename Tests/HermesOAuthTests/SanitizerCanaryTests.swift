import HermesTestSupport
import Testing

/// Only in the sanitizer suites (scripts/sanitizers.sh). Proves that a clean run means something:
/// deliberate faults in the programs the tests start, Swift and C, are reported. Their reports go
/// to the captured stderr (not to the run's report folder, whose count must stay zero).
@Suite(.enabled(if: Sanitizer.active, "only under a sanitizer"))
struct SanitizerCanaryTests {
    let dir = TemporaryDirectory("hermes-canary")

    private func reports(in stderr: String) -> Int {
        stderr.components(separatedBy: Sanitizer.kind == "thread" ? "WARNING: ThreadSanitizer" : "ERROR: AddressSanitizer").count - 1
    }

    private func canary(_ mode: String) async throws -> (reports: Int, output: ProgramResult) {
        let result = try await run(Build.product("hermes-test-helper"), ["tsan-canary", mode],
                             environment: ["TSAN_OPTIONS": "halt_on_error=0"], timeout: 120)
        return (reports(in: result.stderr), result)
    }

    private func cCanary(_ mode: String) async throws -> (reports: Int, output: ProgramResult) {
        let exe = dir.file("sanitizer_canary")
        let cc = try await CCompiler.compile(source: Build.packageRoot + "/Tests/CPrograms/sanitizer_canary.c", output: exe,
                                       flags: ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", Build.packageRoot + "/include"],
                                       libraries: ["-lpthread"])
        #expect(cc.status == 0, "\(cc.stderr)")
        let result = try await run(exe, [mode], environment: ["TSAN_OPTIONS": "halt_on_error=0", "ASAN_OPTIONS": "detect_leaks=0"])
        return (reports(in: result.stderr), result)
    }

    @Test(.enabled(if: Sanitizer.kind == "thread"))
    func anUnguardedCounterIsReported() async throws {
        let (reports, result) = try await canary("unguarded")
        #expect(reports >= 1, "TSan said nothing about a plain data race: \(result.stderr)")
    }

    @Test(.enabled(if: Sanitizer.kind == "thread"))
    func aContendedBareMutexIsReportedAndLockedIsNot() async throws {
        // If Swift's Mutex ever becomes visible to TSan, the first expectation fails: Locked's
        // annotations can then go.
        let bare = try await canary("mutex")
        #expect(bare.output.stdout.contains("total 80000"))
        #expect(bare.reports >= 1, "bare Mutex under contention gave no report: \(bare.output.stderr)")
        let locked = try await canary("locked")
        #expect(locked.output.stdout.contains("total 80000"))
        #expect(locked.reports == 0, "Locked was reported: \(locked.output.stderr)")
    }

    @Test func aFaultInACProgramLinkedWithTheLibraryIsReported() async throws {
        let clean = try await cCanary("clean")
        #expect(clean.output.status == 0 && clean.reports == 0, "\(clean.output.stderr)")
        #expect(clean.output.stdout.contains("libhermesoauth "))
        let faulty = try await cCanary(Sanitizer.kind == "thread" ? "race" : "overflow")
        #expect(faulty.reports >= 1, "no report from the C program: \(faulty.output.stderr)")
        #expect(faulty.output.status != 0)
    }
}
