import Foundation
import HermesOAuth
import Logging

/// Every enabled server of one `HERMES_HOME`, kept current with `config.yaml` and `.env`: an edit
/// to either (noticed by the manager's watcher of the home, which hands it over as an event) reloads
/// the servers whose entries changed, in the background. The runtime polls nothing and owns no
/// thread. A reload that hangs is abandoned after `reloadTimeout` with a warning; calls meanwhile
/// go to the servers as they were, so nothing a person is doing waits for it.
public actor MCPRuntime {
    public nonisolated let home: HermesHome
    public nonisolated let manager: OAuthManager
    /// What stdio servers start from (filtered, see `ChildEnvironment`). Entries are expanded from
    /// the process environment with .env over it, as everywhere (see `ServerCatalogue`).
    let environment: [String: String]
    public let reloadTimeout: Double
    private var tasks: [String: MCPServerTask] = [:]
    private var configurationWatch: UInt64?
    private var reloads: [@Sendable (ReloadReport) -> Void] = []
    /// How the host answers servers' questions (elicitation, 2026-07-28 `input_required`); nil
    /// declares no such capability, so servers do not ask.
    let elicit: ElicitationHandler?
    /// Who hears of servers' changes (`onChange`), for every task, those of later reloads included.
    private var changes: (@Sendable (String, [MCPChange]) -> Void)?
    private var isShutDown = false
    static let log = MCPLogging.runtime

    public struct ReloadReport: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var reconnected: [String] = []
        public var failed: [String] = []
        /// True when the reload was abandoned after `reloadTimeout`.
        public var timedOut = false
        /// Why config.yaml as edited could not be used (the servers kept their previous settings).
        public var refused: String?
    }

    public init(home: HermesHome, manager: OAuthManager? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                reloadTimeout: Double = 30, elicit: ElicitationHandler? = nil) {
        self.elicit = elicit
        self.home = home
        self.manager = manager ?? OAuthManager.shared(home: home)
        self.environment = environment
        self.reloadTimeout = reloadTimeout
    }

    /// Starts watching config.yaml, then loads it (so no edit falls between the two). Servers
    /// connect on first use.
    public func start() throws {
        configurationWatch = try manager.watchConfiguration { [weak self] in
            self?.reloadInBackground()
        }
        do {
            for config in try enabledServers() {
                tasks[config.name] = makeTask(config)
            }
        } catch {
            stopWatching()
            throw error
        }
    }

    public func serverNames() -> [String] { tasks.keys.sorted() }

    public func operations(for name: String) -> MCPOperations? {
        tasks[name].map { MCPOperations(task: $0) }
    }

    /// Calls `handler` with a server's name and what it says changed (its tool, prompt or resource
    /// lists, or one resource), for every server, across reconnections and reloads. The tools of
    /// that server's connection are already listed afresh when `.tools` is reported.
    public func onChange(_ handler: @escaping @Sendable (String, [MCPChange]) -> Void) {
        changes = handler
        for (name, task) in tasks { Task { await task.onChange { handler(name, $0) } } }
    }

    private func makeTask(_ config: MCPServerConfig) -> MCPServerTask {
        let task = MCPServerTask(config: config, manager: manager, environment: environment, elicit: elicit)
        if let changes {
            let name = config.name
            Task { await task.onChange { changes(name, $0) } }
        }
        return task
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
        guard !isShutDown else { return ReloadReport() }
        let configs: [MCPServerConfig]
        do {
            configs = try enabledServers()
        } catch {
            // The servers keep running as they were; the edit is refused, and said so once.
            Self.log.warning("config.yaml was changed but cannot be used, so the MCP servers keep their previous settings: \(error)")
            return ReloadReport(refused: "\(error)")
        }
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
            let task = makeTask(config)
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
        stopWatching()
        for task in tasks.values { await task.shutdown() }
        tasks = [:]
    }

    private func stopWatching() {
        if let id = configurationWatch { manager.unwatchConfiguration(id) }
        configurationWatch = nil
    }

    private func enabledServers() throws -> [MCPServerConfig] {
        try ServerCatalogue.load(home: home).enabledServers
    }
}
