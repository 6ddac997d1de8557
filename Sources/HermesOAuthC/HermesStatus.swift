/// The C API's status codes. The values are the ABI: they must equal the constants in
/// include/hermesoauth.h (a test compiles the header and compares).
package enum HermesStatus: Int32, CaseIterable, Sendable {
    case ok = 0
    case invalidArgument = 1
    case notFound = 2
    case needsLogin = 3
    case network = 4
    case protocolError = 5
    case io = 6
    case timeout = 7
    case denied = 8

    /// The C macro name, for tests and messages.
    package var cName: String {
        switch self {
        case .ok: "HERMES_OK"
        case .invalidArgument: "HERMES_EINVAL"
        case .notFound: "HERMES_ENOTFOUND"
        case .needsLogin: "HERMES_ENEEDS_LOGIN"
        case .network: "HERMES_ENETWORK"
        case .protocolError: "HERMES_EPROTOCOL"
        case .io: "HERMES_EIO"
        case .timeout: "HERMES_ETIMEOUT"
        case .denied: "HERMES_EDENIED"
        }
    }
}
