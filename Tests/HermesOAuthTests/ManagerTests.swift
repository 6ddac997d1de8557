import CHermesOAuthABI
import Foundation
import Testing
@testable import HermesOAuth
import HermesOAuthC
import HermesTestSupport

/// Collects watcher events for a test to wait on.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [TokenEvent] = []
    func add(_ e: TokenEvent) { lock.withLock { events.append(e) } }
    var all: [TokenEvent] { lock.withLock { events } }

    /// Waits (without blocking a pool thread for long) until `predicate` holds or 5 s pass.
    func wait(_ predicate: @escaping ([TokenEvent]) -> Bool) async -> Bool {
        for _ in 0..<500 {
            if predicate(all) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return predicate(all)
    }
}

extension Fixture {
    /// config.yaml naming the peer as `name`, and a manager of this fixture's own.
    func manager(name: String = "peer") throws -> OAuthManager {
        try dir.write("config.yaml", "mcp_servers:\n  \(name):\n    url: \(peer.mcpURL)\n    auth: oauth\n")
        return OAuthManager(home: home, clock: clock.now)
    }

    func config(_ name: String = "peer", url: String? = nil, oauth: String = "") throws -> MCPServerConfig {
        let text = "mcp_servers:\n  \(name):\n    url: \(url ?? peer.mcpURL)\n    auth: oauth\n" + (oauth.isEmpty ? "" : "    oauth: {\(oauth)}\n")
        return try #require(try ConfigFile(path: "/x", text: text).server(named: name, environment: [:]))
    }

    func refreshRequests() async throws -> Int {
        try await peer.log().filter { $0.path.hasSuffix("/token") && $0["grant_type"] == "refresh_token" }.count
    }
}

