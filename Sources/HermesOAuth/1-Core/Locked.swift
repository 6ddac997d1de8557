import Synchronization
#if HERMES_TSAN
import Glibc
#endif

/// A value behind `Synchronization.Mutex`, with one difference in ThreadSanitizer builds.
///
/// On Linux `Mutex` is a priority-inheriting futex: when two threads contend, the kernel hands the
/// lock to the waiter inside `FUTEX_LOCK_PI` and no user-space atomic orders the two critical
/// sections, so ThreadSanitizer sees no edge between them and reports "Swift access race" on
/// whatever the lock guards (`SanitizerCanaryTests` show the bare `Mutex` doing so). Builds made
/// with `HERMES_SANITIZER=thread` define `HERMES_TSAN`, and there every critical section also
/// tells ThreadSanitizer that it acquires and releases this lock. The lock itself is the same
/// `Mutex` in every build, so a report that survives is a real race.
package struct Locked<Value>: ~Copyable {
    private let mutex: Mutex<Value>
    #if HERMES_TSAN
    /// Only its address matters: the object ThreadSanitizer synchronises on.
    private let edge = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
    #endif

    package init(_ initialValue: sending Value) {
        mutex = Mutex(initialValue)
    }

    #if HERMES_TSAN
    deinit { edge.deallocate() }
    #endif

    package borrowing func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if HERMES_TSAN
        let edge = edge
        return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            ThreadSanitizer.acquire(edge)
            defer { ThreadSanitizer.release(edge) }
            return try body(&value)
        }
        #else
        return try mutex.withLock(body)
        #endif
    }
}

// The mutex is Sendable for any value; the edge is only ever passed to ThreadSanitizer.
extension Locked: @unchecked Sendable {}

#if HERMES_TSAN
/// ThreadSanitizer's annotation entry points (`sanitizer/tsan_interface.h`), found in the running
/// process: they exist only in its runtime, which every `HERMES_TSAN` build links.
enum ThreadSanitizer {
    private typealias Annotation = @convention(c) (UnsafeMutableRawPointer?) -> Void

    private static let annotations: (acquire: Annotation, release: Annotation) = {
        func find(_ name: String) -> Annotation {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
                fatalError("HERMES_TSAN build without ThreadSanitizer's runtime (\(name) not found)")
            }
            return unsafeBitCast(symbol, to: Annotation.self)
        }
        return (find("__tsan_acquire"), find("__tsan_release"))
    }()

    static func acquire(_ address: UnsafeMutableRawPointer) { annotations.acquire(address) }
    static func release(_ address: UnsafeMutableRawPointer) { annotations.release(address) }
}
#endif
