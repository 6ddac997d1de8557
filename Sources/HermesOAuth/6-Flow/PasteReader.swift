import Foundation
import Glibc

/// Reads a pasted redirect URL (or its `code=...&state=...` part) from the terminal, for logins on
/// a machine whose browser cannot reach this loopback listener. It reads one byte at a time and
/// only when input is waiting, so it stops the moment the flow ends and never consumes input meant
/// for whatever runs next.
final class PasteReader: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false

    init(fd: Int32 = STDIN_FILENO) { self.fd = fd }

    func stop() { lock.withLock { stopped = true } }
    private var isStopped: Bool { lock.withLock { stopped } }

    /// Calls `line` for each complete line until it returns true or `stop()` is called. Blocking.
    func run(_ line: (String) -> Bool) {
        var buffer: [UInt8] = []
        while !isStopped {
            guard let ready = try? Poll.waitReadable(fd, milliseconds: 200) else { return }
            // Stopped while waiting: the input that woke us belongs to whatever runs next.
            if !ready || isStopped { continue }
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n == 0 { return } // end of input
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue } else { return } }
            if byte == 0x0A {
                let text = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                if line(text) { return }
            } else if buffer.count < 16384 {
                buffer.append(byte)
            }
        }
    }
}
