import Glibc
import Foundation
import HermesTestSupport
import Testing
@testable import HermesOAuth

/// Crash and fault campaigns against real processes and the real OAuth server. Sizes scale with
/// HERMES_CAMPAIGN_SCALE (1 in the test suite; scripts/campaigns.sh runs them larger).
enum Campaign {
    static let scale = max(1, Int(ProcessInfo.processInfo.environment["HERMES_CAMPAIGN_SCALE"] ?? "1") ?? 1)

    /// One line per campaign for scripts/campaigns.sh to collect.
    static func report(_ text: String) {
        print("CAMPAIGN \(text)")
    }
}

@Suite(.timeLimit(.minutes(5))) struct PowerCutCampaignTests {
    /// A writer SIGKILLed at random points over at least 1000 completed token writes: every time,
    /// the file parses and holds a complete token set (the last completed write or the one
    /// before), is 0600, never empty, and no temporary file outlives the next write.
    @Test func killedWritersNeverTearOrLoseTheTokenFile() async throws {
        let dir = TemporaryDirectory("hermes-powercut")
        let home = HermesHome(path: dir.path)
        let store = TokenStore(home: home, serverName: "srv")
        let target = 1000 * Campaign.scale
        var completed = 0, kills = 0, torn = 0, badModes = 0
        var previousTag: String?
        var generator = SystemRandomNumberGenerator()
        while completed < target {
            let tag = "r\(kills)"
            // The kill is aimed at the writes: timed from the writer's "writing", not from its
            // start, which on a loaded machine can outlast any fixed delay (then no write ever lands).
            let writer = try Interactive(Build.product("hermes-test-helper"), ["write-tokens", dir.path, "srv", "400", tag])
            #expect(await writer.read(until: "writing", timeout: 30), "the writer never started: \(writer.output)")
            try await Task.sleep(for: .microseconds(Int.random(in: 0...30_000, using: &generator)))
            kill(writer.process.processIdentifier, SIGKILL)
            _ = await writer.finish(timeout: 10)
            kills += 1

            let outcome = store.readTokens()
            guard case .value(let tokens) = outcome else {
                // Killed before its first write ever landed: only acceptable while nothing was written.
                #expect(previousTag == nil, "after kill \(kills): \(outcome)")
                if previousTag != nil { torn += 1 }
                continue
            }
            let parts = tokens.accessToken.split(separator: "-")
            let writtenBy = String(parts[0])
            #expect(writtenBy == tag || writtenBy == previousTag, "kill \(kills): holds \(writtenBy), expected \(tag) or \(previousTag ?? "-")")
            #expect(tokens.refreshToken == "\(writtenBy)-refresh-\(parts[2])", "access and refresh token from different writes")
            if writtenBy == tag, let index = Int(parts[2]) { completed += index + 1; previousTag = tag }
            var st = stat()
            #expect(stat(dir.path + "/mcp-tokens/srv.json", &st) == 0 && st.st_size > 0)
            #expect(st.st_mode & 0o777 == 0o600)
            if st.st_mode & 0o777 != 0o600 { badModes += 1 }
        }
        // The next successful write clears what the killed writers left half-done.
        let final = try await run(Build.product("hermes-test-helper"), ["write-tokens", dir.path, "srv", "1", "final"])
        #expect(final.status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/mcp-tokens").filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        var st = stat()
        stat(dir.path + "/mcp-tokens", &st)
        #expect(st.st_mode & 0o777 == 0o700)
        Campaign.report("power-cut: \(kills) SIGKILLs over \(completed) completed writes; torn or empty files \(torn), wrong modes \(badModes), leftovers after next write \(leftovers.count)")
    }
}

