// swift-tools-version:6.0
import PackageDescription

// libhermesoauth.so must export nothing but the C API: the version script hides every other symbol
// (Swift metadata, the shims, Yams), so C users only ever see `hermes_*`. It sits on HermesOAuthC,
// so besides the library only what links the C API gets it (its tests, hermes-test-helper), not the
// CLI or the other programs.
// There it would hide a sanitizer runtime's interceptors (ThreadSanitizer then never learns of
// libdispatch's threads and crashes), so sanitizer builds (scripts/sanitizers.sh sets
// HERMES_SANITIZER) go without it.
let exportOnlyCAPI: [LinkerSetting] = Context.environment["HERMES_SANITIZER"] != nil ? [] : [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "--version-script=\(Context.packageDirectory)/hermesoauth.map"])
]
// libhermesmcp.so likewise: the OAuth API it re-exports and its own, `hermes_*` and nothing else.
let exportOnlyMCPCAPI: [LinkerSetting] = Context.environment["HERMES_SANITIZER"] != nil ? [] : [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "--version-script=\(Context.packageDirectory)/hermesmcp.map"])
]

// Under ThreadSanitizer every `Locked` also reports its critical sections to TSan, which cannot see
// how `Synchronization.Mutex` hands over a contended lock (see Locked.swift).
let tsanLockEdges: [SwiftSetting] = Context.environment["HERMES_SANITIZER"] == "thread" ? [.define("HERMES_TSAN")] : []

let package = Package(
    name: "hermes",
    products: [
        .library(name: "hermesoauth", type: .dynamic, targets: ["HermesOAuthC"]),
        // The MCP runtime for C hosts, with the whole OAuth C API in it too: a host links one of the two.
        .library(name: "hermesmcp", type: .dynamic, targets: ["HermesMCPC"]),
        .executable(name: "hermes", targets: ["hermes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        // Pinned: hermes works around this version's Linux gaps (its HTTP transport, its PKCE).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .target(
            name: "CHermesShims",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // fork→exec and /proc for HermesMCP's stdio servers; only HermesMCP links it, so
        // libhermesoauth.so carries no process code.
        .target(
            name: "CHermesProcess",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        .target(
            name: "CHermesCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "HermesOAuth",
            dependencies: [
                "CHermesShims",
                "CHermesCurl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: tsanLockEdges
        ),
        // The C API of libhermesoauth.so (include/hermesoauth.h): the `@c` exports, the handle table,
        // status codes and last-error, over HermesOAuth.
        .target(
            name: "HermesOAuthC",
            dependencies: ["HermesOAuth", "CHermesOAuthABI", .product(name: "Logging", package: "swift-log")],
            linkerSettings: exportOnlyCAPI
        ),
        // The handle type `hermes_oauth`, complete for Swift (see its header).
        .target(name: "CHermesOAuthABI"),
        // The MCP client runtime on top of HermesOAuth (kept out of libhermesoauth.so).
        .target(
            name: "HermesMCP",
            dependencies: ["HermesOAuth", "CHermesProcess", .product(name: "MCP", package: "swift-sdk"), .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The C API of libhermesmcp.so (include/hermesmcp.h): MCPRuntime behind an opaque handle,
        // over HermesMCP, and HermesOAuthC's exports (status codes, last-error, the OAuth calls).
        .target(
            name: "HermesMCPC",
            dependencies: ["HermesMCP", "HermesOAuthC", "HermesOAuth", "CHermesMCPABI", .product(name: "MCP", package: "swift-sdk")],
            linkerSettings: exportOnlyMCPCAPI
        ),
        // The handle type `hermes_mcp`, complete for Swift (see its header).
        .target(name: "CHermesMCPABI"),
        .executableTarget(
            name: "hermes",
            dependencies: [
                "HermesOAuth",
                "HermesMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            // A release `hermes` carries its Swift runtime: no libswiftCore/Foundation to find at
            // run time, and a cold start that maps and relocates less (27 MB peak RSS, not 32). lld, because
            // the static Foundation archives refer back to each other, which GNU ld resolves only in order.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-static-stdlib", "-l_CFURLSessionInterface", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections", "-lCoreFoundation", "-lcurl"], .when(configuration: .release))]
        ),
        // A small program the tests start as a separate process (concurrent writers, lock holders).
        .executableTarget(
            name: "hermes-test-helper",
            dependencies: ["HermesOAuth", "HermesOAuthC", "HermesMCP"]
        ),
        // Figures for the manager: hot path, live reload, 401 storm, cross-process refresh; and
        // sequential MCP calls through the runtime (bench/mcp_calls.sh).
        .executableTarget(
            name: "hermes-bench",
            dependencies: ["HermesOAuth", "HermesOAuthC", "CHermesOAuthABI", "HermesMCP",
                           .product(name: "MCP", package: "swift-sdk")]
        ),
        // Fuzz entry points for every parser of outside input: libFuzzer's when built with
        // -DHERMES_LIBFUZZER -sanitize=fuzzer (scripts/fuzz.sh), a corpus replayer otherwise.
        .executableTarget(
            name: "hermes-fuzz",
            dependencies: ["HermesOAuth", "CLibFuzzer"],
            path: "Fuzz/hermes-fuzz"
        ),
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        // Shared by the test targets: temporary homes, running built programs, finding the build.
        .target(
            name: "HermesTestSupport",
            dependencies: ["CHermesProcess", .product(name: "SystemPackage", package: "swift-system")],
            path: "Tests/HermesTestSupport"
        ),
        .testTarget(
            name: "HermesOAuthTests",
            dependencies: [
                "HermesOAuth", "HermesOAuthC", "CHermesOAuthABI", "CHermesShims", "HermesTestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "HermesMCPTests",
            dependencies: ["HermesMCP", "HermesMCPC", "HermesOAuth", "HermesTestSupport"]
        ),
        // Attacks played by hostile peers (servers, files, C callers) that hermes must withstand.
        .testTarget(
            name: "HostilePeerTests",
            dependencies: [
                "hermes", "HermesOAuth", "HermesOAuthC", "CHermesOAuthABI", "HermesMCP", "CHermesShims", "HermesTestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "hermesCLITests",
            dependencies: ["hermes", "HermesOAuth", "HermesTestSupport"]
        ),
    ]
)
