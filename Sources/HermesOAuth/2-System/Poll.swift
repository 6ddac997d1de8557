import Glibc
import SystemPackage

/// poll(2) for the threads that wait on descriptors (the callback listener, the token watcher, the
/// paste and terminal readers): a signal landing meanwhile restarts the wait on the time left, so
/// no caller sees EINTR or waits longer than it asked.
package enum Poll {
    /// Waits until `descriptor` has something to read (or hung up, or failed: the read then says
    /// which) or `milliseconds` pass (-1: forever). False on timeout.
    package static func waitReadable(_ descriptor: Int32, milliseconds: Int32) throws(Errno) -> Bool {
        var entries = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        return try wait(&entries, milliseconds: milliseconds) > 0
    }

    /// poll(2) over `entries`, their `revents` filled in; returns how many are ready, 0 on timeout.
    package static func wait(_ entries: inout [pollfd], milliseconds: Int32) throws(Errno) -> Int {
        let clock = ContinuousClock()
        let deadline = milliseconds < 0 ? nil : clock.now.advanced(by: .milliseconds(milliseconds))
        while true {
            var remaining: Int32 = -1
            if let deadline {
                let left = clock.now.duration(to: deadline).components
                let ms = max(0, left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000)
                remaining = Int32(clamping: ms)
            }
            let count = entries.count
            let ready = entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t(count), remaining) }
            if ready >= 0 { return Int(ready) }
            let code = Errno(rawValue: errno)
            if code != .interrupted { throw code }
        }
    }
}
