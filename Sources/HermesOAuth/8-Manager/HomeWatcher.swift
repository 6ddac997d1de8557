import Foundation
import Glibc
import SystemPackage

/// What happened to a server's token file.
public enum TokenEventKind: Int32, Sendable {
    case updated = 1
    case removed = 2
}

/// A change on disk, as subscribers are told it.
public struct TokenEvent: Sendable, Equatable {
    /// The server's name when known (from the providers in use or config.yaml), else the file stem.
    public let server: String
    public let kind: TokenEventKind
}

/// The one watcher of a `HERMES_HOME`: one inotify instance, on one joined thread, over the home
/// itself (config.yaml and .env) and `mcp-tokens/`. It sees atomic renames (hermes, hermes-agent,
/// most editors), in-place writes (closed after writing) and deletions. While the home or the token
/// directory does not exist it watches the nearest existing ancestor (or the home) and takes the
/// directory up when it appears, so deleting and recreating `mcp-tokens/` or the whole home is
/// survived. The names of the files in `mcp-tokens/` are `TokenStore`'s to tell.
final class HomeWatcher: @unchecked Sendable {
    enum Change: Sendable {
        /// `<stem>.json` was written or replaced, or removed.
        case tokens(stem: String, TokenEventKind)
        /// `<stem>.client.json` or `<stem>.meta.json` changed.
        case registration(stem: String)
        /// Anything may have changed (the directory reappeared, the event queue overflowed).
        case everything
        /// `config.yaml` or `.env` was written, replaced or removed: a server's URL may be another.
        /// Sent as soon as it is seen, once per batch of events.
        case configuration
        /// `settle` after the first `.configuration` of a burst (an editor's save is several
        /// writes, a rename and sometimes a backup): one notice for the whole burst, for whoever
        /// acts on a change by reconnecting servers.
        case configurationSettled
    }

    private let home: HermesHome
    private let tokenDirectoryName: String
    private let configNames: Set<String>
    private let settle: Double
    private let onChange: @Sendable (Change) -> Void
    private let inotify: Inotify
    private let wake: WakePipe
    private let stopped = Locked(false)
    private let thread = Locked<JoinableThread?>(nil)

    // Owned by the watcher thread once it runs (by `init` before).
    private var homeWatch: Int32?
    private var tokenWatch: Int32?
    /// The nearest existing ancestor of the home, while the home does not exist.
    private var ancestorWatch: (wd: Int32, path: String)?
    /// When `.configurationSettled` is due; nil when no change is pending.
    private var settleAt: Double?

    /// On the home: the two files, and `mcp-tokens/` appearing. Moves of the home itself take the
    /// watch along with the directory, so they count as the home going away.
    static let homeMask = Inotify.closeWrite | Inotify.movedTo | Inotify.movedFrom | Inotify.delete | Inotify.create
        | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory
    static let tokenMask = Inotify.closeWrite | Inotify.movedTo | Inotify.movedFrom | Inotify.delete
        | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory
    static let ancestorMask = Inotify.create | Inotify.movedTo | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory
    /// With nothing to report, the watches are checked this often (a directory that appeared in a
    /// window no event covers).
    static let idleMilliseconds: Int32 = 5000

    /// Places the watches at once, so a change made right after `init` returns is seen.
    init(home: HermesHome, settle: Double = 0.1, onChange: @escaping @Sendable (Change) -> Void) throws {
        self.home = home
        self.tokenDirectoryName = (home.tokenDirectory as NSString).lastPathComponent
        self.configNames = Set([home.configPath, home.envPath].map { ($0 as NSString).lastPathComponent })
        self.settle = settle
        self.onChange = onChange
        inotify = try Inotify()
        wake = try WakePipe()
        establish(announce: false)
    }

    deinit { stop() }

    func start() throws {
        let started = try JoinableThread(name: "hermes.watcher") { [self] in run() }
        thread.withLock { $0 = started }
    }

    /// The watcher thread's kernel id, nil before `start` and after `stop`.
    var threadID: pid_t? { thread.withLock { $0?.kernelID } }

