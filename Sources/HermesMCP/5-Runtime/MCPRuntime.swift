import Foundation
import HermesOAuth
import Logging

/// Every enabled server of one `HERMES_HOME`, kept current with `config.yaml`: an edit to the file
/// (noticed by inotify) reloads the servers whose entries changed, in the background. A reload
/// that hangs is abandoned after `reloadTimeout` with a warning; calls meanwhile go to the servers
/// as they were, so nothing a person is doing waits for it.
public actor MCPRuntime {
    public nonisolated let home: HermesHome
    public nonisolated let manager: OAuthManager
    let environment: [String: String]
    public let reloadTimeout: Double
    private var tasks: [String: MCPServerTask] = [:]
    private var watcher: ConfigWatcher?
    private var reloads: [@Sendable (ReloadReport) -> Void] = []
    private var isShutDown = false
    static let log = MCPLogging.runtime

    public struct ReloadReport: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var reconnected: [String] = []
        public var failed: [String] = []
        /// True when the reload was abandoned after `reloadTimeout`.
        public var timedOut = false
    }

    public init(home: HermesHome, manager: OAuthManager? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                reloadTimeout: Double = 30) {
        self.home = home
        self.manager = manager ?? OAuthManager.shared(home: home)
        self.environment = environment
        self.reloadTimeout = reloadTimeout
    }

    /// Loads config.yaml and starts watching it. Servers connect on first use.
    public func start() throws {
        for config in try enabledServers() {
            tasks[config.name] = MCPServerTask(config: config, manager: manager, environment: environment)
        }
        watcher = try ConfigWatcher(path: home.configPath) { [weak self] in
            guard let self else { return }
            Task { await self.reloadInBackground() }
        }
    }

    public func serverNames() -> [String] { tasks.keys.sorted() }

    public func operations(for name: String) -> MCPOperations? {
        tasks[name].map(MCPOperations.init(task:))
    }

    /// Calls `handler` after each background reload.
    public func onReload(_ handler: @escaping @Sendable (ReloadReport) -> Void) { reloads.append(handler) }

    /// Starts a reload and returns at once.
    public nonisolated func reloadInBackground() {
        Task {
            let report = await self.reload()
            await self.announce(report)
        }
    }

    private func announce(_ report: ReloadReport) {
        if report.timedOut {
            Self.log.warning("MCP reload timed out (\(Int(reloadTimeout))s). Some servers may not have reconnected.")
        }
        for handler in reloads { handler(report) }
    }

    /// Applies config.yaml as it is now: new and changed servers get a fresh task (and connect),
    /// removed and changed ones are shut down. Bounded by `reloadTimeout`.
    public func reload() async -> ReloadReport {
        guard !isShutDown, let configs = try? enabledServers() else { return ReloadReport() }
        let wanted = Dictionary(configs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var report = ReloadReport()
        for (name, task) in tasks where wanted[name] != task.config {
            tasks[name] = nil
            if wanted[name] == nil { report.removed.append(name) } else { report.reconnected.append(name) }
            Task { await task.shutdown() }
        }
        var fresh: [MCPServerTask] = []
        for config in configs where tasks[config.name] == nil {
            if !report.reconnected.contains(config.name) { report.added.append(config.name) }
            let task = MCPServerTask(config: config, manager: manager, environment: environment)
            tasks[config.name] = task
            fresh.append(task)
        }
        // Connect the new tasks together, within the deadline; one that hangs is left to connect
        // on first use.
        let connecting = fresh
        let outcomes = try? await withTimeout(reloadTimeout, what: "reloading MCP servers") {
            await withTaskGroup(of: (String, Bool).self) { group in
                for task in connecting { group.addTask { (task.name, (try? await task.connection()) != nil) } }
                var results: [(String, Bool)] = []
                for await result in group { results.append(result) }
                return results
            }
        }
        if let outcomes {
            report.failed = outcomes.filter { !$0.1 }.map(\.0)
        } else {
            report.timedOut = true
        }
        report.added.sort()
        report.removed.sort()
        report.reconnected.sort()
        report.failed.sort()
        return report
    }

    public func shutdown() async {
        isShutDown = true
        watcher?.stop()
        watcher = nil
        for task in tasks.values { await task.shutdown() }
        tasks = [:]
    }

    private func enabledServers() throws -> [MCPServerConfig] {
        let config = try ConfigFile.load(home: home)
        let servers = config.servers(environment: DotEnv.mergedEnvironment(home: home, base: environment)).filter(\.enabled)
        return servers
    }
}

/// inotify on the directory holding config.yaml: any write, rename or replacement of the file
/// (editors replace it, hermes renames over it) calls `changed`, debounced.
final class ConfigWatcher: @unchecked Sendable {
    private let inotify: Inotify
    private let name: String
    private let lock = NSLock()
    private var stopped = false

    init(path: String, changed: @escaping @Sendable () -> Void) throws {
        inotify = try Inotify()
        name = (path as NSString).lastPathComponent
        let directory = (path as NSString).deletingLastPathComponent
        try HermesHome.makePrivateDirectory(directory)
        try inotify.addWatch(directory, mask: Inotify.closeWrite | Inotify.movedTo | Inotify.create | Inotify.delete)
        let box = InotifyBox(inotify), name = self.name
        Thread { [weak self] in
            let inotify = box.inotify
            while let self, !self.isStopped {
                guard let events = try? inotify.read(timeoutMilliseconds: 200) else { return }
                guard events.contains(where: { $0.name == name }) else { continue }
                // Let a burst of writes (an editor's save) settle into one reload.
                usleep(100_000)
                _ = try? inotify.drain()
                if !self.isStopped { changed() }
            }
        }.start()
    }

    private var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
}

/// The watcher thread is the inotify instance's only reader.
private final class InotifyBox: @unchecked Sendable {
    let inotify: Inotify
    init(_ inotify: Inotify) { self.inotify = inotify }
}
