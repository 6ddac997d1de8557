import Foundation
import Glibc

/// How a login may reach a person: which browser to start, whether to read a pasted redirect URL
/// from the terminal, and where to print the authorization URL and hints (stderr by default).
public struct LoginInteraction: Sendable {
    public var browser: BrowserLauncher
    public var pasteFromTerminal: Bool
    public var say: @Sendable (String) -> Void

    public init(browser: BrowserLauncher, pasteFromTerminal: Bool, say: @escaping @Sendable (String) -> Void) {
        self.browser = browser
        self.pasteFromTerminal = pasteFromTerminal
        self.say = say
    }

    /// For a command run by a person: paste-back when stdin is a terminal, messages on stderr.
    public static func terminal(environment: [String: String] = ProcessInfo.processInfo.environment) -> LoginInteraction {
        LoginInteraction(browser: BrowserLauncher(environment: environment), pasteFromTerminal: isatty(STDIN_FILENO) == 1) { text in
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}
