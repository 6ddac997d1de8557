/// The one place a lower layer's error becomes an `OAuthFailure`: it must know HTTP's and
/// storage's errors, so it lives above both.
extension OAuthFailure {
    public static func from(_ error: any Error) -> OAuthFailure {
        switch error {
        case let failure as OAuthFailure: failure
        case HTTPFailure.timedOut(let url, let seconds): .timeout("\(url) did not answer within \(Int(seconds)) s")
        case HTTPFailure.invalidRequest: .configuration("\(error)")
        case let failure as HTTPFailure: .network(failure.description)
        case let failure as StorageError: .storage(failure.description)
        case is CancellationError: .cancelled("cancelled")
        default: .protocolViolation("\(error)")
        }
    }
}
