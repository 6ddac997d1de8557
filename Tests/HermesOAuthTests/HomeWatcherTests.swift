import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

/// The changes a `HomeWatcher` reported, for a test to wait on.
final class ChangeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var changes: [HomeWatcher.Change] = []
    func add(_ c: HomeWatcher.Change) { lock.withLock { changes.append(c) } }

    var settled: Int { lock.withLock { changes.filter { if case .configurationSettled = $0 { true } else { false } }.count } }
    var configuration: Int { lock.withLock { changes.filter { if case .configuration = $0 { true } else { false } }.count } }
    var tokenStems: [String] { lock.withLock { changes.compactMap { if case .tokens(let stem, _) = $0 { stem } else { nil } } } }

    /// Bounded polling: true as soon as `predicate` holds, false after `seconds`.
    func wait(seconds: Double = 5, _ predicate: @escaping (ChangeLog) -> Bool) async -> Bool {
        for _ in 0..<Int(seconds * 100) {
            if predicate(self) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return predicate(self)
    }
}

@Suite(.timeLimit(.minutes(1))) struct HomeWatcherTests {
    func watcher(_ home: HermesHome, _ log: ChangeLog, settle: Double = 0.1) throws -> HomeWatcher {
        let watcher = try HomeWatcher(home: home, settle: settle) { log.add($0) }
        try watcher.start()
        return watcher
    }

    @Test func config_yamlReplacedByRenameEditedInPlaceDeletedAndRecreatedIsSeen() async throws {
        let dir = TemporaryDirectory("hermes-watch")
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers: {}\n")
        let log = ChangeLog()
        let watcher = try watcher(home, log)
        defer { watcher.stop() }

        // An atomic save: a temporary file renamed over config.yaml.
        try dir.write(".config.yaml.swp", "mcp_servers: {a: {command: x}}\n")
        #expect(rename(dir.file(".config.yaml.swp"), home.configPath) == 0)
        #expect(await log.wait { $0.settled == 1 })

        writeInPlace(home.configPath, "mcp_servers: {b: {command: x}}\n")
        #expect(await log.wait { $0.settled == 2 })

        unlink(home.configPath)
        #expect(await log.wait { $0.settled == 3 })
        writeInPlace(home.configPath, "mcp_servers: {}\n")
        #expect(await log.wait { $0.settled == 4 })

        // .env counts too: config.yaml's values expand from it.
        writeInPlace(home.envPath, "A=1\n")
        #expect(await log.wait { $0.settled == 5 })
        // Other files in the home (the config lock, logs) do not.
        writeInPlace(home.configLockPath, "")
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(log.settled == 5)
    }

    @Test func aBurstOfWritesSettlesIntoOneNotice() async throws {
        let dir = TemporaryDirectory("hermes-watch-burst")
        let home = HermesHome(path: dir.path)
        let log = ChangeLog()
        // A settling time the twenty writes fit in even when a loaded machine stalls this test
        // between two of them (at 0.1 s, CI once saw two notices).
        let watcher = try watcher(home, log, settle: 1)
        defer { watcher.stop() }
        for i in 0..<20 { writeInPlace(home.configPath, "# \(i)\nmcp_servers: {}\n") }
        #expect(await log.wait { $0.settled == 1 })
        // Well past the settling time: still one.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(log.settled == 1)
        #expect(log.configuration >= 1)
    }

    @Test func aHomeThatDoesNotExistYetIsTakenUpWhenItAppears() async throws {
        let dir = TemporaryDirectory("hermes-watch-late")
        let home = HermesHome(path: dir.path + "/a/b")
        let log = ChangeLog()
        let watcher = try watcher(home, log)
        defer { watcher.stop() }
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
        #expect(await log.wait { _ in
            // Once the home watch is in place, an edit is seen.
            writeInPlace(home.configPath, "mcp_servers: {}\n")
            return log.settled >= 1
        })
        try TokenStore(home: home, serverName: "srv").save(tokens: OAuthTokens(accessToken: "t"))
        #expect(await log.wait { $0.tokenStems.contains("srv") })
    }

    @Test func stopJoinsTheThread() throws {
        let dir = TemporaryDirectory("hermes-watch-stop")
        let watcher = try watcher(HermesHome(path: dir.path), ChangeLog())
        let id = try #require(watcher.threadID)
        #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(id)"))
        #expect((try? String(contentsOfFile: "/proc/self/task/\(id)/comm", encoding: .utf8)) == "hermes.watcher\n")
        watcher.stop()
        #expect(watcher.threadID == nil)
        // Joined, not merely told to end: the thread no longer exists.
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(id)"))
    }

    @Test func theManagersWatcherGoesWithItsLastUser() async throws {
        let dir = TemporaryDirectory("hermes-watch-manager")
        let home = HermesHome(path: dir.path)
        let manager = OAuthManager(home: home)
        #expect(manager.watcherThreadID == nil)
        let noticed = ChangeLog()
        let id = try manager.watchConfiguration { noticed.add(.configurationSettled) }
        let thread = try #require(manager.watcherThreadID)
        try dir.write("config.yaml", "mcp_servers: {}\n")
        #expect(await noticed.wait { $0.settled == 1 })
        manager.unwatchConfiguration(id)
        #expect(manager.watcherThreadID == nil)
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"))

        // `startWatching()` keeps it until `stopWatching()`, whoever comes and goes meanwhile.
        manager.startWatching()
        let pinned = try #require(manager.watcherThreadID)
        manager.unwatchConfiguration(try manager.watchConfiguration {})
        #expect(manager.watcherThreadID == pinned)
        manager.stopWatching()
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(pinned)"))
    }
}

