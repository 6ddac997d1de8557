import Foundation
import Glibc
import HermesOAuth

/// "⠋ Connecting to 'x'… 3s" on stderr while something slow runs, only when stderr is a terminal
/// (a pipe or a log file gets nothing). Lines printed through `say` appear above it, untouched.
/// While a login reads a pasted address it is stopped (`LoginProgress`): a paste that wraps over
/// several lines moves the cursor where no redraw can safely follow it.
final class Spinner: @unchecked Sendable {
    private static let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
    private let enabled: Bool
    private let colour: Bool
    private let lock = NSLock()
    private var message: String
    private var started = Date()
    private var running = false
    private var frame = 0
    /// Whether the cursor's line holds a spinner frame that must be erased before text goes there.
    private var drawn = false
    private var thread: Thread?
    /// Ctrl-C while it turns: the line is erased, so the shell's prompt does not land on it.
    private var interrupt: InterruptGuard?

    init(_ message: String, terminal: Terminal = .shared) {
        self.message = ServerText.clean(message)
        enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        colour = terminal.errorColour
    }

    func start() {
        let starting: Bool = lock.withLock {
            guard enabled, !running else { return false }
            running = true
            started = Date()
            return true
        }
        guard starting else { return }
        let onInterrupt = InterruptGuard { [weak self] in self?.stop() }
        lock.withLock { interrupt = onInterrupt }
        let thread = Thread { [weak self] in
            while let self, self.tick() { usleep(100_000) }
        }
        thread.stackSize = 1 << 16
        self.thread = thread
        thread.start()
    }

    func update(_ message: String) { lock.withLock { self.message = ServerText.clean(message) } }

    /// Stops and erases the spinner line.
    func stop() {
        let interrupt: InterruptGuard? = lock.withLock {
            guard running else { return nil }
            running = false
            if drawn { emit("\r\u{1B}[K"); drawn = false }
            defer { self.interrupt = nil }
            return self.interrupt
        }
        interrupt?.end()
    }

    /// Prints a line of text on stderr without tearing the spinner.
    func say(_ text: String) {
        lock.withLock {
            if drawn { emit("\r\u{1B}[K"); drawn = false }
            write(ServerText.lines(text) + "\n")
        }
    }

    private func tick() -> Bool {
        lock.withLock {
            guard running else { return false }
            frame += 1
            emit("\r" + render() + "\u{1B}[K")
            drawn = enabled
            return true
        }
    }

    private func render() -> String {
        let seconds = Int(Date().timeIntervalSince(started))
        let spinner = String(Self.frames[frame % Self.frames.count])
        let text = "  \(spinner) \(message) \(seconds)s"
        return colour ? "\u{1B}[36m\(text)\u{1B}[0m" : text
    }

    private func emit(_ text: String) {
        if enabled { write(text) }
    }

    private func write(_ text: String) {
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// Runs `body` with the spinner turning, stopping it however `body` ends.
    static func around<T>(_ message: String, _ body: (Spinner) async throws -> T) async rethrows -> T {
        let spinner = Spinner(message)
        spinner.start()
        defer { spinner.stop() }
        return try await body(spinner)
    }
}
