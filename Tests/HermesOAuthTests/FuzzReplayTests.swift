import Foundation
import HermesTestSupport
import Testing

/// The fuzz seeds and every input a fuzzer ever crashed on (Fuzz/regressions), replayed through
/// the same entry points on each test run: a parser bug found once stays fixed.
@Suite struct FuzzReplayTests {
    static let targets = ["callback", "www-authenticate", "metadata-json", "token-file", "dotenv", "config-yaml", "jwt", "token-exchange", "dpop-nonce"]

    @Test(arguments: targets) func replaysSeedsAndRegressions(target: String) async throws {
        let root = Build.packageRoot + "/Fuzz"
        let seeds = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/corpus/\(target)")) ?? []
        #expect(!seeds.isEmpty, "Fuzz/corpus/\(target) has no seeds")
        let result = try await run(Build.product("hermes-fuzz"), [target, "\(root)/corpus/\(target)", "\(root)/regressions/\(target)"],
                             environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(target): "), "\(result.stdout)")
    }

    @Test func anUnknownTargetIsRefused() async throws {
        let result = try await run(Build.product("hermes-fuzz"), ["nope", "/dev/null"])
        #expect(result.status == 2)
    }
}