    /// Stops the thread and joins it (from the thread itself: lets it end on its own).
    func stop() {
        let first = stopped.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        wake.wake()
        let running = thread.withLock { t -> JoinableThread? in
            defer { t = nil }
            return t
        }
        running?.join()
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func run() {
        while !isStopped {
            var timeout = Self.idleMilliseconds
            if let settleAt {
                timeout = min(timeout, Int32(max(0, (settleAt - Self.now()) * 1000).rounded(.up)))
            }
            guard let readiness = try? wake.wait(for: [inotify.fileDescriptor], milliseconds: timeout) else { return }
            let readable = readiness.events[0] != 0
            if isStopped { return }
            if readable, let events = try? inotify.drain() {
                handle(events)
            } else if !readable {
                // A directory that appeared between an ancestor watch and now is taken up here.
                establish()
            }
            if let settleAt, Self.now() >= settleAt {
                self.settleAt = nil
                onChange(.configurationSettled)
            }
        }
    }

    private func handle(_ events: [InotifyEvent]) {
        var reestablish = false
        var configuration = false
        for event in events {
            if event.has(Inotify.overflow) {
                onChange(.everything)
                configuration = true
                reestablish = true
                continue
            }
            let gone = event.has(Inotify.deleteSelf) || event.has(Inotify.moveSelf) || event.has(Inotify.ignored)
            if let wd = homeWatch, event.watch == wd {
                if gone {
                    drop(wd, moved: event.has(Inotify.moveSelf))
                    homeWatch = nil
                    configuration = true
                    reestablish = true
                    // A home moved away takes `mcp-tokens/` with it, watch and all.
                    if let tokens = tokenWatch {
                        try? inotify.removeWatch(tokens)
                        tokenWatch = nil
                        onChange(.everything)
                    }
                } else if configNames.contains(event.name) {
                    configuration = true
                } else if event.name == tokenDirectoryName, tokenWatch == nil {
                    reestablish = true
                }
            } else if let wd = tokenWatch, event.watch == wd {
                if gone {
                    drop(wd, moved: event.has(Inotify.moveSelf))
                    tokenWatch = nil
                    reestablish = true
                    onChange(.everything)
                } else {
                    classify(event)
                }
            } else if let ancestor = ancestorWatch, event.watch == ancestor.wd {
                if gone { ancestorWatch = nil }
                reestablish = true
            }
        }
        if reestablish { establish() }
        if configuration { configurationChanged() }
    }

    private func configurationChanged() {
        onChange(.configuration)
        if settleAt == nil { settleAt = Self.now() + settle }
    }

    /// A moved directory keeps its watch (it follows the inode): removed, so its events stop.
    private func drop(_ wd: Int32, moved: Bool) {
        if moved { try? inotify.removeWatch(wd) }
    }

    private func classify(_ event: InotifyEvent) {
        guard let (stem, kind) = TokenStore.classify(fileName: event.name) else { return }
        switch kind {
        case .client, .metadata:
            onChange(.registration(stem: stem))
        case .tokens:
            let gone = event.has(Inotify.delete) || event.has(Inotify.movedFrom)
            onChange(.tokens(stem: stem, gone ? .removed : .updated))
        case .verdict, .clientBackup, .dpopKey, .identity:
            // A server's refusal, the registration replaced last, or a DPoP key (read at each use,
            // by file identity): the tokens did not change.
            return
        }
    }

    /// Watches the home if it exists (else its nearest existing ancestor), then `mcp-tokens/` if it
    /// exists (else the home watch sees it appear). A directory that (re)appears is announced:
    /// its files may have been written before the watch existed.
    private func establish(announce: Bool = true) {
        if homeWatch == nil {
            if !watchHome(announce: announce) {
                watchAncestor()
                // The home may have appeared while the ancestor watch was being placed.
                _ = watchHome(announce: announce)
            }
        }
        guard homeWatch != nil, tokenWatch == nil else { return }
        if let wd = try? inotify.addWatch(home.tokenDirectory, mask: Self.tokenMask) {
            tokenWatch = wd
            if announce { announceExisting() }
        }
    }

    private func watchHome(announce: Bool) -> Bool {
        guard let wd = try? inotify.addWatch(home.path, mask: Self.homeMask) else { return false }
        homeWatch = wd
        if let ancestor = ancestorWatch, ancestor.wd != wd {
            try? inotify.removeWatch(ancestor.wd)
        }
        ancestorWatch = nil
        // config.yaml and .env may have changed while nothing watched them.
        if announce { configurationChanged() }
        return true
    }

    private func watchAncestor() {
        var path = (home.path as NSString).deletingLastPathComponent
        while path.count > 1 {
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { break }
            path = (path as NSString).deletingLastPathComponent
        }
        if let ancestor = ancestorWatch, ancestor.path == path { return }
        if let ancestor = ancestorWatch { try? inotify.removeWatch(ancestor.wd) }
        ancestorWatch = (try? inotify.addWatch(path, mask: Self.ancestorMask)).map { ($0, path) }
    }

    private func announceExisting() {
        onChange(.everything)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: home.tokenDirectory)) ?? []
        for name in names.sorted() {
            classify(InotifyEvent(watch: tokenWatch ?? -1, mask: Inotify.movedTo, cookie: 0, name: name))
        }
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
