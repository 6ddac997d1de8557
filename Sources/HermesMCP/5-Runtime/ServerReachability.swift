import Foundation
import HermesOAuth

/// Whether a server answers at all, asked without credentials: advice after a failure tells a
/// server that is down from one that needs a login, so a person is not sent to log in to nothing.
public enum ServerReachability {
    /// Why the server does not answer an unauthenticated `initialize`, or nil when it answers
    /// anything at all (a 401 included) or is not reached over HTTP.
    public static func unreachable(_ server: MCPServerConfig) async -> String? {
        guard let text = server.url, let url = URL(string: text) else { return nil }
        do {
            _ = try await MCPProbe.initialize(url: url, credential: nil, headers: server.headers,
                                              transport: CurlTransport.shared.trusting(server.tlsTrust),
                                              timeout: min(server.connectTimeout, 10))
            return nil
        } catch {
            switch error {
            case .network(let reason), .timeout(let reason): return reason
            default: return nil
            }
        }
    }
}
