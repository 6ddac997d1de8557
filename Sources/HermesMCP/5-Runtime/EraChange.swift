import Foundation
import HermesOAuth
import MCP

/// A refusal that says the server no longer speaks the revision hermes agreed with it: it was
/// redeployed in another era while hermes stayed connected. 2026-07-28 (basic/versioning): on an
/// unsupported-version error "the client SHOULD select a mutually supported version from the
/// supported list and retry", and a cached revision is asked about again "if the cached assumption
/// later fails"; the transports' backward-compatibility rule reads a 400 the same way as the probe
/// does.
enum EraChange {
    /// JSON-RPC errors a server that speaks the revision answers a well-formed request with: a
    /// 400 carrying one of them is about the request, not the revision.
    /// Not -32600: it is what the SDK's stateful server answers a 2026-07-28 request without a
    /// session ("Bad Request: Missing session ID"), the very sign of a server of the other era.
    private static let aboutTheRequest: Set<Int> = [-32_700, -32_602, -32_601, -32_603, RPCError.headerMismatch, RPCError.missingCapability]

    /// -32022 on any transport, or a 400 whose body is not one of those errors: a 2026-07-28
    /// server's answer to an `initialize`-era request, or an older server's (its "Missing session
    /// ID", its own version check) to an enveloped one. A 400 means the request was not processed,
    /// so sending it again after negotiating is safe.
    static func suspected(_ error: any Error) -> Bool {
        switch error {
        case let refusal as RPCError:
            return refusal.code == RPCError.unsupportedVersion || (refusal.httpStatus == 400 && !aboutTheRequest.contains(refusal.code))
        case MCPTransportError.http(let status, _):
            return status == 400
        default:
            return false
        }
    }
}
