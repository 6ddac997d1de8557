import Foundation
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// MCP servers that speak 2026-07-28 and turn one part of it against hermes (Tests/PythonPeers/
/// hostile_mcp_2026.py): the discover probe, `input_required` rounds, `resultType`, progress, the
/// routing headers and `subscriptions/listen`. Each attack must end in a clear, bounded error or a
/// safe result, within the call's timeout, with nothing raw reaching a terminal or a header.
@Suite(.timeLimit(.minutes(3))) struct Hostile2026Tests {
    static func peer(_ attack: String) async throws -> PeerProcess {
        try await PeerProcess(script: "hostile_mcp_2026.py", arguments: ["--attack", attack])
    }

    static func home(_ peer: PeerProcess, connectTimeout: Int = 20, timeout: Int = 30, extra: String = "") throws -> HostileHome {
        let home = HostileHome()
        try home.config("mcp_servers:\n  h:\n    url: \(peer["url"])\n    connect_timeout: \(connectTimeout)\n    timeout: \(timeout)\n" + extra)
        return home
    }

    static func stdioHome(_ attack: String, connectTimeout: Int = 20, timeout: Int = 30) throws -> HostileHome {
        let home = HostileHome()
        try home.config("""
            mcp_servers:
              s:
                command: \(try Peers.python)
                args: [\(Peers.script("hostile_mcp_2026.py")), --stdio, --attack, \(attack), --log, \(home.dir.file("requests.log"))]
                connect_timeout: \(connectTimeout)
                timeout: \(timeout)
            """)
        return home
    }

    /// How often the HTTP peer was asked each method, and what it recorded.
    static func stats(_ peer: PeerProcess) async throws -> [String: Any] {
        let response = try await CurlTransport.shared.send(HTTPRequest(url: URL(string: peer["stats"])!, timeout: 5))
        return try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
    }

    static func requests(_ peer: PeerProcess) async throws -> [String: Int] {
        try await stats(peer)["requests"] as? [String: Int] ?? [:]
    }

    /// The methods a stdio peer of `home` was asked, in order.
    static func stdioRequests(_ home: HostileHome) -> [String] {
        ((try? String(contentsOfFile: home.dir.file("requests.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// `hermes mcp call SERVER TOOL ARGS` without a terminal, timed.
    static func call(_ home: HostileHome, server: String = "h", _ tool: String, _ arguments: String = "{}",
                     timeout: Double = 60) async throws -> (result: ProgramResult, seconds: Double) {
        let start = Date()
        let result = try await home.hermes(["mcp", "call", server, tool, arguments], timeout: timeout)
        return (result, Date().timeIntervalSince(start))
    }

    /// `hermes ARGS` run by a Python parent that reports the child's peak memory (KiB) and CPU
    /// seconds on its last line of stderr.
    static func measured(_ home: HostileHome, _ args: [String], timeout: Double = 90) async throws -> (result: ProgramResult, kib: Int, cpu: Double) {
        let code = """
            import resource, subprocess, sys
            p = subprocess.run(sys.argv[1:])
            u = resource.getrusage(resource.RUSAGE_CHILDREN)
            sys.stderr.write("\\nRUSAGE %d %.2f\\n" % (u.ru_maxrss, u.ru_utime + u.ru_stime))
            sys.exit(p.returncode)
            """
        let result = try await run(try Peers.python, ["-c", code, Build.product("hermes")] + args,
                                   environment: Build.environment(home: home.path, extra: Peers.browser(record: home.dir.file("browser.log"))),
                                   timeout: timeout)
        let fields = result.stderr.split(separator: "\n").last { $0.hasPrefix("RUSAGE ") }?.split(separator: " ") ?? []
        return (result, fields.count == 3 ? Int(fields[1]) ?? -1 : -1, fields.count == 3 ? Double(fields[2]) ?? -1 : -1)
    }

    /// `hermes mcp call ARGS` on a pseudo-terminal played by `script` (pty_drive.py steps); the
    /// transcript is its stdout.
    static func onTerminal(_ home: HostileHome, _ args: String, _ script: String, extra: [String: String] = [:]) async throws -> ProgramResult {
        let command = "\(Build.product("hermes")) mcp call \(args)"
        return try await run(try Peers.python, [Peers.script("pty_drive.py"), script, "--", "/bin/sh", "-c", command],
                             environment: Build.environment(home: home.path, extra: extra), timeout: 90)
    }

    /// What a server put in its text that a terminal would obey, and what it must show instead.
    static let rawInjections = ["\u{1B}]0;pwned", "\u{1B}[2J", "\u{202E}", "\u{202C}", "\u{200B}", "\u{9B}31m"]

    // MARK: server/discover

    @Test(arguments: [("discover-legacy-shape", "2025-11-25")])
    func aDiscoverResultWithNothingUsableFallsBackToInitialize(attack: String, expected: String) async throws {
        let peer = try await Self.peer(attack)
        defer { peer.stop() }
        let home = try Self.home(peer)
        let outcome = try await MCPRuntimeHostileTests.mcpTest(home, server: "h")
        #expect(outcome.connected, "\(outcome.json)")
        #expect(outcome.json["protocol_version"] as? String == expected, "\(outcome.json)")
        #expect(outcome.seconds < 20, "took \(outcome.seconds) s")
        let asked = try await Self.requests(peer)
        #expect(asked["server/discover"] == 1 && asked["initialize"] == 1, "\(asked)")
    }

    /// 200,000 made-up versions, then 2026-07-28 (4 MB): one probe, an answer within
    /// connect_timeout, and little CPU for it.
    @Test func aHugeVersionListIsReadOnceAndCheaply() async throws {
        let peer = try await Self.peer("discover-huge")
        defer { peer.stop() }
        let home = try Self.home(peer)
        let start = Date()
        let (result, _, cpu) = try await Self.measured(home, ["mcp", "test", "h", "--json"])
        let seconds = Date().timeIntervalSince(start)
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        #expect(!json.isEmpty && (result.status == 0 || result.status == 1), "exit \(result.status): \(result.stdout)")
        let asked = try await Self.requests(peer)
        #expect(asked["server/discover"] == 1 && (asked["initialize"] ?? 0) <= 1, "\(asked)")
        // Read as plain JSON (PlainValue), not through the Swift SDK's Value decoder, which built a
        // regular expression per string: 9-11 s of CPU here before, and deadlines overrun.
        #expect(cpu < 3, "\(cpu) s of CPU for a 4 MB discover result")
        #expect(json["protocol_version"] as? String == "2026-07-28", "\(json)")
        #expect(seconds < 23, "took \(seconds) s for connect_timeout 20")
    }

    /// Every answer is -32022 naming every revision hermes speaks but the one it asked for: a few
    /// probes, then one error, not a dance for as long as the server likes.
    @Test(arguments: ["http", "stdio"])
    func aVersionPingPongEndsAfterAFewProbes(transport: String) async throws {
        let peer = transport == "http" ? try await Self.peer("discover-pingpong") : nil
        defer { peer?.stop() }
        let home = try peer.map { try Self.home($0) } ?? Self.stdioHome("discover-pingpong")
        let outcome = try await MCPRuntimeHostileTests.mcpTest(home, server: peer == nil ? "s" : "h")
        #expect(!outcome.connected)
        #expect(outcome.error.contains("-32022") || outcome.error.contains("revisions"), "\(outcome.json)")
        #expect(outcome.seconds < 15, "took \(outcome.seconds) s")
        let asked: [String: Int] = if let peer { try await Self.requests(peer) } else {
            Self.stdioRequests(home).reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
        #expect((asked["server/discover"] ?? 0) <= 2 && (asked["initialize"] ?? 0) <= 1, "\(asked)")
        #expect(asked.values.reduce(0, +) <= 3, "\(asked)")
        // The -32022 refusing initialize names 2026-07-28: hermes asks at it once more
        // (LifecycleNegotiator's catch after initialize) and then gives its own sentence; over HTTP
        // too, where the refusal is a 4xx whose body is the JSON-RPC error.
        #expect(outcome.error.contains("it refuses whatever hermes asks for"), "\(outcome.json)")
        #expect(asked["server/discover"] == 2, "\(asked)")
    }

    /// A discover nobody answers costs the probe's share of connect_timeout (half of it), then
    /// `initialize` connects: over HTTP and over stdio.
    @Test(arguments: ["http", "stdio"])
    func aDiscoverNeverAnsweredCostsOnlyTheProbesBound(transport: String) async throws {
        let peer = transport == "http" ? try await Self.peer("discover-silent") : nil
        defer { peer?.stop() }
        let home = try peer.map { try Self.home($0, connectTimeout: 8) } ?? Self.stdioHome("discover-silent", connectTimeout: 8)
        let outcome = try await MCPRuntimeHostileTests.mcpTest(home, server: peer == nil ? "s" : "h")
        #expect(outcome.connected, "\(outcome.json)")
        #expect(outcome.json["protocol_version"] as? String == "2025-11-25", "\(outcome.json)")
        #expect(outcome.seconds >= 3.5 && outcome.seconds < 8, "took \(outcome.seconds) s")
        let asked: [String: Int] = if let peer { try await Self.requests(peer) } else {
            Self.stdioRequests(home).reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
        #expect(asked["server/discover"] == 1 && asked["initialize"] == 1, "\(asked)")
    }

    // MARK: input_required

    /// With a question each round, or only a new requestState (retried after a short pause).
    @Test(arguments: ["ir-endless", "ir-endless-state"])
    func endlessRoundsStopAtTen(attack: String) async throws {
        let peer = try await Self.peer(attack)
        defer { peer.stop() }
        let (result, seconds) = try await Self.call(try Self.home(peer), "ask")
        #expect(result.status == 1)
        #expect(result.stdout.contains("still asked for input after 10 rounds of tools/call"), "\(result.stdout)")
        #expect(seconds < 20, "took \(seconds) s")
        #expect(try await Self.requests(peer)["tools/call"] == 11)
    }

    @Test(arguments: [
        ("ir-state-type", "result.requestState is not a string"),
        ("rt-unknown", "answered tools/call with resultType 'partial', which MCP 2026-07-28 does not allow there"),
        ("rt-number", "result.resultType is not a string"),
        ("wrong-id", "held no response to it; it sent 1 message(s) hermes could not use, the first: a response to another request"),
    ])
    func aResultHermesCannotTakeIsOneClearError(attack: String, expected: String) async throws {
        let peer = try await Self.peer(attack)
        defer { peer.stop() }
        let (result, seconds) = try await Self.call(try Self.home(peer), "ask")
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix(#"{"error": "MCP call failed: "#), "\(result.stdout)")
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(seconds < 20, "took \(seconds) s")
        #expect(try await Self.requests(peer)["tools/call"] == 1, "asked again")
    }

    /// 10,000 questions in one round (1 MB): refused as more than hermes takes, and not retried. Reading them costs seconds of CPU (see
    /// aHugeVersionListIsReadOnceAndCheaply): on a loaded machine the call's timeout may come
    /// first, which is bounded too.
    @Test func tenThousandQuestionsAreRefused() async throws {
        let peer = try await Self.peer("ir-many")
        defer { peer.stop() }
        let start = Date()
        let (result, _, cpu) = try await Self.measured(try Self.home(peer), ["mcp", "call", "h", "ask", "{}"])
        let seconds = Date().timeIntervalSince(start)
        #expect(result.status == 1)
        #expect(result.stdout.contains("asked 10000 questions at once in tools/call; hermes takes at most 16")
            || result.stdout.contains("timed out after 30.0s"), "\(result.stdout)")
        #expect(seconds < 34, "took \(seconds) s")
        #expect(try await Self.requests(peer)["tools/call"] == 1, "asked again")
        #expect(cpu < 2, "\(cpu) s of CPU for 1 MB of questions")
    }

    @Test func aResultWithoutResultTypeIsComplete() async throws {
        // As the spec says of servers older than the field.
        let peer = try await Self.peer("rt-missing")
        defer { peer.stop() }
        let (result, _) = try await Self.call(try Self.home(peer), "echo", #"{"text": "hi"}"#)
        #expect(result.status == 0)
        #expect(result.stdout.contains(#"{"result": "hi"}"#), "\(result.stdout)")
    }

    @Test func inputRequiredOnAListingIsRefused() async throws {
        let peer = try await Self.peer("ir-list")
        defer { peer.stop() }
        let outcome = try await MCPRuntimeHostileTests.mcpTest(try Self.home(peer), server: "h")
        #expect(!outcome.connected)
        #expect(outcome.error.contains("answered tools/list with resultType 'input_required', which MCP 2026-07-28 does not allow there"), "\(outcome.json)")
        #expect(outcome.seconds < 15)
        #expect(try await Self.requests(peer)["tools/list"] == 1)
    }

    /// 50 MB of requestState (within the 64 MiB an MCP reply may have): refused by the 1 MiB bound
    /// on the state, one error, not sent back, and hermes' memory stays far below the state's size
    /// several times over.
    @Test(arguments: ["http", "stdio"])
    func aFiftyMegabyteRequestStateIsRefused(transport: String) async throws {
        let peer = transport == "http" ? try await Self.peer("ir-bigstate") : nil
        defer { peer?.stop() }
        let home = try peer.map { try Self.home($0) } ?? Self.stdioHome("ir-bigstate")
        let (result, kib, _) = try await Self.measured(home, ["mcp", "call", peer == nil ? "s" : "h", "ask", "{}"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix(#"{"error": "#), "\(result.stdout)")
        #expect(result.stdout.contains("hermes takes at most \(InputRequiredLoop.maxStateBytes)"), "\(result.stdout)")
        #expect(kib > 0 && kib < 400_000, "peak \(kib) KiB")
        if let peer { #expect(try await Self.requests(peer)["tools/call"] == 1) }
    }

    /// A form schema nested 100,000 deep (past what the JSON parser takes) or 200 deep (past what
    /// hermes reads, `JSONDepth.limit`): a clear error, never a crash or minutes of decoding.
    @Test(arguments: ["ir-deep", "ir-nested"])
    func aDeeplyNestedFormEndsCleanly(attack: String) async throws {
        let peer = try await Self.peer(attack)
        defer { peer.stop() }
        let (result, seconds) = try await Self.call(try Self.home(peer), "ask")
        #expect(result.status == 0 || result.status == 1, "exit \(result.status): \(result.stderr.suffix(500))")
        let expected = attack == "ir-nested" ? "nests deeper than \(JSONDepth.limit) levels" : "held no response to it"
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(seconds < 30)
    }

    /// The question reaches the person at `hermes mcp call` with its escapes shown, not obeyed.
    @Test func aQuestionsEscapesAreShownNotObeyed() async throws {
        let peer = try await Self.peer("ir-escapes")
        defer { peer.stop() }
        let result = try await Self.onTerminal(try Self.home(peer), "h ask", """
            [{"expect": "'h' asks: Pick"}, {"expect": "Accept? [Y/n]: "}, {"send": "\\r"}, {"expect": "action=accept"}]
            """)
        #expect(result.status == 0, "\(result.stdout)")
        for raw in Self.rawInjections {
            #expect(!result.stdout.contains(raw), "raw \(raw.unicodeScalars.map { String($0.value, radix: 16) }) reached the terminal")
        }
        #expect(result.stdout.contains(#"\u{1B}]0;pwned\u{7}\u{1B}[2Jcleared \u{202E}evil\u{202C} zero\u{200B}width \u{9B}31m8-bit"#), "\(result.stdout)")
    }

    @Test(arguments: [("ir-url-js", "javascript:alert(document.cookie)"), ("ir-url-file", "file:///etc/passwd")])
    func aURLThatIsNoWebPageIsNeverOpened(attack: String, url: String) async throws {
        let peer = try await Self.peer(attack)
        defer { peer.stop() }
        let home = try Self.home(peer)
        let opened = home.dir.file("opened")
        try home.dir.write("browser.sh", "#!/bin/sh\necho \"$1\" >> '\(opened)'\n")
        chmod(home.dir.file("browser.sh"), 0o755)
        let result = try await Self.onTerminal(home, "h ask", """
            [{"expect": "hermes will not open '\(url)': only http and https pages are opened."}, {"expect": "action=decline"}]
            """, extra: ["BROWSER": home.dir.file("browser.sh")])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: opened), "the browser was started")
    }

    @Test func aFormOfTenThousandFieldsIsDeclined() async throws {
        let peer = try await Self.peer("ir-wide")
        defer { peer.stop() }
        let result = try await Self.onTerminal(try Self.home(peer), "h ask", """
            [{"expect": "The form has 10000 fields; hermes asks at most 32. Declined."}, {"expect": "action=decline"}]
            """)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(!result.stdout.contains("f00000 ("), "a field was asked")
    }

    // MARK: progress

    /// 100,000 progress notifications for one call: the call still answers, in bounded memory and
    /// CPU (over HTTP the reply is also bounded by size; over stdio nothing but hermes bounds it).
    /// The call's timeout is generous: what is measured is the CPU, which a loaded machine (the
    /// suite runs side by side) spreads over more wall time.
    @Test(arguments: ["http", "stdio"])
    func aProgressFloodCostsLittleAndTheCallAnswers(transport: String) async throws {
        let peer = transport == "http" ? try await Self.peer("progress-flood") : nil
        defer { peer?.stop() }
        let home = try peer.map { try Self.home($0, timeout: 100) } ?? Self.stdioHome("progress-flood", timeout: 100)
        let (result, kib, cpu) = try await Self.measured(home, ["mcp", "call", peer == nil ? "s" : "h", "echo", "{}"], timeout: 120)
        #expect(result.stdout.contains(#"{"result": "progress-flood done"}"#), "\(result.stdout) \(result.stderr.suffix(300))")
        // Seen: 57 MB and 8 s of CPU (debug build) over HTTP, 72 MB and 8 s over stdio.
        #expect(kib > 0 && kib < 200_000, "peak \(kib) KiB")
        #expect(cpu < 40, "\(cpu) s of CPU")
    }

    /// NaN (not even JSON), negative, infinite and 1e308 progress: the bar on the spinner's line
    /// stays a short line.
    @Test func oddProgressNumbersKeepTheBarShort() async throws {
        let peer = try await Self.peer("progress-odd")
        defer { peer.stop() }
        let result = try await Self.onTerminal(try Self.home(peer), "h echo", """
            [{"expect": "odd 7"}, {"expect": "progress-odd done"}]
            """)
        #expect(result.status == 0, "\(result.stdout)")
        // Each redraw of the spinner line, without hermes' own colour and erase sequences.
        let drawn = result.stdout.components(separatedBy: "\r").map {
            $0.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        }.filter { $0.contains("Calling 'echo'") }
        #expect(drawn.contains { $0.contains("odd 5") }, "\(drawn)")
        let longest = drawn.map(\.count).max() ?? 0
        #expect(longest <= 120, "a spinner line of \(longest) characters: \(drawn.max { $0.count < $1.count } ?? "")")
        #expect(!result.stdout.lowercased().contains("nan") && !result.stdout.contains("inf/"), "\(drawn)")
    }

    // MARK: routing headers

    /// Tool names and x-mcp-header marks that would split a header: each name and value is sent
    /// exactly (encoded when it must be), a tool whose mark is no header name is left out, and the
    /// marks `Authorization` and `Host` do not touch the real headers.
    @Test func toolNamesAndMarksNeverSplitOrReplaceAHeader() async throws {
        let peer = try await Self.peer("header-tools")
        defer { peer.stop() }
        let home = try Self.home(peer, extra: "    headers:\n      Authorization: Bearer configured-token\n")
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "h", environment: [:]))
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
        let tools = try await task.connection().tools.map(\.name)
        #expect(!tools.contains { $0.hasPrefix("bad-mark") }, "a tool with an invalid mark was kept: \(tools)")
        #expect(tools.count == 6, "\(tools)")
        let hostile = "v\r\nX-Injected: yes"
        let ops = MCPOperations(task: task)
        for name in tools {
            let answer = await ops.callTool(name, arguments: ["text": "hi", "value": .string(hostile)])
            #expect(answer == #"{"result": "hi"}"#, "\(name.debugDescription): \(answer)")
        }
        await task.shutdown()
        let port = URL(string: peer["url"])!.port!
        let recorded = try await Self.stats(peer)["headers"] as? [[String: Any]] ?? []
        let calls = recorded.filter { $0["rpc"] as? String == "tools/call" }.compactMap { $0["headers"] as? [String: String] }
        #expect(calls.count == tools.count)
        for headers in recorded.compactMap({ $0["headers"] as? [String: String] }) {
            #expect(headers["x-injected"] == nil, "\(headers)")
            #expect(headers["authorization"] == "Bearer configured-token", "\(headers)")
            #expect(headers["host"] == "127.0.0.1:\(port)", "\(headers)")
        }
        let sent = calls.compactMap { $0["mcp-name"] }
        #expect(Set(sent.map(Self.decoded)) == Set(tools), "\(sent)")
        // The CR LF and the non-ASCII name, and no other, went encoded.
        #expect(sent.filter { $0.hasPrefix("=?base64?") }.map(Self.decoded).sorted() == tools.filter { !$0.allSatisfy(\.isASCII) || $0.contains("\r\n") }.sorted(), "\(sent)")
        for headers in calls {
            for (key, value) in headers where key.hasPrefix("mcp-param-") {
                #expect(Self.decoded(value) == hostile, "\(key): \(value)")
                #expect(value.hasPrefix("=?base64?"), "\(key) sent raw: \(value)")
            }
        }
        let mirrored = Set(calls.flatMap { $0.keys.filter { $0.hasPrefix("mcp-param-") } })
        #expect(mirrored == ["mcp-param-region", "mcp-param-authorization", "mcp-param-host"], "\(mirrored)")
    }

    /// A header value as sent, decoded from `=?base64?…?=` when it was encoded.
    static func decoded(_ value: String) -> String {
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="),
              let data = Data(base64Encoded: String(value.dropFirst(9).dropLast(2))) else { return value }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: subscriptions/listen

    /// 2,000 list_changed on the listen stream: hermes lists the tools again a few times, not once
    /// per notification.
    @Test func aListChangedFloodIsNotOneListingEach() async throws {
        let peer = try await Self.peer("listen-flood")
        defer { peer.stop() }
        let home = try Self.home(peer)
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "h", environment: [:]))
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
        let heard = Heard<[MCPChange]>()
        await task.onChange { heard.record($0) }
        _ = try await task.connection()
        _ = try await waitUntil(timeout: 20) { heard.values.count >= 1 }
        // Let whatever the flood set going run its course.
        var last = -1
        _ = try await waitUntil(timeout: 30, poll: 1) {
            let now = try await Self.requests(peer)["tools/list"] ?? 0
            defer { last = now }
            return now == last
        }
        await task.shutdown()
        let listings = try await Self.requests(peer)["tools/list"] ?? 0
        // Notifications heard while a listing runs are merged into one more listing; a flood of
        // more than FloodGate.perSecond makes hermes leave the stream and come back after a pause
        // that grows, so each stream costs a few listings.
        let listens = try await Self.requests(peer)["subscriptions/listen"] ?? 0
        #expect(listings <= 10 * listens, "\(listings) tool listings for \(listens) floods")
        #expect(listens >= 1 && listens <= 6, "\(listens) listens")
    }

    /// A listen stream that ends at once, every time: it is opened again after pauses that grow.
    @Test func aListenStreamThatKeepsEndingIsReopenedEverMoreSlowly() async throws {
        let peer = try await Self.peer("listen-end")
        defer { peer.stop() }
        let home = try Self.home(peer)
        let config = try #require(try ConfigFile.load(home: HermesHome(path: home.path)).server(named: "h", environment: [:]))
        let task = MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: home.path)))
        await task.onChange { _ in }
        _ = try await task.connection()
        try await Task.sleep(nanoseconds: 10_000_000_000)
        await task.shutdown()
        let times = try await Self.stats(peer)["listens"] as? [Double] ?? []
        // 1, 2, 4 s apart: four in ten seconds; a fixed second apart would be ten.
        #expect(times.count >= 3 && times.count <= 5, "\(times)")
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        // Growing (1, 2, 4 s): the last pause is the 4 s one, however a loaded machine stretched
        // the others; with a fixed pause there would be ten opens, and none of 4 s.
        #expect(gaps.count >= 2 && gaps.last! >= 3.5, "pauses \(gaps)")
    }
}

/// What a callback was handed, in order.
final class Heard<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func record(_ item: T) { lock.withLock { items.append(item) } }
    var values: [T] { lock.withLock { items } }
}
