#if HERMES_LIBFUZZER
import CLibFuzzer
import Foundation

// Built with -sanitize=fuzzer (scripts/fuzz.sh). SwiftPM names an executable's entry point
// `hermes_fuzz_main` and aliases `main` to it, so libFuzzer's own main is never linked: this entry
// hands control to libFuzzer's driver instead. HERMES_FUZZ_TARGET picks the parser.
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["HERMES_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set HERMES_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
        exit(2)
    }
    return target
}()

// libFuzzer's driver refers to this name too (for its standalone main, unused here).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

@_cdecl("hermes_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    _ = target
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzzOneInput(bytes, size) }
}
#endif
