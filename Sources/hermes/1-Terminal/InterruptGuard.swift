import Dispatch
import Foundation
import Glibc

/// Ctrl-C while hermes holds something half done (a login waiting, an `add` that wrote a key it
/// may have to take back): the default SIGINT would kill hermes with the spinner still on the
/// screen and no word said. Instead each guard's `onInterrupt` runs, innermost first, and hermes
/// exits 130, the shell's code for an interrupted command. Guards nest: `add` guards its whole
/// run, the login inside it guards the login.
final class InterruptGuard: @unchecked Sendable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handlers: [(id: UInt64, run: @Sendable () -> Void)] = []
    nonisolated(unsafe) private static var source: DispatchSourceSignal?
    nonisolated(unsafe) private static var nextID: UInt64 = 0
    private let id: UInt64

    init(_ onInterrupt: @escaping @Sendable () -> Void) {
        id = Self.lock.withLock {
            Self.nextID += 1
            Self.handlers.append((Self.nextID, onInterrupt))
            if Self.source == nil {
                signal(SIGINT, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
                source.setEventHandler { InterruptGuard.interrupted() }
                source.resume()
                Self.source = source
            }
            return Self.nextID
        }
    }

    /// With no guard in place, Ctrl-C does what it does by default. (The source itself stays: a
    /// SIGINT source cancelled and then made again did not fire in testing on Linux.) The signal
    /// goes to the process, not with `raise` to this thread: this is a dispatch worker, which
    /// blocks signals, so a raised SIGINT stayed pending and Ctrl-C at a question did nothing.
    private static func interrupted() {
        let pending = lock.withLock { handlers }
        guard !pending.isEmpty else {
            signal(SIGINT, SIG_DFL)
            kill(getpid(), SIGINT)
            return
        }
        for handler in pending.reversed() { handler.run() }
        exit(130)
    }

    func end() {
        Self.lock.withLock { Self.handlers.removeAll { $0.id == id } }
    }
}