@Suite(.timeLimit(.minutes(5))) struct RotationRaceCampaignTests {
    /// 16 processes with 4 tasks each, every task repeatedly treating its token as rejected, against
    /// a server that rotates refresh tokens and revokes the whole family when a spent one comes
    /// back. One reuse anywhere would log everybody out; there must be none.
    @Test func sixteenProcessesRefreshingWithRotationAndFamilyRevocation() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        _ = try await manager.login("peer", interaction: f.interaction())
        let rounds = 5 * Campaign.scale
        let processes = try (0..<16).map { _ in
            try Child(Build.product("hermes-test-helper"), ["refresh-loop", f.home.path, "peer", "\(rounds)", "4"], stdout: .pipe)
        }
        var outputs: [String] = []
        for p in processes {
            outputs.append(String(decoding: await p.readStdoutToEnd(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            await p.wait()
        }
        let state = try await f.peer.state()
        let revocations = state["family_revocations"] as? Int ?? -1
        let refreshes = state["refreshes"] as? Int ?? -1
        #expect(outputs.allSatisfy { $0 == "ok \(rounds * 4)" }, "\(outputs)")
        #expect(revocations == 0)
        #expect(refreshes >= 16, "the processes really raced: \(refreshes) refreshes")
        // The token left on disk is live at the server.
        let check = try await run(Build.product("hermes-test-helper"), ["access-token", f.home.path, "peer"])
        #expect(check.stdout.hasPrefix("ok "))
        let live = try await f.peer.state()["refresh"] as? [String] ?? []
        #expect(live.contains(try #require(f.store.tokens()?.refreshToken)))
        Campaign.report("rotation-race: \(processes.count) processes x 4 tasks x \(rounds) forced recoveries; \(refreshes) refreshes, family revocations \(revocations), forced logouts \(outputs.filter { $0.hasPrefix("error") }.count)")
    }
}

@Suite(.timeLimit(.minutes(3))) struct NetworkFaultCampaignTests {
    /// Every way the token endpoint can fail during a refresh and a login: the tokens on disk stay
    /// byte for byte, the error says what happened, and once the server is back all is well.
    @Test func refreshAndLoginSurviveEveryNetworkFault() async throws {
        let f = try await Fixture()
        // The token endpoint goes through a proxy that can vanish (connection refused) and return.
        let authority = try #require(URL(string: f.peer.issuer)).port.map { "127.0.0.1:\($0)" } ?? ""
        let proxy = try await TCPProxy(target: authority)
        defer { proxy.stop() }
        try await f.peer.configure(["asm_overrides": ["token_endpoint": "http://127.0.0.1:\(proxy.port)/token"]])
        let raw = ConfigValue.map([ConfigPair(key: "url", value: .string(f.peer.mcpURL)), ConfigPair(key: "auth", value: .string("oauth")),
                                   ConfigPair(key: "connect_timeout", value: .scalar("1"))])
        let provider = OAuthProvider(server: try OAuthServer(config: MCPServerConfig(name: "peer", raw: raw)), home: f.home, clock: f.clock.now)
        _ = try await provider.login(interaction: f.interaction())

        var outcomes: [String] = []
        func fault(_ name: String, inject: () async throws -> Void, heal: () async throws -> Void) async throws {
            let before = try #require(FileManager.default.contents(atPath: f.store.tokensPath))
            f.clock.advance(7200)   // expired: the next use must refresh
            try await inject()
            var message = ""
            do {
                _ = try await provider.accessToken()
                Issue.record("\(name): a refresh through the fault succeeded")
            } catch {
                message = "\(error)"
                if case .needsLogin = error { Issue.record("\(name): a transient fault turned into 'log in again': \(error)") }
            }
            #expect(FileManager.default.contents(atPath: f.store.tokensPath) == before, "\(name): tokens changed on disk")
            #expect(!message.isEmpty && !message.contains("at_") && !message.contains("rt_"), "\(name): \(message)")
            try await heal()
            let token = try await provider.accessToken()
            #expect(try await f.probe(token) == 200, "\(name): no recovery")
            outcomes.append("\(name) → \(message.prefix(90))")
        }
        try await fault("connection refused", inject: { proxy.stop() }, heal: { try await proxy.start() })
        try await fault("503", inject: { try await f.peer.configure(["token_fault": ["status": 503, "count": 1]]) }, heal: {})
        try await fault("429", inject: { try await f.peer.configure(["token_fault": ["status": 429, "count": 1]]) }, heal: {})
        try await fault("slow past the timeout", inject: { try await f.peer.configure(["token_delay": 2.5]) },
                        heal: { try await f.peer.configure(["token_delay": 0]) })
        try await fault("truncated JSON", inject: {
            try await f.peer.configure(["token_fault": ["status": 200, "count": 1, "body": "{\"access_token\": \"at_trunc", "content_type": "application/json"]])
        }, heal: {})
        try await fault("HTML instead of JSON", inject: {
            try await f.peer.configure(["token_fault": ["status": 200, "count": 1, "body": "<html>maintenance</html>", "content_type": "text/html"]])
        }, heal: {})

        // A login whose code exchange meets a 503 fails clearly and keeps the previous tokens.
        let before = try #require(FileManager.default.contents(atPath: f.store.tokensPath))
        try await f.peer.configure(["token_fault": ["status": 503, "count": 1]])
        await #expect(throws: OAuthFailure.self) { _ = try await provider.login(interaction: f.interaction()) }
        #expect(FileManager.default.contents(atPath: f.store.tokensPath) == before)
        _ = try await provider.login(interaction: f.interaction())
        Campaign.report("network-faults: " + outcomes.joined(separator: "; "))
    }
}

@Suite(.timeLimit(.minutes(3))) struct HostileCallbackCampaignTests {
    /// This process's sockets whose local end is `port`: the listener's side of its connections.
    static func socketsOnLocalPort(_ port: Int) -> Int {
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        let hex = String(format: "%04X", port)
        let inodes = Set(table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(":" + hex) else { return nil }
            return String(fields[9])
        })
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else { return false }
            return inodes.contains(target.replacingOccurrences(of: "socket:[", with: "").replacingOccurrences(of: "]", with: ""))
        }.count
    }

    /// While a login waits, local traffic floods its callback port: hundreds of silent
    /// connections, byte-at-a-time senders, wrong state, wrong iss, oversized heads, all at once.
    /// Nothing crashes, nothing hostile is accepted, and the person's browser still completes at
    /// once rather than after everyone else's deadlines.
    @Test func aFloodOfHostileClientsNeitherBreaksNorDelaysTheLogin() async throws {
        let f = try await Fixture()
        let (login, url, port) = try await f.loginAwaitingTheBrowser()
        let silent = try (0..<min(200 * Campaign.scale, 500)).map { _ in try HostileClient.connect(port: port) }

        let payloads = ["GET /callback?code=stolen&state=wrong HTTP/1.1\r\n\r\n",
                        "GET /callback?code=stolen&state=wrong&iss=https%3A%2F%2Fevil.example HTTP/1.1\r\n\r\n",
                        "GET /callback?error=access_denied&state=guess HTTP/1.1\r\n\r\n",
                        "GET /callback?" + String(repeating: "A", count: 50_000) + " HTTP/1.1\r\n\r\n",
                        "GET /callback?code=x&state=y HTTP/1.1\r\n" + String(repeating: "X-Pad: \(String(repeating: "b", count: 100))\r\n", count: 200) + "\r\n",
                        "\u{0}\u{FF}\u{1B}[2J garbage\r\n\r\n", "POST /callback HTTP/1.1\r\nContent-Length: 9\r\n\r\ncode=evil"]
        let replies = Replies()
        let attackers = (0..<40).map { i in
            Thread {
                let reply = (try? HostileClient.send(port: port, payloads[i % payloads.count])) ?? ""
                replies.add(reply)
            }
        }
        let slow = (0..<8).map { _ in
            Thread {
                guard let c = try? HostileClient.connect(port: port) else { return }
                for byte in Array("GET /callback?code=slow&state=slow HTTP/1.1\r\n".utf8) {
                    var b = byte
                    if Glibc.send(c.fd, &b, 1, Int32(MSG_NOSIGNAL)) <= 0 { break }
                    usleep(100_000)
                }
                c.close()
            }
        }
        (attackers + slow).forEach { $0.start() }
        try await Task.sleep(nanoseconds: 300_000_000)

        // The person's browser arrives in the middle of it.
        let started = Date()
        _ = try await run(Peers.script("browser.sh"), [url])
        let report = try await login.value
        let waited = Date().timeIntervalSince(started)
        #expect(try await f.probe(report.tokens.accessToken) == 200)
        #expect(waited < 15, "the browser waited \(waited) s behind hostile clients")
        for _ in 0..<100 where replies.count < attackers.count { try await Task.sleep(nanoseconds: 100_000_000) }
        let all = replies.all
        let accepted = all.filter { $0.hasPrefix("HTTP/1.1 200") }.count
        #expect(accepted == 0, "a hostile request was accepted")
        #expect(all.filter { $0.hasPrefix("HTTP/1.1 4") }.count >= 1)
        silent.forEach { $0.close() }
        // Every connection the listener accepted is closed again.
        try await Task.sleep(nanoseconds: 500_000_000)
        let leftOpen = Self.socketsOnLocalPort(port)
        #expect(leftOpen == 0, "the listener left \(leftOpen) sockets open")
        Campaign.report("hostile-callback: \(silent.count) silent + \(slow.count) byte-at-a-time + \(attackers.count) hostile requests; accepted \(accepted) (\(all.count) replies); sockets left open \(leftOpen); browser completed in \(String(format: "%.2f", waited)) s")
    }
}

final class Replies: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [String] = []
    func add(_ r: String) { lock.withLock { replies.append(r) } }
    var all: [String] { lock.withLock { replies } }
    var count: Int { lock.withLock { replies.count } }
}
