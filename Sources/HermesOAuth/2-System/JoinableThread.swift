import Foundation
import Glibc
import SystemPackage

/// A POSIX thread that is joined, not detached: once `join()` returns the thread no longer exists,
/// so whatever stops it (a runtime's shutdown, a manager letting its watcher go) leaves nothing
/// behind in `/proc/self/task`. Foundation's `Thread` can only be waited for by a signal it sends
/// before it ends, which is not the same thing.
package final class JoinableThread: Sendable {
    private let handle: pthread_t
    private let state = Locked(State())

    private struct State {
        var joined = false
        var kernelID: pid_t = 0
    }

    /// Starts `body` at once on a thread called `name` (the kernel keeps 15 bytes of it).
    package init(name: String, _ body: @escaping @Sendable () -> Void) throws(Errno) {
        let start = ThreadStart(name: name, body: body)
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            start.run()
            return nil
        }, Unmanaged.passRetained(start).toOpaque())
        guard result == 0 else {
            Unmanaged.passUnretained(start).release()
            throw Errno(rawValue: result)
        }
        handle = thread
        start.started.wait()
        state.withLock { $0.kernelID = start.kernelID }
    }

    /// The thread's id as the kernel knows it (its entry in `/proc/self/task`).
    package var kernelID: pid_t { state.withLock { $0.kernelID } }

    /// Whether the caller is this thread.
    package var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    /// Waits for the thread to end. From the thread itself (the last owner let go of it inside
    /// its own work) it cannot wait, so the thread is detached and ends on its own.
    package func join() {
        let first = state.withLock { s -> Bool in
            defer { s.joined = true }
            return !s.joined
        }
        guard first else { return }
        if isCurrent {
            pthread_detach(handle)
        } else {
            pthread_join(handle, nil)
        }
    }

    deinit { join() }
}

/// What the new thread runs; the thread owns it until it returns.
private final class ThreadStart: @unchecked Sendable {
    let name: String
    let body: @Sendable () -> Void
    let started = DispatchSemaphore(value: 0)
    /// Written by the new thread before `started` is signalled, read after.
    var kernelID: pid_t = 0

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    func run() {
        // pthread_setname_np and gettid are GNU extensions Glibc's module map leaves out; the
        // kernel offers both as files of the calling thread.
        let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        if comm >= 0 {
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(comm, $0.baseAddress, $0.count) }
            close(comm)
        }
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
           let id = link.split(separator: "/").last.flatMap({ pid_t($0) }) {
            kernelID = id
        }
        started.signal()
        body()
    }
}
