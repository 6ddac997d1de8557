import HermesMCP
import HermesOAuthC

extension MCPAnswer {
    /// The C API's status for an answer. A tool that ran and reported failure did answer: its
    /// error is the tool's result, for the model to read, so the call itself succeeded.
    var status: HermesStatus {
        switch self {
        case .success, .toolError: .ok
        case .needsReauth: .needsLogin
        case .failed(let failure):
            switch failure.kind {
            case .timeout: .timeout
            case .serverFault: .protocolError
            // A server's JSON-RPC error is an answer hermes could not use; anything else (a lost
            // connection, a process that would not start) means the server was not reached.
            case .other: failure.type == "MCPError" ? .protocolError : .network
            }
        }
    }

    /// For hermes_last_error(): what went wrong, in one line.
    var message: String {
        switch self {
        case .success: "ok"
        case .toolError(let text): text
        case .needsReauth(let reauth): "'\(reauth.server)' needs a login\(reauth.reason.map { ": \($0)" } ?? ""); run `\(reauth.command)`"
        case .failed(let failure): "\(failure.type): \(failure.message)"
        }
    }
}
