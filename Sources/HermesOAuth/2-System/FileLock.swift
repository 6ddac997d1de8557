import Foundation
import SystemPackage

/// An exclusive advisory lock (`flock`) on a lock file, shared by every process that opens the same
/// path. The lock is released by `unlock()`, by deinit, or by the kernel when the process dies, so a
/// crashed holder never wedges the others.
public final class FileLock: @unchecked Sendable {
    public let path: String
    private let file: FileDescriptor
    private let state = NSLock()
    private var held = false

    public struct Timeout: Error, CustomStringConvertible {
        public let path: String
        public let seconds: Double
        public var description: String { "timed out after \(seconds)s waiting for the lock \(path)" }
    }

    public init(path: String, mode: mode_t = 0o600) throws(Errno) {
        self.path = path
        // Never through a symlink: a link planted at the lock path would make hermes create or
        // lock a file of the planter's choosing.
        self.file = try typedErrno {
            try FileDescriptor.open(path, .readWrite, options: [.create, .noFollow, .closeOnExec],
                                    permissions: FilePermissions(rawValue: mode))
        }
    }

    deinit {
        try? file.close()
    }

    /// Takes the lock if it is free; `false` when another holder has it.
    public func tryLock() throws(Errno) -> Bool {
        do {
            _ = try systemCall { flock(file.rawValue, LOCK_EX | LOCK_NB) }
        } catch .wouldBlock {
            return false
        }
        state.withLock { held = true }
        return true
    }

    /// Waits for the lock on the calling thread for at most `timeout` seconds. Polls with a growing
    /// interval: flock has no timed variant, and a blocking flock could not be abandoned.
    public func lock(timeout: Double) throws -> Void {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: useconds_t = 1_000
        while true {
            if try tryLock() { return }
            if Date() >= deadline { throw Timeout(path: path, seconds: timeout) }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// The same wait without holding a thread: suitable inside Swift concurrency.
    public func lock(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: UInt64 = 1_000_000
        while true {
            if try tryLock() { return }
            if Date() >= deadline { throw Timeout(path: path, seconds: timeout) }
            try await Task.sleep(nanoseconds: pause)
            pause = min(pause * 2, 50_000_000)
        }
    }

    public func unlock() {
        state.withLock {
            if held {
                _ = try? systemCall { flock(file.rawValue, LOCK_UN) }
                held = false
            }
        }
    }

    public var isHeld: Bool { state.withLock { held } }
}
