import Foundation

/// The command a person types to log in again, as every message that asks for it spells it: the
/// server's name quoted for a POSIX shell when it needs quoting, and `HERMES_HOME=...` in front
/// when the home is not the default one (the shell the person types into may not have it set).
public enum LoginAdvice {
    public static func command(_ name: String, home: HermesHome,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var plain = environment
        plain["HERMES_HOME"] = nil
        guard home != HermesHome.resolve(environment: plain) else { return "hermes mcp login \(ShellWord.quote(name))" }
        let shown = home.display(environment: environment)
        // `HERMES_HOME=~/x` is expanded by the shell (a tilde after `=` in an assignment); a
        // quoted one would not be, so the real path goes in quotes instead.
        let value = shown.allSatisfy(ShellWord.isSafe) ? shown : ShellWord.quote(home.path)
        return "HERMES_HOME=\(value) hermes mcp login \(ShellWord.quote(name))"
    }
}
