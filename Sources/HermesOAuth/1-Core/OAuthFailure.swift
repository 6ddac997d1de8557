/// Everything that can stop an OAuth operation, in the terms a person needs to act on it. The C
/// API (HermesOAuthC) maps each case to one `hermes_status`.
public enum OAuthFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// No usable tokens and no way to get them without a person.
    case needsLogin(server: String, reason: String)
    /// The server or the authorization server could not be reached.
    case network(String)
    /// A server took longer than allowed to answer (a network wait: the server may be down).
    case timeout(String)
    /// The login waited for the person's authorization response (browser redirect or paste) and
    /// none came in time: the servers answered, the person did not; nothing says they are down.
    case loginTimedOut(String)
    /// Something answered what OAuth or MCP does not allow (bad metadata, no S256, wrong issuer,
    /// state or iss mismatch, an unusable token response).
    case protocolViolation(String)
    /// A temporary refusal (5xx, 429): nothing on disk was changed.
    case temporarilyUnavailable(String)
    /// The person or the authorization server said no.
    case denied(String)
    /// config.yaml asks for something impossible (no URL, not OAuth, a bad redirect port).
    case configuration(String)
    case storage(String)
    case cancelled(String)
    /// No OAuth server of that name in config.yaml.
    case unknownServer(String)
    /// The MCP server answered an error status of its own, not about the token (a missing header,
    /// a bad request, an outage), with what it said (`ServerErrorText`, possibly empty).
    case serverError(status: Int, message: String)

    /// Server text in the messages is cleaned where it is quoted; cleaning the whole text again
    /// here covers every host (the C API's `hermes_last_error`, a log) against a quote that was missed.
    public var description: String {
        let text = switch self {
        case .needsLogin(let server, let reason):
            "MCP server '\(server)' needs login (\(reason)): run `hermes mcp login \(ShellWord.quote(server))`"
        case .network(let m), .timeout(let m), .loginTimedOut(let m), .protocolViolation(let m), .temporarilyUnavailable(let m),
             .denied(let m), .configuration(let m), .storage(let m), .cancelled(let m):
            m
        case .unknownServer(let name):
            "no MCP server named '\(name)' in config.yaml"
        case .serverError(let status, let message):
            "the MCP server answered HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
        }
        return ServerText.clean(text)
    }
}
