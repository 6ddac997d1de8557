import Foundation
import Testing
@testable import HermesOAuth
import HermesOAuthC
import HermesTestSupport

/// The C face of libhermesoauth.so, checked the way a C user meets it: real compilers, the real
/// shared library, the installed header and pkg-config file. Under a sanitizer the programs are
/// built with it (see `CCompiler`).
@Suite(.serialized) struct CAPITests {
    let dir = TemporaryDirectory("hermes-capi")
    var include: String { Build.packageRoot + "/include" }
    var programs: String { Build.packageRoot + "/Tests/CPrograms" }
    var lib: String { Build.productsDirectory }

    func compileAndRun(_ source: String) async throws -> ProgramResult {
        let exe = dir.file((source as NSString).deletingPathExtension)
        let cc = try await CCompiler.compile(source: programs + "/" + source, output: exe,
                                       flags: ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", include],
                                       libraries: ["-lcrypto", "-lpthread"])
        #expect(cc.status == 0, "cc failed: \(cc.stderr)")
        return try await run(exe, [])
    }

    @Test func aCProgramLinksTheLibraryAndItsPKCEMatchesOpenSSL() async throws {
        let result = try await compileAndRun("pkce_check.c")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("libhermesoauth \(HermesVersion.string)"))
        #expect(result.stdout.hasSuffix("ok\n"))
    }

    @Test func statusConstantsMatchTheSwiftCodes() async throws {
        let result = try await compileAndRun("status_values.c")
        #expect(result.status == 0)
        let printed = result.stdout.split(separator: "\n").map(String.init)
        #expect(printed == HermesStatus.allCases.map { "\($0.cName)=\($0.rawValue)" })
    }

    @Test(arguments: [
        ["gcc", "-x", "c", "-std=c99"],
        ["gcc", "-x", "c", "-std=c11"],
        ["g++", "-x", "c++", "-std=c++11"],
        ["g++", "-x", "c++", "-std=c++17"],
    ])
    func theHeaderIsCleanCAndCPlusPlus(compiler: [String]) async throws {
        let result = try await run("/usr/bin/env", compiler + ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only",
                                                         include + "/hermesoauth.h"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The hand-written header and the Swift exports must agree in every signature and name.
    @Test func theHeaderMatchesTheSwiftExports() async throws {
        let generated = Build.generatedHeaderDirectory(module: "HermesOAuthC")
        // The generated header includes CHermesOAuthABI's header for the handle's struct type.
        let abi = Build.packageRoot + "/Sources/CHermesOAuthABI/include"
        let clang = try await run("/usr/bin/env", ["clang", "-fsyntax-only", "-I", include, "-I", generated, "-I", abi,
                                             programs + "/header_drift.c"])
        #expect(clang.status == 0, "the header and the Swift exports disagree:\n\(clang.stderr)")

        let swiftHeader = try String(contentsOfFile: generated + "/HermesOAuthC-Swift.h", encoding: .utf8)
        let exported = Set(swiftHeader.matches(of: /SWIFT_EXTERN [^;]*?\b(hermes_[a-z0-9_]+)\(/).map { String($0.1) })
        #expect(exported == declaredFunctions())
        #expect(!exported.isEmpty)
    }

    /// `nm -D --defined-only`: the library's global symbols are exactly the header's functions.
    /// (Sanitizer builds leave out the version script: see Package.swift.)
    @Test(.disabled(if: Sanitizer.active, "no version script in sanitizer builds"))
    func theLibraryExportsOnlyTheCAPI() async throws {
        let nm = try await run("/usr/bin/env", ["nm", "-D", "--defined-only", lib + "/libhermesoauth.so"])
        #expect(nm.status == 0)
        let symbols = nm.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count == 3 ? String(parts[2]) : nil
        }
        #expect(Set(symbols) == declaredFunctions(), "\(symbols)")
    }

    @Test(.disabled(if: Sanitizer.active, "a plain cc cannot load an instrumented library"))
    func installedWithPkgConfigACProgramBuildsAndRuns() async throws {
        let prefix = dir.file("prefix")
        let install = try await run(Build.packageRoot + "/scripts/install.sh", ["--prefix", prefix, "--products", lib])
        #expect(install.status == 0, "\(install.stderr)")
        for path in ["lib/libhermesoauth.so", "include/hermesoauth.h", "lib/pkgconfig/hermesoauth.pc", "bin/hermes"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + path), "\(path) not installed")
        }
        var env = ProcessInfo.processInfo.environment
        env["PKG_CONFIG_PATH"] = prefix + "/lib/pkgconfig"
        let modversion = try await run("/usr/bin/env", ["pkg-config", "--modversion", "hermesoauth"], environment: env)
        #expect(modversion.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == HermesVersion.string)

        let exe = dir.file("installed_check")
        let build = try await run("/bin/sh", ["-c", "cc \"$1\" $(pkg-config --cflags --libs hermesoauth) $(pkg-config --libs libcrypto) -lpthread -o \"$2\"",
                                        "sh", programs + "/pkce_check.c", exe], environment: env)
        #expect(build.status == 0, "\(build.stderr)")
        // No LD_LIBRARY_PATH: the .pc file's rpath finds the installed library.
        var clean = env
        clean.removeValue(forKey: "LD_LIBRARY_PATH")
        let result = try await run(exe, [], environment: clean)
        #expect(result.status == 0, "\(result.stderr)")
        let ldd = try await run("/usr/bin/env", ["ldd", exe])
        #expect(ldd.stdout.contains(prefix + "/lib/libhermesoauth.so"))
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

    func declaredFunctions() -> Set<String> {
        let header = (try? String(contentsOfFile: include + "/hermesoauth.h", encoding: .utf8)) ?? ""
        return Set(header.matches(of: /\b(hermes_[a-z0-9_]+)\s*\(/).map { String($0.1) })
    }
}
