import Glibc
import SystemPackage

/// How a thread blocked in poll(2) is woken from another: a pipe it polls beside its own
/// descriptors, and one byte written to it. Nothing drains the pipe: once woken, every later wait
/// returns at once, which is what a stop signal wants (the waiter checks its own stop flag).
package final class WakePipe: Sendable {
    private let readEnd: FileDescriptor
    private let writeEnd: FileDescriptor

    /// What one wait saw: whether `wake()` was called, and each descriptor's `revents` (all zero
    /// when the time ran out), in the order they were given.
    package struct Readiness {
        package let woken: Bool
        package let events: [Int16]
        package var timedOut: Bool { !woken && events.allSatisfy { $0 == 0 } }
    }

    package init() throws(Errno) {
        // Non-blocking so that waking never blocks the waker, even if the pipe were ever full.
        (readEnd, writeEnd) = try FileDescriptor.pipe(options: [.closeOnExec, .nonBlocking])
    }

    deinit {
        try? readEnd.close()
        try? writeEnd.close()
    }

    /// Ends the current or next wait. Safe from any thread, more than once.
    package func wake() {
        // A full pipe (EAGAIN) is already readable: the waiter is woken either way.
        _ = try? writeEnd.writeAll([UInt8(1)])
    }

    /// Waits up to `milliseconds` (-1: forever) for one of `descriptors` to have something to read
    /// (or to hang up or fail) or for `wake()`.
    package func wait(for descriptors: [Int32], milliseconds: Int32) throws(Errno) -> Readiness {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        entries.append(pollfd(fd: readEnd.rawValue, events: Int16(POLLIN), revents: 0))
        _ = try Poll.wait(&entries, milliseconds: milliseconds)
        return Readiness(woken: entries.last!.revents != 0, events: entries.dropLast().map(\.revents))
    }
}
