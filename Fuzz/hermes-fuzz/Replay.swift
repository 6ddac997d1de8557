#if !HERMES_LIBFUZZER
import Foundation

/// Without libFuzzer: replays inputs, so the seed corpus and every crash ever found run in the
/// ordinary test suite (and under the sanitizers) on every build.
///   hermes-fuzz TARGET FILE_OR_DIRECTORY...
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments
        guard args.count >= 3, let target = FuzzTarget(rawValue: args[1]) else {
            print("usage: hermes-fuzz TARGET FILE_OR_DIRECTORY...  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")))")
            exit(2)
        }
        var count = 0
        for path in args.dropFirst(2) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run(data)
                count += 1
            }
        }
        print("\(target.rawValue): \(count) input(s) replayed, no crash")
    }
}
#endif
