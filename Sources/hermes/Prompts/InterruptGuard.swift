import Dispatch
import Foundation
import Glibc

/// Ctrl-C while a login waits: the default SIGINT would kill hermes with the spinner still on the
/// screen and no word said. Instead `onInterrupt` tidies the screen and hermes exits 130, the
/// shell's code for an interrupted command. Tokens are only ever written when a login completes,
/// so an interrupted one has changed none.
final class InterruptGuard: @unchecked Sendable {
    private let source: DispatchSourceSignal

    init(_ onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            onInterrupt()
            exit(130)
        }
        source.resume()
    }

    func end() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