@Suite struct TokenFileNameTests {
    @Test func eachFileKindIsToldFromItsNameByTheStore() {
        let store = TokenStore(home: HermesHome(path: "/h"), serverName: "my.server")
        for (name, kind) in [(store.tokensFileName, TokenStore.FileKind.tokens), (store.clientFileName, .client),
                             (store.metadataFileName, .metadata), (store.verdictFileName, .verdict),
                             (store.clientBackupFileName, .clientBackup)] {
            let classified = TokenStore.classify(fileName: name)
            #expect(classified?.stem == store.stem && classified?.kind == kind, "\(name)")
        }
        // Locks, temporary files of atomic writes and hermes-agent's `.tmp` files are not state.
        for name in [store.lockFileName, store.loginLockFileName, ".\(store.tokensFileName).1.2.tmp", "srv.tmp", "srv.client.tmp", ""] {
            #expect(TokenStore.classify(fileName: name) == nil, "\(name)")
        }
    }
}

@Suite struct ServerCatalogueTests {
    @Test func entriesExpandFromTheEnvironmentWithDotEnvOverIt() throws {
        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n  s:\n    url: https://${HOST}/mcp\n    headers:\n      Authorization: Bearer ${KEY}\n")
        try dir.write(".env", "KEY=from-dotenv\n")
        let catalogue = try ServerCatalogue.load(home: home, base: ["HOST": "example.com", "KEY": "from-shell"])
        let server = try #require(catalogue.server(named: "s"))
        #expect(server.url == "https://example.com/mcp")
        #expect(server.headers["Authorization"] == "Bearer from-dotenv")
        #expect(catalogue.servers().map(\.name) == ["s"])
    }

    @Test func identityChangesWithEitherFile() throws {
        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers: {}\n")
        let first = try ServerCatalogue.load(home: home).identity
        #expect(ServerCatalogue.Identity(home: home) == first)
        try dir.write(".env", "A=1\n")
        #expect(ServerCatalogue.Identity(home: home) != first)
        let second = ServerCatalogue.Identity(home: home)
        try dir.write("config.yaml", "mcp_servers: {a: {command: x}}\n")
        #expect(ServerCatalogue.Identity(home: home) != second)
    }

    @Test func entriesAsWrittenNeverReadDotEnv() throws {
        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path)
        try dir.write("config.yaml", "mcp_servers:\n  s:\n    url: https://${HOST}/mcp\n")
        var asked = 0
        let catalogue = try ServerCatalogue.load(home: home) { asked += 1; return ["HOST": "h"] }
        #expect(catalogue.serverNames == ["s"] && catalogue.rawServer(named: "s") != nil)
        #expect(asked == 0)
        #expect(catalogue.server(named: "s")?.url == "https://h/mcp")
        _ = catalogue.servers()
        #expect(asked == 1)
    }
}
