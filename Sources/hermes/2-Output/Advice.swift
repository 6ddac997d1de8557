import Foundation
import HermesMCP
import HermesOAuth

/// One message for each state a server can be in when it cannot be used, naming the one thing
/// that helps. Every command that explains a failure asks here, so `status`, `test`, `login` and
/// the others never send a person somewhere another command then turns them away from.
enum Advice {
    /// How an entry authenticates, as far as advice goes.
    enum Auth: String {
        case oauth, headers, none, stdio
    }

    static func auth(of server: MCPServerConfig) -> Auth {
        if server.url == nil { return .stdio }
        if server.usesOAuth { return .oauth }
        return server.headers.isEmpty ? .none : .headers
    }

    /// "run `hermes mcp login NAME`". No `HERMES_HOME=` in front: the shell that ran this command
    /// has it already (the agent's `needs_reauth`, read elsewhere, spells it out).
    static func runLogin(_ name: String, home: HermesHome) -> String {
        "run `hermes mcp login \(ShellWord.quote(name))`"
    }

    /// A login that worked (its tokens are stored) whose first MCP request the server refused for a
    /// reason of its own (`OAuthFailure.serverError`): what the server said, and that the token is
    /// not what to look at.
    static func refusedAfterLogin(_ name: String, status: Int, message: String, home: HermesHome) -> String {
        let said = message.isEmpty ? " (it gave no reason)" : ": \(TerminalText.clean(Redaction.redact(message)))"
        let next = status >= 500 ? "try again later" : "check its entry (url, headers) in \(home.display())/config.yaml"
        return "'\(name)' answered HTTP \(status) to the first request after the login\(said) — the server's own complaint, not about the new token, which is stored: \(next)"
    }

    /// Why `login`, `logout` or `reauth` has nothing to do for this entry; nil when it uses OAuth.
    static func notOAuth(_ server: MCPServerConfig, home: HermesHome) -> String? {
        let name = server.name
        switch auth(of: server) {
        case .oauth:
            return nil
        case .stdio:
            if server.command == nil { return "'\(name)' has neither a url nor a command in \(home.display())/config.yaml" }
            return "'\(name)' runs a local command (stdio), which has no OAuth login: `hermes mcp test \(ShellWord.quote(name))` checks that it starts"
        case .headers:
            return "'\(name)' authenticates with the headers in its config.yaml entry, not OAuth: there is nothing to log in to; `hermes mcp test \(ShellWord.quote(name))` checks them"
        case .none:
            return "'\(name)' is not configured for OAuth (auth: none): to use OAuth, add `auth: oauth` to its entry in \(home.display())/config.yaml"
        }
    }

    /// Why a connection failed, for `test`, `configure` and `add`: one sentence and what to do.
    /// Without tokens the server was never asked; whether it answers at all is found out first, so
    /// a server that is down is reported as down, not as needing a login.
    static func connectionFailure(_ error: any Error, server: MCPServerConfig, home: HermesHome) async -> String {
        let name = server.name
        if let failed = error as? MCPErrors.ConnectFailed {
            // Said with the real time spent and the tries, so a person knows the wait was the deadline.
            switch failed.last {
            case MCPTransportError.unreachable(let reason), OAuthFailure.network(let reason), OAuthFailure.timeout(let reason):
                return cannotReach(name, reason, spent: failed.spent)
            default:
                return TerminalText.clean(Redaction.redact(failed.description))
            }
        }
        switch error {
        case OAuthFailure.needsLogin(_, let reason):
            if OAuthManager.shared(home: home).storedTokens(of: name) == nil, let down = await ServerReachability.unreachable(server) {
                return cannotReach(name, down)
            }
            return "'\(name)' needs a login — \(reason): \(runLogin(name, home: home))"
        case MCPTransportError.unauthorized:
            switch auth(of: server) {
            case .oauth: return "'\(name)' needs a login — the MCP server refused the access token: \(runLogin(name, home: home))"
            case .headers: return "'\(name)' refused the credentials in its headers (HTTP 401): check the `headers:` of its entry in \(home.display())/config.yaml and any key they take from .env"
            case .none, .stdio: return "'\(name)' asks for authorization (HTTP 401) but its entry has none: add `auth: oauth` (or `headers:`) to it in \(home.display())/config.yaml"
            }
        case MCPTransportError.forbidden(let challenge) where challenge?.error == "insufficient_scope" && server.usesOAuth:
            let scope = challenge?.scope.map { " (scope \(TerminalText.clean($0)))" } ?? ""
            return "'\(name)' needs a login with more access\(scope): \(runLogin(name, home: home))"
        case MCPTransportError.unreachable(let reason):
            return cannotReach(name, reason)
        case OAuthFailure.network(let reason), OAuthFailure.timeout(let reason):
            return cannotReach(name, reason)
        default:
            return TerminalText.clean(Redaction.redact("\(error)"))
        }
    }

    /// Why the login `add` ran did not give tokens: the servers answered, so this is never "cannot
    /// reach", even when the wait for the person's browser timed out.
    static func loginFailure(_ error: any Error) -> String {
        "the login did not complete: " + TerminalText.clean(Redaction.redact("\(error)"))
    }

    /// Whether a login failed because a server did not answer (rather than the person, or what
    /// the servers answered): that is a server that cannot be reached, said as such.
    static func isNetworkFailure(_ error: any Error) -> Bool {
        switch error {
        case OAuthFailure.network, OAuthFailure.timeout, MCPTransportError.unreachable: true
        default: false
        }
    }

    private static func cannotReach(_ name: String, _ reason: String, spent: String? = nil) -> String {
        var text = TerminalText.clean(Redaction.redact(reason))
        var at = ""
        // The transport's "could not reach URL: why", said once.
        if text.hasPrefix("could not reach "), let colon = text.range(of: ": ") {
            at = " at " + text[text.index(text.startIndex, offsetBy: 16)..<colon.lowerBound]
            text = String(text[colon.upperBound...])
        }
        let after = spent.map { " " + $0 } ?? ""
        return "cannot reach '\(name)'\(at)\(after) (\(text)): check that the server is running and that its url in config.yaml is right"
    }

    /// The `status` line for a verdict the servers gave about the stored tokens.
    static func rejected(_ verdict: TokenVerdict, server name: String, home: HermesHome, now: Double = Date().timeIntervalSince1970) -> String {
        let ago = max(0, Int(now - verdict.at))
        return "Rejected by the server \(TokenSummary.duration(ago)) ago — \(verdict.reason): \(runLogin(name, home: home))"
    }
}
