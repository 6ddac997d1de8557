import Foundation
import Testing
@testable import HermesOAuth
import HermesOAuthC
import HermesTestSupport

/// The C faces of libhermesoauth.so and libhermesmcp.so, checked the way a C user meets them: real
/// compilers, the real shared libraries, the installed headers and pkg-config files. Under a
/// sanitizer the programs are built with it (see `CCompiler`).
@Suite(.serialized) struct CAPITests {
    let dir = TemporaryDirectory("hermes-capi")
    var include: String { Build.packageRoot + "/include" }
    var programs: String { Build.packageRoot + "/Tests/CPrograms" }
    var lib: String { Build.productsDirectory }

    /// The two libraries: libhermesmcp.so holds the whole OAuth API too, under the same header.
    static let libraries = ["hermesoauth", "hermesmcp"]

    /// `-DHERMES_MCP` makes the programs include hermesmcp.h instead of hermesoauth.h.
    func compileAndRun(_ source: String, library: String = "hermesoauth") async throws -> ProgramResult {
        let exe = dir.file((source as NSString).deletingPathExtension + "-" + library)
        let cc = try await CCompiler.compile(source: programs + "/" + source, output: exe,
                                       flags: ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", include]
                                           + (library == "hermesmcp" ? ["-DHERMES_MCP"] : []),
                                       libraries: ["-lcrypto", "-lpthread"], library: library)
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        return try await run(exe, [])
    }

