import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HermesOAuth
import HermesTestSupport
import MCP
import Testing
@testable import HermesMCP

/// One connection per server, not one per message: sequential calls through the runtime reuse the
/// TCP connection, TLS session and proxy tunnel of the call before, and a connection is never
/// used by a request made with another trust. The server is era_server.py (the official Python
/// SDK's) over HTTPS with a certificate from a throw-away CA; its log names each request's client
/// port, one per TCP connection.
@Suite(.timeLimit(.minutes(3))) struct ConnectionReuseTests {
    /// The server and the CA that signed its certificate (for 127.0.0.1).
    static func tlsPeer(mode: String = "dual", extra: [String] = []) async throws -> (EraPeer, ThrowAwayCA) {
        let ca = try await ThrowAwayCA()
        let server = try await ca.issue("server", altNames: ["IP:127.0.0.1"])
        // Idle connections kept a minute (uvicorn closes them after 5 s): a slow machine between
        // two calls must not look like a connection that was not reused.
        return (try await EraPeer(mode: mode, arguments: ["--tls-cert", server.cert, "--tls-key", server.key, "--keep-alive", "60"] + extra), ca)
    }

    static func task(_ url: String, _ extra: String = "", connectTimeout: Int = 20) throws -> (MCPServerTask, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        var yaml = "mcp_servers:\n  e:\n    url: \(url)\n    connect_timeout: \(connectTimeout)\n    timeout: 20\n"
        if !extra.isEmpty { yaml += "    \(extra)\n" }
        let config = try #require(try ConfigFile(path: "/x", text: yaml).servers(environment: [:]).first)
        return (MCPServerTask(config: config, manager: OAuthManager(home: HermesHome(path: dir.path)), backoff: [0.2]), dir)
    }

    /// 2026-07-28 replies are JSON; the `initialize` era's are event streams, each read to its end
    /// (which follows the answer at once) so that its connection is not closed.
    @Test(arguments: ["dual", "stateful"])
    func aHundredSequentialCallsUseOneConnection(mode: String) async throws {
        let (peer, ca) = try await Self.tlsPeer(mode: mode)
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url, "ssl_ca: \(ca.certificate)")
        let operations = MCPOperations(task: task)
        var answered = 0
        for i in 0..<100 {
            if await operations.callTool("echo", arguments: ["text": .string("\(i)")]) == #"{"result": "\#(i)"}"# { answered += 1 }
        }
        await task.shutdown()
        #expect(answered == 100)
        let log = try await peer.log()
        #expect(log.filter { $0.rpc == "tools/call" }.count == 100)
        let ports = Set(log.compactMap(\.clientPort))
        let first = log.first?.clientPort
        let others = log.enumerated().filter { $0.element.clientPort != first }.map { "#\($0.offset) \($0.element.method) \($0.element.rpc ?? "")" }
        #expect(ports.count == 1, "\(log.count) requests came over \(ports.count) connections; not on the first: \(others)")
    }

    /// A server that offers HTTP/2 (hypercorn, by ALPN) is spoken to in it, every request of both
    /// eras on one connection.
    @Test(arguments: ["dual", "stateful"])
    func http2IsSpokenWhereTheServerOffersIt(mode: String) async throws {
        let (peer, ca) = try await Self.tlsPeer(mode: mode, extra: ["--http2"])
        defer { peer.stop() }
        let (task, _) = try Self.task(peer.url, "ssl_ca: \(ca.certificate)")
        let operations = MCPOperations(task: task)
        for i in 0..<10 {
            #expect(await operations.callTool("echo", arguments: ["text": .string("\(i)")]) == #"{"result": "\#(i)"}"#)
        }
        await task.shutdown()
        let log = try await peer.log().filter { $0.path.hasPrefix("/mcp") }
        #expect(log.filter { $0.rpc == "tools/call" }.count == 10)
        #expect(Set(log.map { $0.http ?? "?" }) == ["2"], "\(log.map { "\($0.method) \($0.rpc ?? "") HTTP/\($0.http ?? "?")" })")
        #expect(Set(log.compactMap(\.clientPort)).count == 1)
    }

    /// Three entries for one server: without verification, with its CA, and with neither (the
    /// system's CAs, which do not include it). They take turns in one process, so each request
    /// finds the others' connections idle beside its own; libcurl must pick only one made with the
    /// same trust. A request without the CA reusing a verified (or an unverified) connection would
    /// succeed; it must be refused, naming the certificate problem.
    @Test func aConnectionIsNeverUsedByARequestWithAnotherTrust() async throws {
        let (peer, ca) = try await Self.tlsPeer()
        defer { peer.stop() }
        let (insecure, _) = try Self.task(peer.url, "ssl_verify: false")
        let (trusted, _) = try Self.task(peer.url, "ssl_ca: \(ca.certificate)")
        let (untrusted, _) = try Self.task(peer.url, connectTimeout: 5)
        func echo(_ task: MCPServerTask, _ text: String) async -> String {
            await MCPOperations(task: task).callTool("echo", arguments: ["text": .string(text)])
        }
        func expectRefused(_ comment: Comment) async {
            let refused = await echo(untrusted, "never")
            #expect(refused.contains("its TLS certificate is not signed by a trusted certificate authority"), "\(comment): \(refused)")
        }
        #expect(await echo(insecure, "a") == #"{"result": "a"}"#)
        await expectRefused("beside an unverified connection")
        #expect(await echo(insecure, "b") == #"{"result": "b"}"#)
        #expect(await echo(trusted, "c") == #"{"result": "c"}"#)
        await expectRefused("beside a connection verified with the CA")
        #expect(await echo(trusted, "d") == #"{"result": "d"}"#)
        for task in [insecure, trusted, untrusted] { await task.shutdown() }

        // a, b, c, d in that order: each entry kept its own connection (so the refused requests
        // had them at hand), and the one with the CA did not take the unverified one.
        let ports = try await peer.log().filter { $0.rpc == "tools/call" }.map(\.clientPort)
        #expect(ports.count == 4)
        guard ports.count == 4 else { return }
        #expect(ports[0] == ports[1], "the unverified connection was kept: \(ports)")
        #expect(ports[2] == ports[3], "the verified connection was kept: \(ports)")
        #expect(ports[0] != ports[2], "a request with the CA used the connection made without verification: \(ports)")
    }

    // MARK: - Through a proxy, as a separate process (the variable must reach hermes alone)

    static let proxyVariables = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"]

    /// `hermes-bench mcp-calls`: `count` sequential calls through the runtime in one process.
    static func calls(_ url: String, ca: String, count: Int, environment: [String: String]) async throws -> [String: Any] {
        var env = ProcessInfo.processInfo.environment
        for name in proxyVariables { env.removeValue(forKey: name) }
        env.merge(environment) { $1 }
        let result = try await run(Build.product("hermes-bench"), ["mcp-calls", url, "\(count)", "--ca", ca], environment: env, timeout: 120)
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0, let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ProgramError(description: "hermes-bench mcp-calls: \(result.status)\n\(result.stdout)\n\(result.stderr)")
        }
        return report
    }

    /// The tunnels connect_proxy.py opened, by target.
    static func tunnels(_ proxy: PeerProcess) async throws -> [String] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: proxy["tunnels"])!)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["targets"] as? [String] ?? []
    }

    @Test(arguments: ["HTTPS_PROXY", "https_proxy"])
    func sequentialCallsThroughAProxyShareOneTunnel(variable: String) async throws {
        let (peer, ca) = try await Self.tlsPeer()
        defer { peer.stop() }
        let proxy = try await PeerProcess(script: "connect_proxy.py")
        defer { proxy.stop() }
        let report = try await Self.calls(peer.url, ca: ca.certificate, count: 20, environment: [variable: proxy["proxy"]])
        #expect(report["ok"] as? Int == 20, "\(report)")
        let origin = try #require(URL(string: peer.url))
        #expect(try await Self.tunnels(proxy) == ["127.0.0.1:\(origin.port ?? 0)"])
        // Everything the server saw came through that tunnel: the proxy's one connection.
        let log = try await peer.log()
        #expect(log.filter { $0.rpc == "tools/call" }.count == 20)
        #expect(Set(log.compactMap(\.clientPort)).count == 1)
    }

    @Test func noProxyNamesTheServersThatAreReachedDirectly() async throws {
        let (peer, ca) = try await Self.tlsPeer()
        defer { peer.stop() }
        let proxy = try await PeerProcess(script: "connect_proxy.py")
        defer { proxy.stop() }
        let report = try await Self.calls(peer.url, ca: ca.certificate, count: 3,
                                          environment: ["HTTPS_PROXY": proxy["proxy"], "NO_PROXY": "localhost,127.0.0.1"])
        #expect(report["ok"] as? Int == 3, "\(report)")
        #expect(try await Self.tunnels(proxy).isEmpty)
        // The same call with the proxy only: it goes through it (so the line above is no accident).
        _ = try await Self.calls(peer.url, ca: ca.certificate, count: 1, environment: ["HTTPS_PROXY": proxy["proxy"]])
        #expect(try await Self.tunnels(proxy).count == 1)
    }
}
