import CHermesShims
import SystemPackage

/// The shims return `-errno` on failure; this turns that convention into a typed throw so callers
/// never consult the thread-local `errno` after the fact.
@inline(__always)
package func shimCall<R: SignedInteger>(_ result: R) throws(Errno) -> R {
    if result < 0 { throw Errno(rawValue: Int32(truncatingIfNeeded: 0 - result)) }
    return result
}

extension Errno {
    /// "No such file or directory (ENOENT)" style text for messages that a person reads.
    package var readable: String { "\(self) (errno \(rawValue))" }
}