    @Test(arguments: libraries)
    func aCProgramLinksTheLibraryAndItsPKCEMatchesOpenSSL(library: String) async throws {
        let result = try await compileAndRun("pkce_check.c", library: library)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("libhermesoauth \(HermesVersion.string)"))
        #expect(result.stdout.hasSuffix("ok\n"))
    }

    @Test(arguments: libraries)
    func statusConstantsMatchTheSwiftCodes(library: String) async throws {
        let result = try await compileAndRun("status_values.c", library: library)
        #expect(result.status == 0)
        let printed = result.stdout.split(separator: "\n").map(String.init)
        #expect(printed == HermesStatus.allCases.map { "\($0.cName)=\($0.rawValue)" })
    }

    @Test(arguments: [
        ["gcc", "-x", "c", "-std=c99"],
        ["gcc", "-x", "c", "-std=c11"],
        ["g++", "-x", "c++", "-std=c++11"],
        ["g++", "-x", "c++", "-std=c++17"],
    ], libraries)
    func theHeaderIsCleanCAndCPlusPlus(compiler: [String], library: String) async throws {
        let result = try await run("/usr/bin/env", compiler + ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only",
                                                         include + "/\(library).h"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The hand-written header and the Swift exports must agree in every signature and name: the
    /// OAuth API in HermesOAuthC, the MCP API in HermesMCPC.
    @Test(arguments: [("hermesoauth", "HermesOAuthC"), ("hermesmcp", "HermesMCPC")])
    func theHeaderMatchesTheSwiftExports(library: String, module: String) async throws {
        let generated = Build.generatedHeaderDirectory(module: module)
        // The generated headers include the ABI targets' headers for the handles' struct types.
        let abi = ["CHermesOAuthABI", "CHermesMCPABI"].flatMap { ["-I", Build.packageRoot + "/Sources/\($0)/include"] }
        let clang = try await run("/usr/bin/env", ["clang", "-fsyntax-only", "-I", include, "-I", generated] + abi
                                    + (library == "hermesmcp" ? ["-DHERMES_MCP"] : []) + [programs + "/header_drift.c"])
        #expect(clang.status == 0, "the header and the Swift exports disagree:\n\(clang.stderr)")

        let swiftHeader = try String(contentsOfFile: generated + "/\(module)-Swift.h", encoding: .utf8)
        let exported = Set(swiftHeader.matches(of: /SWIFT_EXTERN [^;]*?\b(hermes_[a-z0-9_]+)\(/).map { String($0.1) })
        #expect(exported == declaredFunctions(in: library))
        #expect(!exported.isEmpty)
    }

    /// `nm -D --defined-only`: the library's global symbols are exactly its headers' functions
    /// (libhermesmcp.so: those of hermesmcp.h and of hermesoauth.h, which it includes).
    /// (Sanitizer builds leave out the version script: see Package.swift.)
    @Test(.disabled(if: Sanitizer.active, "no version script in sanitizer builds"), arguments: libraries)
    func theLibraryExportsOnlyTheCAPI(library: String) async throws {
        let nm = try await run("/usr/bin/env", ["nm", "-D", "--defined-only", lib + "/lib\(library).so"])
        #expect(nm.status == 0)
        let symbols = nm.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count == 3 ? String(parts[2]) : nil
        }
        let expected = library == "hermesmcp" ? declaredFunctions(in: "hermesoauth").union(declaredFunctions(in: "hermesmcp"))
                                              : declaredFunctions(in: "hermesoauth")
        #expect(Set(symbols) == expected, "\(symbols)")
        #expect(declaredFunctions(in: library).isSubset(of: Set(symbols)))
    }

    @Test(.disabled(if: Sanitizer.active, "a plain cc cannot load an instrumented library"))
    func installedWithPkgConfigACProgramBuildsAndRuns() async throws {
        let prefix = dir.file("prefix")
        let install = try await run(Build.packageRoot + "/scripts/install.sh", ["--prefix", prefix, "--products", lib])
        #expect(install.status == 0, "\(install.stderr)")
        for path in ["lib/libhermesoauth.so", "include/hermesoauth.h", "lib/pkgconfig/hermesoauth.pc",
                     "lib/libhermesmcp.so", "include/hermesmcp.h", "lib/pkgconfig/hermesmcp.pc", "bin/hermes"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + path), "\(path) not installed")
        }
        var env = ProcessInfo.processInfo.environment
        env["PKG_CONFIG_PATH"] = prefix + "/lib/pkgconfig"
        let modversion = try await run("/usr/bin/env", ["pkg-config", "--modversion", "hermesoauth"], environment: env)
        #expect(modversion.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == HermesVersion.string)

        for library in Self.libraries {
            let modversion = try await run("/usr/bin/env", ["pkg-config", "--modversion", library], environment: env)
            #expect(modversion.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == HermesVersion.string)
            let exe = dir.file("installed_check_" + library)
            let define = library == "hermesmcp" ? "-DHERMES_MCP" : ""
            let build = try await run("/bin/sh", ["-c", "cc \(define) \"$1\" $(pkg-config --cflags --libs \(library)) $(pkg-config --libs libcrypto) -lpthread -o \"$2\"",
                                            "sh", programs + "/pkce_check.c", exe], environment: env)
            #expect(build.status == 0, "\(build.stderr)")
            // No LD_LIBRARY_PATH: the .pc file's rpath finds the installed library.
            var clean = env
            clean.removeValue(forKey: "LD_LIBRARY_PATH")
            let result = try await run(exe, [], environment: clean)
            #expect(result.status == 0, "\(result.stderr)")
            let ldd = try await run("/usr/bin/env", ["ldd", exe])
            #expect(ldd.stdout.contains(prefix + "/lib/lib\(library).so"))
            // One library, never both.
            let other = Self.libraries.first { $0 != library }!
            #expect(!ldd.stdout.contains("lib\(other).so"), "\(ldd.stdout)")
        }
        let version = try await run(prefix + "/bin/hermes", ["--version"])
        #expect(version.stdout.contains(HermesVersion.string))
    }

    @Test func theVersionMacrosAgree() throws {
        let header = try String(contentsOfFile: include + "/hermesoauth.h", encoding: .utf8)
        #expect(header.contains("#define HERMESOAUTH_VERSION \"\(HermesVersion.string)\""))
        let parts = HermesVersion.string.split(separator: ".").compactMap { Int($0) }
        #expect(header.contains("#define HERMESOAUTH_VERSION_MAJOR \(parts[0])"))
        #expect(header.contains("#define HERMESOAUTH_VERSION_MINOR \(parts[1])"))
        #expect(header.contains("#define HERMESOAUTH_VERSION_PATCH \(parts[2])"))
        #expect(header.contains("#define HERMESOAUTH_VERSION_NUM \(parts[0] * 10000 + parts[1] * 100 + parts[2])"))
    }

    func declaredFunctions(in library: String) -> Set<String> {
        let header = (try? String(contentsOfFile: include + "/\(library).h", encoding: .utf8)) ?? ""
        // Declarations only: a line that is not part of a comment (whose prose names functions of
        // the other header too).
        return Set(header.matches(of: /(?m)^(?!\s*\/?\*)[^\n]*?\b(hermes_[a-z0-9_]+)\s*\(/).map { String($0.1) })
    }
}
