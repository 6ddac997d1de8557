@preconcurrency import Glibc

/// Flushes stdout alone. `fflush(nil)` would also take stdin's lock, which a `readLine` blocked
/// on the terminal holds: a Ctrl-C handler printing while a question is open would hang there.
enum StandardOutput {
    static func flush() {
        fflush(stdout)
    }
}
