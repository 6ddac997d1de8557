import Foundation
import Glibc

/// How a login may reach a person: which browser to start, whether to read a pasted redirect URL
/// from the terminal, and where to print the authorization URL and hints (stderr by default).
public struct LoginInteraction: Sendable {
    public var browser: BrowserLauncher
    public var pasteFromTerminal: Bool
    public var say: @Sendable (String) -> Void
    /// Told when the flow starts waiting for the person (with whether a pasted address is being
    /// read from the terminal, so a progress display keeps off the input line) and when it stops.
    public var waiting: @Sendable (WaitingPhase) -> Void

    public enum WaitingPhase: Sendable, Equatable {
        case started(readingPaste: Bool)
        case ended
    }

    public init(browser: BrowserLauncher, pasteFromTerminal: Bool, say: @escaping @Sendable (String) -> Void,
                waiting: @escaping @Sendable (WaitingPhase) -> Void = { _ in }) {
        self.browser = browser
        self.pasteFromTerminal = pasteFromTerminal
        self.say = say
        self.waiting = waiting
    }

    /// For a command run by a person: paste-back when stdin is a terminal, messages on stderr.
    public static func terminal(environment: [String: String] = ProcessInfo.processInfo.environment) -> LoginInteraction {
        LoginInteraction(browser: BrowserLauncher(environment: environment), pasteFromTerminal: isatty(STDIN_FILENO) == 1) { text in
            FileHandle.standardError.write(Data((ServerText.lines(text) + "\n").utf8))
        }
    }
}
