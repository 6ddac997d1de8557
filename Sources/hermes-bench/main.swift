import CHermesOAuthABI
import Foundation
import HermesOAuth
import HermesOAuthC

// hermes-bench: the manager's figures (see bench/manager.sh, which builds this in release mode).
// Prints a Markdown table per measurement.

func now() -> Double { TokenCell.now() }

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func row(_ name: String, _ values: [Double], unit: String, scale: Double) {
    print("| \(name) | \(values.count) | \(String(format: "%.3f", percentile(values, 0.5) * scale)) \(unit) | \(String(format: "%.3f", percentile(values, 0.99) * scale)) \(unit) |")
}

// `hermes-bench mcp-calls URL COUNT ...`: sequential tool calls through the runtime (MCPCalls.swift).
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "mcp-calls" {
    try await MCPCalls.run(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
// `hermes-bench grants URL COUNT ID SECRET`: client-credentials acquisition and DPoP proofs (Grants.swift).
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "grants" {
    try await Grants.run(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
// `hermes-bench scale [N...]`: how cost grows with the number of servers (each size in a child
// process, `hermes-bench scale-one N`).
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "scale-one", let n = Int(CommandLine.arguments[2]) {
    try await Scaling.one(n)
    exit(0)
}
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "scale" {
    let sizes = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    try Scaling.table(sizes: sizes.isEmpty ? [1, 10, 100, 1000] : sizes)
    exit(0)
}

let root = BenchDirectory("hermes-bench")
let home = HermesHome(path: root.path)
try root.write("config.yaml", "mcp_servers:\n  bench:\n    url: http://127.0.0.1:9/mcp\n    auth: oauth\n")
let store = TokenStore(home: home, serverName: "bench")
try store.save(tokens: OAuthTokens(accessToken: "bench-access-token-0000000000", refreshToken: "r", expiresAt: now() + 86400))

// 1. Hot path.
let manager = OAuthManager(home: home)
_ = try await manager.accessToken(for: "bench")

// `hermes-bench hot-loop N [c]`: only N cached-token calls (Swift, or through the C ABI), for
// counting system calls with strace against N = 0.
if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "hot-loop", let n = Int(CommandLine.arguments[2]) {
    var total = 0
    if CommandLine.arguments.count > 3 {
        var h: UnsafeMutablePointer<hermes_oauth>?
        _ = hermes_oauth_open(home.path, &h)
        var token: UnsafeMutablePointer<CChar>?
        _ = hermes_oauth_access_token(h, "bench", &token)
        hermes_free(token)
        print("START", terminator: "\n")
        fflush(nil)
        for _ in 0..<n {
            var t: UnsafeMutablePointer<CChar>?
            _ = hermes_oauth_access_token(h, "bench", &t)
            total &+= Int(bitPattern: t)
            hermes_free(t)
        }
    } else {
        print("START")
        fflush(nil)
        for _ in 0..<n { total &+= manager.cachedAccessToken(for: "bench")?.utf8.count ?? 0 }
    }
    print("END \(total & 1)")
    fflush(nil)
    exit(0)
}
var swiftSamples: [Double] = []
var sink = 0
for _ in 0..<200 {
    let t = now()
    for _ in 0..<10_000 { sink &+= manager.cachedAccessToken(for: "bench")?.utf8.count ?? 0 }
    swiftSamples.append((now() - t) / 10_000)
}
var handle: UnsafeMutablePointer<hermes_oauth>?
_ = hermes_oauth_open(home.path, &handle)
var cSamples: [Double] = []
for _ in 0..<200 {
    let t = now()
    for _ in 0..<10_000 {
        var token: UnsafeMutablePointer<CChar>?
        _ = hermes_oauth_access_token(handle, "bench", &token)
        hermes_free(token)
    }
    cSamples.append((now() - t) / 10_000)
}
print("## Hot path: a valid cached token (per call, 200 batches of 10,000 calls)\n")
print("| path | batches | median | p99 |")
print("| --- | --- | --- | --- |")
row("Swift `OAuthManager.cachedAccessToken`", swiftSamples, unit: "µs", scale: 1e6)
row("C ABI `hermes_oauth_access_token` + `hermes_free`", cSamples, unit: "µs", scale: 1e6)
print("")

// 2. Live reload: from the rename of a new token file to the subscriber being told.
let arrivals = Arrivals()
manager.subscribe { event in if event.server == "bench" { arrivals.add(now()) } }
var latencies: [Double] = []
let data = JSONObject.encode(OAuthTokens(accessToken: "x", expiresAt: now() + 86400).json())
for i in 0..<1000 {
    let tmp = home.tokenDirectory + "/.bench.tmp"
    _ = FileManager.default.createFile(atPath: tmp, contents: data)
    let before = arrivals.lock.withLock { arrivals.times.count }
    let t = now()
    rename(tmp, store.tokensPath)
    while arrivals.lock.withLock({ arrivals.times.count }) == before {
        if arrivals.signal.wait(timeout: .now() + 2) == .timedOut { print("event \(i) lost"); break }
    }
    if let arrived = arrivals.lock.withLock({ arrivals.times.last }) { latencies.append(arrived - t) }
}
// Raw samples for bench/plot.py, when asked for.
if let directory = ProcessInfo.processInfo.environment["HERMES_BENCH_SAMPLES"] {
    for (name, values, scale) in [("hot-swift-us", swiftSamples, 1e6), ("hot-c-us", cSamples, 1e6), ("reload-ms", latencies, 1e3)] {
        let text = values.map { String(format: "%.6f", $0 * scale) }.joined(separator: "\n") + "\n"
        try text.write(toFile: directory + "/\(name).txt", atomically: true, encoding: .utf8)
    }
}
print("## Live reload: external atomic rename to subscriber callback (1000 rewrites)\n")
print("| measurement | samples | p50 | p99 |")
print("| --- | --- | --- | --- |")
row("rename → `subscribe` handler", latencies, unit: "ms", scale: 1e3)
print("")

// 3 and 4 need the real server.
let peer = try BenchOAuthPeer()
let peerHome = BenchDirectory("hermes-bench-peer")
try peerHome.write("config.yaml", "mcp_servers:\n  peer:\n    url: \(peer.mcpURL)\n    auth: oauth\n")
let peerManager = OAuthManager(home: HermesHome(path: peerHome.path))
var env = ProcessInfo.processInfo.environment
for (k, v) in BenchPaths.browser { env[k] = v }
let interaction = LoginInteraction(browser: BrowserLauncher(environment: env), pasteFromTerminal: false) { _ in }
_ = try await peerManager.login("peer", interaction: interaction)

func refreshCount() async throws -> Int { try await peer.refreshCount() }

// A single recovery, for scale.
var token = try await peerManager.accessToken(for: "peer")
try await peer.call("/revoke-access")
var t = now()
_ = await peerManager.handle401(server: "peer", failedToken: token)
let single = now() - t

// The storm: 1000 callers saw a 401 with the same token.
token = try await peerManager.accessToken(for: "peer")
try await peer.call("/revoke-access")
let refreshesBefore = try await refreshCount()
t = now()
let failed = token
let storm = await withTaskGroup(of: Bool.self) { group in
    for _ in 0..<1000 { group.addTask { await peerManager.handle401(server: "peer", failedToken: failed).retry } }
    var told = 0
    for await retry in group where retry { told += 1 }
    return told
}
let stormTime = now() - t
let stormRefreshes = try await refreshCount() - refreshesBefore

// Cross-process: 16 processes find the same expired token.
let peerStore = TokenStore(home: HermesHome(path: peerHome.path), serverName: "peer")
var expired = peerStore.tokens()!
expired.expiresAt = now() - 10
try peerStore.save(tokens: expired)
let crossBefore = try await refreshCount()
let helper = BenchPaths.products + "/hermes-test-helper"
t = now()
let processes = try (0..<16).map { _ -> (Process, Pipe) in
    let p = Process()
    let out = Pipe()
    p.executableURL = URL(fileURLWithPath: helper)
    p.arguments = ["access-token", peerHome.path, "peer"]
    p.standardOutput = out
    try p.run()
    return (p, out)
}
var answers = Set<String>()
for (p, out) in processes {
    answers.insert(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    p.waitUntilExit()
}
let crossTime = now() - t
let crossRefreshes = try await refreshCount() - crossBefore
peer.stop()

print("## Recovery against the local OAuth server (MCP Python SDK)\n")
print("| scenario | callers | refresh requests the server saw | callers told to retry | wall time |")
print("| --- | --- | --- | --- | --- |")
print("| one 401, one caller | 1 | 1 | 1 | \(String(format: "%.1f", single * 1e3)) ms |")
print("| 401 storm: same revoked token | 1000 | \(stormRefreshes) | \(storm) | \(String(format: "%.1f", stormTime * 1e3)) ms (\(String(format: "%.1f", stormTime / single))x one recovery) |")
print("| 16 processes, one expired token | 16 | \(crossRefreshes) | \(answers.count == 1 && answers.first!.hasPrefix("ok") ? 16 : 0) (all with the same new token) | \(String(format: "%.0f", crossTime * 1e3)) ms incl. process start |")
if sink == 42 { print("") }
