import HermesTestSupport
import Testing

/// Only in the ThreadSanitizer suite (scripts/sanitizers.sh thread), where the helper is built
/// with TSan too. Proves that a clean TSan run means something: a real race in a helper process
/// is reported, the contended `Mutex` hand-over that TSan cannot see is reported, and the same
/// contention through `Locked` (what hermes uses) is not.
@Suite(.enabled(if: Sanitizer.kind == "thread", "only under ThreadSanitizer"))
struct ThreadSanitizerCanaryTests {
    private func canary(_ mode: String) throws -> (reports: Int, output: ProgramResult) {
        let result = try run(Build.product("hermes-test-helper"), ["tsan-canary", mode],
                             environment: ["TSAN_OPTIONS": "halt_on_error=0"], timeout: 120)
        let reports = result.stderr.components(separatedBy: "WARNING: ThreadSanitizer").count - 1
        return (reports, result)
    }

    @Test func anUnguardedCounterIsReported() throws {
        let (reports, result) = try canary("unguarded")
        #expect(reports >= 1, "TSan said nothing about a plain data race: \(result.stderr)")
    }

    @Test func aContendedBareMutexIsReportedAndLockedIsNot() throws {
        // If Swift's Mutex ever becomes visible to TSan, the first expectation fails: Locked's
        // annotations can then go.
        let bare = try canary("mutex")
        #expect(bare.output.stdout.contains("total 80000"))
        #expect(bare.reports >= 1, "bare Mutex under contention gave no report: \(bare.output.stderr)")
        let locked = try canary("locked")
        #expect(locked.output.stdout.contains("total 80000"))
        #expect(locked.reports == 0, "Locked was reported: \(locked.output.stderr)")
    }
}
