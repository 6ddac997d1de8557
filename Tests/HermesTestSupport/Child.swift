import CHermesProcess
import Foundation
import SystemPackage

/// A child process the tests start, spawned through hermes' own `hermes_shim_spawn` rather than
/// Foundation's `Process`: in Swift 6.3.1 `Process.run()` over-reads `dirent.d_name` while it scans
/// /proc/self/fd (swift-corelibs-foundation#5472) and now and then segfaults the whole test process,
/// more often the more descriptors are open, i.e. in parallel runs. The shim's child gets its three
/// standard descriptors and no other.
///
/// The exit is awaited by a thread of its own blocked in `waitpid` on this pid only (never -1: the
/// test process is a subreaper and some tests reap specific orphans themselves), so no thread of
/// the cooperative pool waits for a child.
public final class Child: @unchecked Sendable {
    /// Where a standard descriptor of the child comes from or goes to.
    public enum Stream: Sendable {
        /// The test process's own descriptor (Foundation's default).
        case inherit
        /// /dev/null.
        case null
        /// A pipe whose other end this object holds (`stdin`, `stdout`, `stderr`).
        case pipe
    }

    public let pid: pid_t
    public var processIdentifier: pid_t { pid }
    /// The write end of the child's stdin when it is `.pipe`; close it with `closeStdin()`.
    public let stdin: FileDescriptor?
    /// The read ends of the child's stdout and stderr when they are `.pipe`; closed when this
    /// object goes (readers started by `readStdoutToEnd` and the like keep it alive until done).
    public let stdout: FileDescriptor?
    public let stderr: FileDescriptor?
    /// Happens once the child exited and was reaped.
    public let exited: Occurrence
    private let outcome: Outcome
    private let lock = NSLock()
    private var stdinOpen: Bool
    /// stdin and stdout are one socket (an adopted child): closing stdin is a shutdown of its
    /// writing side, since stdout's descriptor still refers to the same socket.
    private let stdinIsSocket: Bool

