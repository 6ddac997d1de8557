import Foundation

/// Compiles a C program against this build's libhermesoauth.so (or libhermesmcp.so: `library`).
///
/// In an ordinary build that is the system's `cc`. Under a sanitizer the library carries that
/// sanitizer's instrumentation but not its runtime, which only an executable can bring, so the
/// program is built by the Swift toolchain's own clang with the same `-fsanitize=` (the same
/// runtime version as the library's) and linked with libdispatch, which TSan's runtime
/// intercepts. The program then runs checked by the sanitizer instead of valgrind, and exits
/// non-zero on any report (ASan stops at the first; TSan exits 66 at the end).
public enum CCompiler {
    /// The command line for `source`: the caller's flags and libraries plus what linking this
    /// build's library needs.
    public static func command(source: String, output: String, flags: [String], libraries: [String],
                               libraryDirectory: String = Build.productsDirectory, library: String = "hermesoauth") -> [String] {
        let hermes = ["-L", libraryDirectory, "-l" + library, "-Wl,-rpath," + libraryDirectory]
        guard let kind = Sanitizer.kind else {
            return ["cc"] + flags + [source] + hermes + libraries + ["-o", output]
        }
        let runtime = toolchain + "/lib/swift/linux"
        return [toolchain + "/bin/clang", "-fsanitize=\(kind)", "-g"] + flags + [source] + hermes + libraries
            + ["-L", runtime, "-ldispatch", "-lBlocksRuntime", "-Wl,-rpath," + runtime, "-o", output]
    }

    public static func compile(source: String, output: String, flags: [String], libraries: [String],
                               libraryDirectory: String = Build.productsDirectory, library: String = "hermesoauth") async throws -> ProgramResult {
        try await run("/usr/bin/env", command(source: source, output: output, flags: flags, libraries: libraries,
                                        libraryDirectory: libraryDirectory, library: library))
    }

    /// The toolchain's `usr` directory: two levels above the `swift` found on PATH, symlinks resolved.
    static let toolchain: String = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = String(dir) + "/swift"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return URL(fileURLWithPath: candidate).resolvingSymlinksInPath()
                    .deletingLastPathComponent().deletingLastPathComponent().path
            }
        }
        fatalError("no swift on PATH: the sanitizer builds compile C with the toolchain's clang")
    }()
}