@Suite(.timeLimit(.minutes(2))) struct ManagerTests {
    @Test func theProviderIsReusedAcrossReconnectsAndRebuiltOnChange() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let a = try manager.provider(for: f.config())
        let b = try manager.provider(for: f.config())
        #expect(a === b)
        #expect(try manager.provider(named: "peer") === a)
        let moved = try manager.provider(for: f.config(url: f.peer.mcpURL + "/v2"))
        #expect(moved !== a)
        let reconfigured = try manager.provider(for: f.config(url: f.peer.mcpURL + "/v2", oauth: "scope: admin"))
        #expect(reconfigured !== moved)
        #expect(try manager.provider(for: f.config(url: f.peer.mcpURL + "/v2", oauth: "scope: admin")) === reconfigured)
        // Two spellings of one home share one manager.
        #expect(OAuthManager.shared(home: f.home) === OAuthManager.shared(home: HermesHome(path: f.home.path + "/./")))
    }

    @Test func anExternalRefreshIsPickedUpWithoutRestart() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let events = EventLog()
        manager.subscribe { events.add($0) }
        _ = try await manager.login("peer", interaction: f.interaction())
        let first = try #require(manager.cachedAccessToken(for: "peer"))
        #expect(try await manager.accessToken(for: "peer") == first)

        // Another process (a cron job) refreshes and rewrites the file.
        let external = try await run(Build.product("hermes-test-helper"), ["refresh", f.home.path, "peer"])
        #expect(external.stdout.hasPrefix("ok "), "\(external.stdout)\(external.stderr)")
        #expect(await events.wait { $0.contains(TokenEvent(server: "peer", kind: .updated)) })
        let requests = try await f.peer.log().count
        let second = try await manager.accessToken(for: "peer")
        #expect(second != first)
        #expect(second == f.store.tokens()?.accessToken)
        #expect(try await f.peer.log().count == requests)   // picked up from disk, no request
        #expect(try await f.probe(second) == 200)
    }

    @Test func concurrent401sShareOneRecovery() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        _ = try await manager.login("peer", interaction: f.interaction())
        let old = try await manager.accessToken(for: "peer")
        try await f.peer.call("/revoke-access")   // the server drops the access token only
        let answers = await withTaskGroup(of: RecoveryAnswer.self) { group in
            for _ in 0..<50 { group.addTask { await manager.handle401(server: "peer", failedToken: old) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.retry })
        #expect(Set(answers.compactMap(\.token)).count == 1)
        #expect(try await f.refreshRequests() == 1)
        // A latecomer with the old token is told to retry at once, without a request.
        let before = try await f.peer.log().count
        let late = await manager.handle401(server: "peer", failedToken: old)
        #expect(late.retry && late.token == answers[0].token)
        #expect(try await f.peer.log().count == before)
        #expect(try await f.probe(late.token) == 200)
    }

    @Test func a401ForAnUnknownServerAnswersFalse() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let answer = await manager.handle401(server: "nope", failedToken: "x")
        #expect(!answer.retry && answer.failure == .unknownServer("nope"))
        #expect(answer.failure?.status == .notFound)
    }

    @Test func theDiskCheckHandlesAMissingFile() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let events = EventLog()
        manager.subscribe { events.add($0) }
        await expectFailure({ _ = try await manager.accessToken(for: "peer") }) {
            if case .needsLogin = $0 { return true } else { return false }
        }
        let answer = await manager.handle401(server: "peer", failedToken: "whatever")
        #expect(!answer.retry)
        if case .needsLogin = answer.failure {} else { Issue.record("expected needsLogin, got \(String(describing: answer.failure))") }

        _ = try await manager.login("peer", interaction: f.interaction())
        #expect(manager.cachedAccessToken(for: "peer") != nil)
        unlink(f.store.tokensPath)
        #expect(await events.wait { $0.contains(TokenEvent(server: "peer", kind: .removed)) })
        #expect(manager.cachedAccessToken(for: "peer") == nil)
        await expectFailure({ _ = try await manager.accessToken(for: "peer") }) {
            if case .needsLogin = $0 { return true } else { return false }
        }
    }

    @Test func theWatcherSurvivesTheDirectoryBeingDeletedAndRecreated() async throws {
        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path + "/not-yet")     // not even the home exists yet
        let manager = OAuthManager(home: home)
        let events = EventLog()
        manager.subscribe { events.add($0) }
        let store = TokenStore(home: home, serverName: "srv")
        try store.save(tokens: OAuthTokens(accessToken: "one"))
        #expect(await events.wait { $0.contains(TokenEvent(server: "srv", kind: .updated)) })

        try FileManager.default.removeItem(atPath: home.tokenDirectory)
        try await Task.sleep(nanoseconds: 100_000_000)
        let seen = events.all.count
        try store.save(tokens: OAuthTokens(accessToken: "two"))
        #expect(await events.wait { $0.count > seen && $0.last == TokenEvent(server: "srv", kind: .updated) })

        try FileManager.default.removeItem(atPath: home.path)
        try await Task.sleep(nanoseconds: 100_000_000)
        let again = events.all.count
        try store.save(tokens: OAuthTokens(accessToken: "three"))
        #expect(await events.wait { $0.count > again })
        manager.stopWatching()
    }

    @Test func inPlaceWritesAndOtherServersAreReported() async throws {
        let dir = TemporaryDirectory()
        try dir.write("config.yaml", "mcp_servers:\n  my.server:\n    url: http://127.0.0.1:9/mcp\n    auth: oauth\n")
        let home = HermesHome(path: dir.path)
        let manager = OAuthManager(home: home)
        let stream = manager.events()
        let store = TokenStore(home: home, serverName: "my.server")
        try store.prepareDirectory()
        // A non-atomic writer (an editor, an old tool): open, write, close.
        let fd = open(store.tokensPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = #"{"access_token":"a","token_type":"Bearer"}"#.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        var iterator = stream.makeAsyncIterator()
        let event = await iterator.next()
        // The hashed file stem is mapped back to the configured name.
        #expect(event == TokenEvent(server: "my.server", kind: .updated))
        // Temporary and lock files are not events.
        try AtomicFile.write(Data("x".utf8), directory: home.tokenDirectory, name: ".scratch.lock")
        unlink(store.tokensPath)
        var next = await iterator.next()
        while let e = next, e.kind == .updated { next = await iterator.next() }
        #expect(next == TokenEvent(server: "my.server", kind: .removed))
        manager.stopWatching()
    }

    @Test func sixteenProcessesOnOneExpiredTokenMakeOneRefresh() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        _ = try await manager.login("peer", interaction: f.interaction())
        var tokens = try #require(f.store.tokens())
        tokens.expiresAt = Date().timeIntervalSince1970 - 10    // expired, as after a night's sleep
        try f.store.save(tokens: tokens)
        let processes = try (0..<16).map { _ in
            try Child(Build.product("hermes-test-helper"), ["access-token", f.home.path, "peer"], stdout: .pipe)
        }
        var outputs: [String] = []
        for p in processes {
            outputs.append(String(decoding: await p.readStdoutToEnd(), as: UTF8.self))
            await p.wait()
        }
        #expect(outputs.allSatisfy { $0.hasPrefix("ok ") }, "\(outputs)")
        #expect(Set(outputs).count == 1)
        #expect(try await f.refreshRequests() == 1)
        #expect(f.store.tokens()?.isExpired() == false)
    }

    @Test func removeEvictsAndDeletes() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        let before = try manager.provider(named: "peer")
        _ = try await manager.login("peer", interaction: f.interaction())
        let removed = try await manager.remove("peer", revoke: true)
        #expect(removed.contains(f.store.tokensPath))
        #expect(manager.cachedProvider(named: "peer") == nil)
        #expect(try manager.provider(named: "peer") !== before)
        #expect((try await f.peer.state()["refresh"] as? [String])?.isEmpty == true)
    }

    /// The blocking C entry points wait off Swift's cooperative pool: called from more Swift tasks
    /// than there are cores, with every call needing network work, they still finish.
    @Test func theCAPIDoesNotDeadlockWhenCalledFromSwiftTasks() async throws {
        let f = try await Fixture()
        let manager = try f.manager()
        _ = try await manager.login("peer", interaction: f.interaction())
        var tokens = try #require(f.store.tokens())
        tokens.expiresAt = Date().timeIntervalSince1970 - 10
        try f.store.save(tokens: tokens)
        var handle: UnsafeMutablePointer<hermes_oauth>?
        #expect(hermes_oauth_open(f.home.path, &handle) == 0)
        defer { hermes_oauth_close(handle) }
        let box = HandleBox(handle)
        let statuses = await withTaskGroup(of: Int32.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var token: UnsafeMutablePointer<CChar>?
                    let status = hermes_oauth_access_token(box.pointer, "peer", &token)
                    hermes_free(token)
                    return status
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 0 })
        #expect(try await f.refreshRequests() == 1)
    }
}

final class HandleBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<hermes_oauth>?
    init(_ p: UnsafeMutablePointer<hermes_oauth>?) { pointer = p }
}