    /// Starts `executable` (an absolute path, or a name looked up in PATH) with `arguments`. With
    /// `environment` nil the child gets this process's environment. `newGroup` makes it lead a
    /// process group of its own. `deathSignal` (PR_SET_PDEATHSIG) is off by default: the kernel
    /// sends it when the spawning *thread* ends, and pool threads may end while the child should live.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                stdin stdinMode: Stream = .inherit, stdout stdoutMode: Stream = .inherit,
                stderr stderrMode: Stream = .inherit, newGroup: Bool = false, deathSignal: Int32 = 0) throws {
        Self.ignoreBrokenPipes
        let env = environment ?? ProcessInfo.processInfo.environment
        let path = try Self.resolve(executable, path: env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"])
        var closeAfterSpawn: [FileDescriptor] = []
        var keep: [FileDescriptor] = []
        defer { for fd in closeAfterSpawn { try? fd.close() } }
        func prepare(_ mode: Stream, standard: Int32, childReads: Bool) throws -> (child: Int32, ours: FileDescriptor?) {
            switch mode {
            case .inherit:
                return (standard, nil)
            case .null:
                let fd = try FileDescriptor.open("/dev/null", childReads ? .readOnly : .writeOnly, options: .closeOnExec)
                closeAfterSpawn.append(fd)
                return (fd.rawValue, nil)
            case .pipe:
                let p = try FileDescriptor.pipe(options: .closeOnExec)
                let (theirs, ours) = childReads ? (p.readEnd, p.writeEnd) : (p.writeEnd, p.readEnd)
                closeAfterSpawn.append(theirs)
                keep.append(ours)
                return (theirs.rawValue, ours)
            }
        }
        do {
            let i = try prepare(stdinMode, standard: 0, childReads: true)
            let o = try prepare(stdoutMode, standard: 1, childReads: false)
            let e = try prepare(stderrMode, standard: 2, childReads: false)
            let argv = ([path] + arguments).map { strdup($0) } + [nil]
            let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (argv + envp).forEach { free($0) } }
            let result = hermes_shim_spawn(path, argv, envp, i.child, o.child, e.child, newGroup ? 1 : 0, deathSignal)
            guard result > 0 else {
                throw ProgramError(description: "could not start \(path): \(Errno(rawValue: -result))")
            }
            pid = result
            stdin = i.ours
            stdout = o.ours
            stderr = e.ours
            stdinOpen = i.ours != nil
            stdinIsSocket = false
        } catch {
            for fd in keep { try? fd.close() }
            throw error
        }
        (exited, outcome) = Self.awaitExit(of: pid)
    }

    /// A process another one forked that was re-parented to this one (a child subreaper; see
    /// `PeerZygote`), talking over `socket`, which is its stdin and stdout; stderr is shared.
    init(adopting pid: pid_t, socket: FileDescriptor) throws {
        self.pid = pid
        stdin = socket
        stdout = try socket.duplicate()
        stderr = nil
        stdinOpen = true
        stdinIsSocket = true
        (exited, outcome) = Self.awaitExit(of: pid)
    }

    private static func awaitExit(of pid: pid_t) -> (Occurrence, Outcome) {
        let exited = Occurrence(), outcome = Outcome()
        onOwnThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno == EINTR { continue }
                // ECHILD: someone else reaped it (a test reaping orphans by pid); the status is lost.
                status = -1
                break
            }
            outcome.set(status)
            exited.signal()
        }
        return (exited, outcome)
    }

    deinit {
        closeStdin()
        try? stdout?.close()
        try? stderr?.close()
    }

    public var isRunning: Bool { !exited.hasHappened }

    /// Foundation's `terminationStatus`: the exit code, or the signal's number when a signal
    /// ended the child (`wasSignaled` tells which). Meaningful once `exited` happened.
    public var terminationStatus: Int32 {
        let raw = outcome.status
        if raw < 0 { return -1 }
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
    }

    /// True when a signal ended the child (Foundation's `terminationReason == .uncaughtSignal`).
    public var wasSignaled: Bool {
        let raw = outcome.status
        return raw >= 0 && raw & 0x7F != 0 && raw & 0x7F != 0x7F
    }

    /// Sends `signal`; a child already reaped gets none (its pid may belong to another by then).
    public func kill(_ signal: Int32 = SIGTERM) {
        guard isRunning else { return }
        _ = Glibc.kill(pid, signal)
    }

    /// Awaits the exit; false if `timeout` seconds passed first.
    @discardableResult
    public func wait(timeout: Double = .infinity) async -> Bool {
        await exited.wait(timeout: timeout)
    }

    /// Blocks the calling thread until the exit: only for `defer` and `deinit`, right after SIGKILL.
    public func waitUntilExit() { outcome.blockingWait() }

    /// Writes all of `bytes` to stdin; false if it is closed or the child stopped reading (EPIPE).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        lock.withLock {
            guard stdinOpen, let stdin else { return false }
            return (try? stdin.writeAll(bytes)) != nil
        }
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    public func closeStdin() {
        lock.withLock {
            guard stdinOpen, let stdin else { return }
            stdinOpen = false
            if stdinIsSocket { _ = shutdown(stdin.rawValue, Int32(SHUT_WR)) }
            try? stdin.close()
        }
    }

    /// stdout (a `.pipe`) read to its end on a thread of its own.
    public func readStdoutToEnd() async -> Data {
        guard let stdout else { return Data() }
        let drain = Drain(stdout, owner: self)
        await drain.ended.wait(timeout: .infinity)
        return Data(drain.data)
    }

    /// Writing to a child that has just died must be an EPIPE error, not a SIGPIPE that kills the
    /// test process (the runtime does the same for its servers).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// `executable` itself when it holds a slash, else the first executable of that name in `path`.
    static func resolve(_ executable: String, path: String?) throws -> String {
        if executable.contains("/") {
            return executable.hasPrefix("/") ? executable : FileManager.default.currentDirectoryPath + "/" + executable
        }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = String(dir) + "/" + executable
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ProgramError(description: "\(executable) not found in PATH")
    }
}

/// The raw wait status, set once by the waiting thread.
private final class Outcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var raw: Int32?

    func set(_ status: Int32) {
        condition.withLock { raw = status; condition.broadcast() }
    }

    var status: Int32 { condition.withLock { raw ?? -1 } }

    func blockingWait() {
        condition.withLock { while raw == nil { condition.wait() } }
    }
}
