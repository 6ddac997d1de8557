import Foundation
import Glibc

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

/// One inotify instance over `$HERMES_HOME/mcp-tokens/`, on its own thread. It sees atomic renames
/// (hermes, hermes-agent), in-place writes and deletions; while the directory does not exist it
/// watches the nearest existing ancestor and takes up the directory when it appears, so deleting
/// and recreating `mcp-tokens/` (or the whole home) is survived.
final class TokenWatcher: @unchecked Sendable {
    enum Change: Sendable {
        /// `<stem>.json` was written or replaced, or removed.
        case tokens(stem: String, TokenEventKind)
        /// `<stem>.client.json` or `<stem>.meta.json` changed.
        case registration(stem: String)
        /// Anything may have changed (the directory reappeared, the event queue overflowed).
        case everything
        /// `config.yaml` or `.env` was written, replaced or removed: a server's URL may be another.
        case configuration
    }

    private let directory: String
    /// `HERMES_HOME` and the files in it whose changes matter (config.yaml, .env).
    private let configDirectory: String?
    private let configNames: Set<String>
    private let onChange: @Sendable (Change) -> Void
    private let inotify: Inotify
    private let wake: WakePipe
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?
    private var finished = DispatchSemaphore(value: 0)

    // Owned by the watcher thread.
    private var directoryWatch: Int32?
    private var ancestorWatch: (wd: Int32, path: String)?
    /// On the home directory. While `mcp-tokens/` does not exist the home may also be the nearest
    /// ancestor: inotify gives one watch per directory and instance, so the ancestor watch then is
    /// this one (its mask covers both), and it is never removed on the ancestor's behalf.
    private var configWatch: Int32?

    static let directoryMask = Inotify.closeWrite | Inotify.movedTo | Inotify.movedFrom | Inotify.delete
        | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory
    static let ancestorMask = Inotify.create | Inotify.movedTo | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory

    static let configMask = Inotify.closeWrite | Inotify.movedTo | Inotify.movedFrom | Inotify.delete | Inotify.create
        | Inotify.deleteSelf | Inotify.moveSelf | Inotify.onlyDirectory

    init(directory: String, configFiles: [String] = [], onChange: @escaping @Sendable (Change) -> Void) throws {
        self.directory = directory
        self.configDirectory = configFiles.first.map { ($0 as NSString).deletingLastPathComponent }
        self.configNames = Set(configFiles.map { ($0 as NSString).lastPathComponent })
        self.onChange = onChange
        inotify = try Inotify()
        do {
            wake = try WakePipe()
        } catch {
            throw StorageError.unsafeDirectory(path: directory, reason: "no pipe for the watcher")
        }
        watchConfiguration(announce: false)
        establish(announce: false)
    }

    deinit {
        stop()
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "hermes.token-watcher"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread and waits for it, unless called from the watcher thread itself.
    func stop() {
        let first = lock.withLock { () -> Bool in
            if stopped { return false }
            stopped = true
            return true
        }
        guard first else { return }
        wake.wake()
        if let thread, !thread.isEqual(Thread.current) { finished.wait() }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func run() {
        defer { finished.signal() }
        while !isStopped {
            guard let readiness = try? wake.wait(for: [inotify.fileDescriptor], milliseconds: 5000) else { return }
            if isStopped { return }
            if readiness.timedOut {
                // A directory that appeared between the ancestor watch and now is taken up here.
                if directoryWatch == nil { establish() }
                if configWatch == nil { watchConfiguration() }
                continue
            }
            guard let events = try? inotify.drain() else { continue }
            handle(events)
        }
    }

    private func handle(_ events: [InotifyEvent]) {
        var reestablish = false
        var configuration = false
        defer { if configuration { onChange(.configuration) } }
        for event in events {
            if event.has(Inotify.overflow) {
                onChange(.everything)
                configuration = true
                continue
            }
            if let configWatch, event.watch == configWatch {
                if configNames.contains(event.name) { configuration = true }
                if event.has(Inotify.deleteSelf) || event.has(Inotify.moveSelf) || event.has(Inotify.ignored) {
                    self.configWatch = nil
                    configuration = true
                }
            }
            if event.watch == directoryWatch {
                if event.has(Inotify.deleteSelf) || event.has(Inotify.moveSelf) || event.has(Inotify.ignored) {
                    directoryWatch = nil
                    reestablish = true
                    onChange(.everything)
                    continue
                }
                classify(event)
            } else if let ancestor = ancestorWatch, event.watch == ancestor.wd {
                if event.has(Inotify.deleteSelf) || event.has(Inotify.moveSelf) || event.has(Inotify.ignored) {
                    ancestorWatch = nil
                }
                reestablish = true
            }
        }
        if reestablish { establish() }
    }

    /// Watches the directory of config.yaml when it exists; retried on every idle wake-up otherwise.
    /// Adding it where the ancestor watch already is widens that watch (same descriptor).
    private func watchConfiguration(announce: Bool = true) {
        guard configWatch == nil, let configDirectory else { return }
        configWatch = try? inotify.addWatch(configDirectory, mask: Self.configMask)
        // The files may have changed while nothing watched them.
        if configWatch != nil, announce { onChange(.configuration) }
    }

    private func classify(_ event: InotifyEvent) {
        let name = event.name
        // Temporary files of atomic writes and lock files are hidden; backups are not state.
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix(".bak") else { return }
        if name.hasSuffix(".client.json") {
            onChange(.registration(stem: String(name.dropLast(".client.json".count))))
        } else if name.hasSuffix(".meta.json") {
            onChange(.registration(stem: String(name.dropLast(".meta.json".count))))
        } else if name.hasSuffix(".verdict.json") {
            // A server's refusal, recorded beside the tokens: the tokens themselves did not change.
            return
        } else if name.hasSuffix(".json") {
            let stem = String(name.dropLast(".json".count))
            let gone = event.has(Inotify.delete) || event.has(Inotify.movedFrom)
            onChange(.tokens(stem: stem, gone ? .removed : .updated))
        }
    }

    /// Watches the token directory if it exists, else the nearest existing ancestor. When the
    /// directory (re)appears, the token files already in it are reported: they may have been
    /// written before the watch existed.
    private func establish(announce: Bool = true) {
        guard directoryWatch == nil else { return }
        if let wd = try? inotify.addWatch(directory, mask: Self.directoryMask) {
            directoryWatch = wd
            if let ancestor = ancestorWatch {
                if ancestor.wd != configWatch { try? inotify.removeWatch(ancestor.wd) }
                ancestorWatch = nil
            }
            if announce { announceExisting() }
            return
        }
        var path = (directory as NSString).deletingLastPathComponent
        while path.count > 1 {
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { break }
            path = (path as NSString).deletingLastPathComponent
        }
        if let ancestor = ancestorWatch, ancestor.path == path { return }
        if let ancestor = ancestorWatch, ancestor.wd != configWatch { try? inotify.removeWatch(ancestor.wd) }
        if let configWatch, path == configDirectory {
            ancestorWatch = (configWatch, path)
        } else {
            ancestorWatch = (try? inotify.addWatch(path, mask: Self.ancestorMask)).map { ($0, path) }
        }
        // The directory may have appeared while the ancestor watch was being placed.
        if let wd = try? inotify.addWatch(directory, mask: Self.directoryMask) {
            directoryWatch = wd
            if announce { announceExisting() }
        }
    }

    private func announceExisting() {
        onChange(.everything)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() {
            classify(InotifyEvent(watch: directoryWatch ?? -1, mask: Inotify.movedTo, cookie: 0, name: name))
        }
    }
}
