import HermesOAuth

extension OAuthFailure {
    /// The C API's status for this failure: what a C caller can branch on without reading the text.
    package var status: HermesStatus {
        switch self {
        case .needsLogin: .needsLogin
        case .network, .temporarilyUnavailable: .network
        case .timeout, .loginTimedOut: .timeout
        case .protocolViolation: .protocolError
        case .denied, .cancelled: .denied
        case .configuration: .invalidArgument
        case .storage: .io
        case .unknownServer: .notFound
        case .serverError(let status, _): status >= 500 ? .network : .protocolError
        }
    }
}
