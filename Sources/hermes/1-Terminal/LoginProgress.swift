import Foundation
import Glibc
import HermesOAuth

extension LoginInteraction {
    /// The terminal login, with its messages printed through `spinner` and the spinner telling
    /// how long the browser has been waited for.
    ///
    /// While a pasted address is being read the spinner stands still: the terminal echoes the
    /// paste itself, and a paste that wraps over several lines puts the cursor where no redraw
    /// can know, so any animation there would draw over what the person pasted.
    static func terminal(spinner: Spinner) -> LoginInteraction {
        var interaction = LoginInteraction.terminal()
        interaction.say = { spinner.say($0) }
        interaction.waiting = { phase in
            switch phase {
            case .started(let readingPaste):
                if readingPaste {
                    spinner.stop()
                } else {
                    spinner.update("Waiting for the browser…")
                }
            case .ended:
                spinner.start()
                spinner.update("Finishing the login…")
            }
        }
        return interaction
    }
}

/// A login run for a person: the spinner while it works, and Ctrl-C answered with what it did
/// (nothing) instead of a dead process.
enum TerminalLogin {
    static func run<T>(_ name: String, _ body: (LoginInteraction) async throws -> T) async throws -> T {
        try await Spinner.around("Logging in to '\(name)'…") { spinner in
            let interrupt = InterruptGuard {
                spinner.stop()
                let text = "\n  Login cancelled — nothing was changed\n"
                _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            }
            defer { interrupt.end() }
            return try await body(.terminal(spinner: spinner))
        }
    }
}
