import Glibc
import HermesOAuth

/// The terminal in raw mode for as long as a full-screen prompt runs, restored on every way out:
/// normal return, Ctrl-C (which arrives as a byte, since signals from keys are off), and
/// SIGTERM/SIGHUP/SIGQUIT (a handler restores the settings, then the signal takes its course).
final class RawTerminal {
    let input: Int32
    let output: Int32
    private var saved = termios()
    private var active = false

    /// nil when `input` or `output` is not a terminal.
    init?(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        guard isatty(input) == 1, isatty(output) == 1 else { return nil }
        self.input = input
        self.output = output
    }

    func enter() {
        guard !active, tcgetattr(input, &saved) == 0 else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        RawTerminalRestore.arm(fd: input, settings: saved)
        tcsetattr(input, TCSAFLUSH, &raw)
        active = true
        // The alternate screen keeps the person's scrollback intact and survives resizes.
        write("\u{1B}[?1049h\u{1B}[?25l")
    }

    func leave() {
        guard active else { return }
        write("\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(input, TCSAFLUSH, &saved)
        RawTerminalRestore.disarm()
        active = false
    }

    deinit { leave() }

    var size: (columns: Int, rows: Int) {
        var ws = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return (Int(ws.ws_col), Int(ws.ws_row))
        }
        return (80, 24)
    }

    func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Bytes typed, waiting at most `milliseconds`; empty on timeout, nil at end of input.
    func read(waiting milliseconds: Int32) -> [UInt8]? {
        guard let ready = try? Poll.waitReadable(input, milliseconds: milliseconds) else { return nil }
        if !ready { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
        if n < 0 { return errno == EINTR || errno == EAGAIN ? [] : nil }
        if n == 0 { return nil }
        return Array(buffer[..<n])
    }
}

/// What a signal handler needs to put the terminal back; a handler cannot reach an object.
private enum RawTerminalRestore {
    nonisolated(unsafe) static var fd: Int32 = -1
    // On the heap rather than in a global of the imported C type: AddressSanitizer reports the
    // copy into such a global as an overflow, and the handler only needs a stable address.
    nonisolated(unsafe) static let settings: UnsafeMutablePointer<termios> = {
        let p = UnsafeMutablePointer<termios>.allocate(capacity: 1)
        p.initialize(to: termios())
        return p
    }()
    nonisolated(unsafe) static var previous: [Int32: sighandler_t?] = [:]
    static let signals: [Int32] = [SIGTERM, SIGHUP, SIGQUIT]

    static func arm(fd: Int32, settings: termios) {
        Self.fd = fd
        Self.settings.pointee = settings
        for sig in signals {
            previous[sig] = signal(sig) { sig in
                let leave = "\u{1B}[?25h\u{1B}[?1049l"
                _ = leave.withCString { Glibc.write(RawTerminalRestore.fd, $0, strlen($0)) }
                tcsetattr(RawTerminalRestore.fd, TCSAFLUSH, RawTerminalRestore.settings)
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func disarm() {
        for sig in signals { if let old = previous[sig] { signal(sig, old) } }
        previous = [:]
        fd = -1
    }
}
