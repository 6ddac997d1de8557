import CHermesProcess
import Foundation
import Glibc
import HermesOAuth
import SystemPackage

/// A stdio MCP server: a child in a process group of its own, with a parent-death signal, its
/// stderr appended to `$HERMES_HOME/logs/mcp-stderr.log`, and a shutdown that leaves nothing
/// behind: close stdin, wait, SIGTERM the group, wait, SIGKILL the group and every descendant
/// found under it, then reap.
public final class StdioProcess: @unchecked Sendable {
    public let pid: pid_t
    public let command: String
    /// Write end of the server's stdin, read end of its stdout.
    public let input: FileHandle
    public let output: FileHandle
    private let lock = NSLock()
    private var exitStatus: Int32?

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
        /// Starting again cannot help (no such command, not executable): the config must change.
        public var permanent = false
    }

    /// Starts `command` with `args`. `command` is looked up in the child environment's PATH.
    public static func spawn(command: String, args: [String], environment: [String: String],
                             stderrLog: String?) throws -> StdioProcess {
        ignoreBrokenPipes
        guard let path = resolve(command, path: environment["PATH"]) else {
            throw SpawnError(description: "command not found: \(command)", permanent: true)
        }
        // Blocking at both ends: the child expects ordinary stdio, and hermes reads and writes its
        // ends through FileHandle. Close-on-exec so no other child inherits them; the spawn gives
        // the child its own ends as 0 and 1.
        let toChild: [Int32], fromChild: [Int32]
        do {
            let input = try FileDescriptor.pipe(options: .closeOnExec)
            do {
                let output = try FileDescriptor.pipe(options: .closeOnExec)
                fromChild = [output.readEnd.rawValue, output.writeEnd.rawValue]
            } catch {
                try? input.readEnd.close()
                try? input.writeEnd.close()
                throw error
            }
            toChild = [input.readEnd.rawValue, input.writeEnd.rawValue]
            // hermes' end only (the child's is another open file): a server that stops reading
            // must not block the thread that writes to it (StdioMCPTransport waits instead).
            _ = fcntl(toChild[1], F_SETFL, fcntl(toChild[1], F_GETFL) | O_NONBLOCK)
        } catch {
            throw SpawnError(description: "could not create pipes for \(command)")
        }
        let errFD = stderrLog.flatMap(openLog) ?? open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            close(toChild[0])
            close(fromChild[1])
            close(errFD)
        }
        let argv = [path] + args
        // Every process of this server's tree inherits the tag, even one that leaves the process
        // group and is orphaned: shutdown finds it by the tag among the processes re-parented to hermes.
        let tag = "\(getpid())-\(UInt64.random(in: 1...UInt64.max))"
        var environment = environment
        environment[Self.tagVariable] = tag
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let pid: Int32 = Spawner.shared.run {
            withCStrings(argv) { cArgv in
                withCStrings(envp) { cEnvp in
                    hermes_shim_spawn(path, cArgv, cEnvp, toChild[0], fromChild[1], errFD, 1, SIGKILL)
                }
            }
        }
        guard pid > 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw SpawnError(description: "could not start \(command): \(String(cString: strerror(-pid)))",
                             permanent: [ENOENT, EACCES, ENOEXEC, ENOTDIR, ELOOP].contains(-pid))
        }
        return StdioProcess(pid: pid, command: command, tag: tag,
                            input: FileHandle(fileDescriptor: toChild[1], closeOnDealloc: true),
                            output: FileHandle(fileDescriptor: fromChild[0], closeOnDealloc: true))
    }

    /// The stderr log, appended to, 0600 (a server's stderr may carry secrets): nil, and so
    /// /dev/null, when it cannot be had safely. Its folder is made by HermesHome's one creator of
    /// directories. Never through a symlink, and never a FIFO or a device: opening one for writing
    /// could block, or send the output elsewhere.
    private static func openLog(_ log: String) -> Int32? {
        try? HermesHome.makePrivateDirectory((log as NSString).deletingLastPathComponent)
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid() else {
            close(fd)
            return nil
        }
        // A log an older hermes left readable to others.
        if st.st_mode & 0o077 != 0 { fchmod(fd, 0o600) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    static let tagVariable = "HERMES_MCP_SERVER_TAG"
    let tag: String

    private let inputLock = NSLock()
    private var inputOpen = true

    /// Runs `body` with the server's stdin (non-blocking) while it is open, nil once `shutdown`
    /// closed it: a write never lands on the number of a descriptor opened since.
    public func withInput<T>(_ body: (Int32?) -> T) -> T {
        inputLock.withLock { body(inputOpen ? input.fileDescriptor : nil) }
    }

    private init(pid: pid_t, command: String, tag: String, input: FileHandle, output: FileHandle) {
        self.tag = tag
        self.pid = pid
        self.command = command
        self.input = input
        self.output = output
    }

    /// Reaps the child if it has exited; true when it has.
    public var hasExited: Bool {
        lock.withLock {
            if exitStatus != nil { return true }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) {
                exitStatus = status
                return true
            }
            return false
        }
    }

    public struct ShutdownReport: Sendable, Equatable {
        /// How the server went: closing stdin was enough, SIGTERM was needed, or SIGKILL.
        public enum Stage: String, Sendable { case stdinClosed = "stdin closed", terminated = "SIGTERM", killed = "SIGKILL" }
        public let stage: Stage
        public let descendantsKilled: Int
    }

    /// Stops the server and its descendants: close stdin (half a second to exit), SIGTERM the group
    /// and wait at most `grace` seconds, then SIGKILL the group and every descendant, and reap.
    @discardableResult
    public func shutdown(grace: Double = 2) -> ShutdownReport {
        // The tree is read again before each signal: a server may fork at any moment.
        var descendants = Set(ProcessTree.descendants(of: pid))
        inputLock.withLock {
            inputOpen = false
            try? input.close()
        }
        var stage = ShutdownReport.Stage.stdinClosed
        // Most servers exit as soon as their input ends (the Python SDK's ignore SIGTERM until then).
        if !waitForExit(min(grace, 0.5)) {
            stage = .terminated
            descendants.formUnion(ProcessTree.descendants(of: pid))
            kill(-pid, SIGTERM)
            if !waitForExit(grace) {
                stage = .killed
                descendants.formUnion(ProcessTree.descendants(of: pid))
                kill(-pid, SIGKILL)
                _ = waitForExit(grace)
            }
        }
        // Descendants that left the group (setsid, double fork) or outlived the leader; those
        // orphaned meanwhile (re-parented to hermes when it adopts orphans, else to init) carry
        // this server's tag.
        descendants.formUnion(ProcessTree.descendants(of: pid))
        descendants.formUnion(orphansCarryingTag())
        var killed = 0
        for child in descendants where kill(child, 0) == 0 {
            kill(child, SIGKILL)
            killed += 1
        }
        if !hasExited {
            kill(pid, SIGKILL)
            _ = waitForExit(grace)
        }
        ProcessReaper.reap(Array(descendants))
        return ShutdownReport(stage: stage, descendantsKilled: killed)
    }

    /// Processes whose environment carries this server's tag: under hermes when it adopts orphans
    /// (a child subreaper), else anywhere (an orphan went to init); only this user's are readable.
    private func orphansCarryingTag() -> [pid_t] {
        let needle = Array("\(Self.tagVariable)=\(tag)\u{0}".utf8)
        let me = getpid()
        let candidates = ProcessReaper.isAdopting
            ? ProcessTree.descendants(of: me)
            : ((try? ProcessTree.parentTable()) ?? []).map(\.pid).filter { $0 != me }
        return candidates.filter { candidate in
            guard let bytes = Self.environment(of: candidate) else { return false }
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where (start == 0 || bytes[start - 1] == 0) && bytes[start] == needle[0] {
                if Array(bytes[start..<(start + needle.count)]) == needle { return true }
            }
            return false
        }
    }

    /// A process' environment block, as /proc shows it (at most 1 MiB). Read with plain system
    /// calls: Foundation's `FileManager.contents(atPath:)` lost its 4 KiB buffer (valgrind:
    /// definitely lost) when a process went away while being read, which a scan of every
    /// process meets.
    private static func environment(of pid: pid_t) -> [UInt8]? {
        let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    private func waitForExit(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if hasExited { return true }
            usleep(10_000)
        }
        return hasExited
    }

    /// Writing to a server that has just died must be an EPIPE error, not a SIGPIPE that kills
    /// hermes. Process-wide, once; children get the default disposition back before exec.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// Who reaps the orphaned descendants of hermes' servers. A program that starts no children of
/// its own (the `hermes` CLI) adopts them, as a child subreaper, and reaps them here, so none
/// lingers as a zombie when the init process does not reap. A library must not: a subreaper host
/// inherits the orphans of every child it starts itself (a shell tool's background job), which
/// nothing would reap, so libhermesmcp and a Swift host embedding the runtime leave orphans to
/// init, and a server's tagged descendants are found among all the user's processes instead.
public enum ProcessReaper {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var adopting = false

    /// Makes this process a child subreaper, once: for a program whose only children are the
    /// servers hermes starts.
    public static func adoptOrphans() {
        lock.withLock { if !adopting { adopting = hermes_shim_become_subreaper() == 0 } }
    }

    static var isAdopting: Bool { lock.withLock { adopting } }

    /// Reaps those of `pids` (a server's descendants, just killed) that are this process' children:
    /// orphans of its servers, re-parented here by this or any other subreaper setting (a host or
    /// a test harness may be one), never a child the host started itself.
    static func reap(_ pids: [pid_t]) {
        let deadline = Date().addingTimeInterval(1)
        var pending = Set(pids)
        while !pending.isEmpty, Date() < deadline {
            for pid in pending {
                var status: Int32 = 0
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid || (r < 0 && errno == ECHILD) { pending.remove(pid) }
            }
            if !pending.isEmpty { usleep(5_000) }
        }
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
