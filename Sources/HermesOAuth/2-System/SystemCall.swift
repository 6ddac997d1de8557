import Glibc
import SystemPackage

/// The shims return `-errno` on failure; this turns that convention into a typed throw so callers
/// never consult the thread-local `errno` after the fact.
@inline(__always)
package func shimCall<R: SignedInteger>(_ result: R) throws(Errno) -> R {
    if result < 0 { throw Errno(rawValue: Int32(truncatingIfNeeded: 0 - result)) }
    return result
}

/// A Glibc call swift-system does not wrap (flock, fsync, renameat, inotify, poll): -1 becomes the
/// errno as a typed throw, read at once, before anything else can overwrite it. EINTR is retried
/// unless the caller says otherwise, as swift-system's `retryOnInterrupt` does: a signal landing
/// meanwhile is no reason to give up a call.
@inline(__always)
package func systemCall<R: SignedInteger>(retryOnInterrupt: Bool = true, _ call: () -> R) throws(Errno) -> R {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Errno(rawValue: errno)
        if retryOnInterrupt && code == .interrupted { continue }
        throw code
    }
}

/// swift-system's calls throw untyped; every error they throw is an `Errno`.
@inline(__always)
package func typedErrno<R>(_ body: () throws -> R) throws(Errno) -> R {
    do {
        return try body()
    } catch let error as Errno {
        throw error
    } catch {
        throw .ioError
    }
}

extension Errno {
    /// "No such file or directory (ENOENT)" style text for messages that a person reads.
    package var readable: String { "\(self) (errno \(rawValue))" }
}
