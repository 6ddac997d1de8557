import CHermesShims
import SystemPackage

/// Accepting connections on a listening socket.
package enum ListeningSocket {
    /// The next waiting connection, close-on-exec from its first instant: a child spawned by
    /// another thread meanwhile must not inherit the browser's connection.
    package static func accept(_ listening: Int32) throws(Errno) -> Int32 {
        while true {
            do {
                return try shimCall(hermes_shim_accept_cloexec(listening))
            } catch .interrupted {
                continue
            }
        }
    }
}
