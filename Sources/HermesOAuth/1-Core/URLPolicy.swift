import Foundation

/// Which URLs hermes will talk OAuth to or hand to a browser: `https`, or `http` on a loopback
/// address only. Anything else (`javascript:`, `file:`, `data:`, plain http to a remote host) is
/// refused before it is fetched or opened.
public enum URLPolicy {
    public static func isLoopback(host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || isLoopbackLiteral(h)
    }

    /// 127.0.0.0/8 or ::1 written as an address, read the way the socket calls read it (so `127.1`,
    /// which inet_pton refuses, is not one); 0.0.0.0, :: or a LAN address would reach beyond loopback.
    public static func isLoopbackLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { $0.prefix(15).allSatisfy { $0 == 0 } && $0[15] == 1 }
        }
        return false
    }

    /// The URL, parsed, if hermes may use it for OAuth; otherwise a reason.
    public static func check(_ text: String, what: String) throws(OAuthFailure) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw .protocolViolation("\(what) is not an absolute URL: \(ServerText.clean(text.prefix(200)))")
        }
        guard scheme == "https" || scheme == "http" else {
            throw .protocolViolation("\(what) uses the scheme '\(ServerText.clean(scheme.prefix(20)))'; only https (or http on loopback) is allowed")
        }
        guard let host = url.host, !host.isEmpty else {
            throw .protocolViolation("\(what) is not an absolute URL: \(ServerText.clean(text.prefix(200)))")
        }
        switch scheme {
        case "https": break
        case "http" where isLoopback(host: host): break
        case "http": throw .protocolViolation("\(what) must use https (plain http is allowed for loopback only): \(ServerText.clean(text.prefix(200)))")
        default: throw .protocolViolation("\(what) uses the scheme '\(scheme)'; only https (or http on loopback) is allowed")
        }
        if url.user != nil || url.password != nil {
            throw .protocolViolation("\(what) must not carry credentials: \(ServerText.clean(url.host ?? ""))")
        }
        return url
    }

    /// RFC 8707 / MCP canonical resource URI: scheme and host lower-cased, no fragment, the path as
    /// configured (the full server URL identifies the resource), no trailing slash on an empty path.
    public static func canonicalResource(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        parts.scheme = parts.scheme?.lowercased()
        parts.host = parts.host?.lowercased()
        parts.fragment = nil
        if parts.path == "/" { parts.path = "" }
        return parts.string ?? url.absoluteString
    }

    /// Origin: `scheme://host[:port]`.
    public static func origin(_ url: URL) -> String {
        var parts = URLComponents()
        parts.scheme = url.scheme?.lowercased()
        parts.host = url.host
        parts.port = url.port
        var text = parts.string ?? ""
        // URLComponents drops the brackets of an IPv6 host when rebuilding from `host`.
        if let host = url.host, host.contains(":"), !text.contains("[") {
            text = "\(parts.scheme ?? "http")://[\(host)]" + (url.port.map { ":\($0)" } ?? "")
        }
        return text
    }

    /// Whether a protected resource identifier names this server: the same origin, and the
    /// server's path at or below the resource's (RFC 9728 §3.3 as the MCP spec applies it).
    public static func covers(resource: URL, server: URL) -> Bool {
        let serverPath = path(server), resourcePath = path(resource)
        return origin(resource) == origin(server)
            && (resourcePath.isEmpty || serverPath == resourcePath || serverPath.hasPrefix(resourcePath + "/"))
    }

    /// The URL's path without a trailing slash ("" for the root).
    public static func path(_ url: URL) -> String {
        var path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
