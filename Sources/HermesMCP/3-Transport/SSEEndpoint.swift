import Foundation
import HermesOAuth

/// Where the legacy HTTP+SSE transport (MCP 2024-11-05) POSTs: the URL of the stream's `endpoint`
/// event, usually a path with a session id (`/messages/?session_id=...`), resolved against the SSE
/// URL. Every POST carries the bearer token, so the endpoint must be on the SSE URL's own origin
/// (scheme, host and port): a server that names another is refused, whatever it names. The URL
/// POSTed to is then built from the SSE URL's origin and the endpoint's path and query only, so no
/// difference between how Foundation and libcurl read a URL can move the request elsewhere.
enum SSEEndpoint {
    /// Bytes of an endpoint; a path and a session id need far less.
    static let maxLength = 4096

    struct Refused: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func resolve(_ data: Data, against base: URL) throws(Refused) -> URL {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let shown = "'\(ServerText.clipped(text))'"
        guard !text.isEmpty, data.count <= maxLength else {
            throw Refused(reason: "the SSE stream's endpoint event is empty or longer than \(maxLength) bytes")
        }
        // Visible ASCII only: no space, control character or backslash for two URL parsers to
        // read differently.
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x5C }) else {
            throw Refused(reason: "the SSE stream's endpoint event \(shown) is not a plain URL (spaces, control characters, backslashes or non-ASCII)")
        }
        guard let resolved = URL(string: text, relativeTo: base)?.absoluteURL,
              let target = URLComponents(url: resolved, resolvingAgainstBaseURL: false),
              var built = URLComponents(url: base, resolvingAgainstBaseURL: false) else {
            throw Refused(reason: "the SSE stream's endpoint event \(shown) is not a URL")
        }
        guard let origin = Origin(built), Origin(target) == origin, target.user == nil, target.password == nil else {
            throw Refused(reason: "the SSE stream's endpoint event names \(shown), which is not on \(Origin(built)?.text ?? base.absoluteString) where the stream is: hermes posts only to the server's own origin (scheme, host and port), which its token was issued for")
        }
        built.percentEncodedPath = target.percentEncodedPath.isEmpty ? "/" : target.percentEncodedPath
        built.percentEncodedQuery = target.percentEncodedQuery
        built.fragment = nil
        guard let url = built.url else { throw Refused(reason: "the SSE stream's endpoint event \(shown) is not a URL") }
        return url
    }

    /// Scheme, host and port, the port made explicit.
    struct Origin: Equatable {
        let scheme: String
        let host: String
        let port: Int

        init?(_ components: URLComponents) {
            guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = components.host?.lowercased(), !host.isEmpty else { return nil }
            self.scheme = scheme
            self.host = host
            self.port = components.port ?? (scheme == "https" ? 443 : 80)
        }

        var text: String { "\(scheme)://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)" }
    }
}
