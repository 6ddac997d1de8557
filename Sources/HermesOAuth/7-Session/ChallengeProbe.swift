import Foundation

/// The challenge a first login takes its scope from. Most servers answer `initialize` without a
/// token with 401 and their challenge; some let `initialize` through and answer 401 only on the
/// first real request (the conformance suite's step-up server does). Then the anonymous session
/// goes one step further, as any client's would before it holds a token:
/// `notifications/initialized` and `tools/list`, whose 401 carries the challenge; the session is
/// closed again. Nothing is sent that a client without a token would not send.
enum ChallengeProbe {
    /// The follow-up requests wait at most this long each: the challenge is a hint, not a need.
    static let followUpTimeout: Double = 10

    /// Throws as `MCPProbe.initialize` does when `initialize` gets no answer; a follow-up that
    /// gets none, or is accepted, just means there is no challenge to be had.
    static func firstChallenge(url: URL, headers: [String: String], transport: any HTTPTransport,
                               timeout: Double) async throws(OAuthFailure) -> AuthChallenge? {
        let first: HTTPResponse
        do {
            first = try await transport.send(request(url, headers, message(id: 1, "initialize", params: initializeParams), session: nil, timeout: timeout))
        } catch {
            throw OAuthFailure.from(error)
        }
        if first.status == 401 || first.status == 403 { return challenge(first, url: url) }
        guard (200..<300).contains(first.status) else { return nil }
        // The spec's session id is visible ASCII; anything else is not echoed into a header.
        let session = first.header("mcp-session-id").flatMap { HeaderSyntax.isVisibleASCII($0) && $0.utf8.count <= 1024 ? $0 : nil }
        let wait = min(timeout, followUpTimeout)
        _ = try? await transport.send(request(url, headers, message(id: nil, "notifications/initialized"), session: session, timeout: wait))
        let listing = try? await transport.send(request(url, headers, message(id: 2, "tools/list"), session: session, timeout: wait))
        if let session {
            var close = headers
            close["Mcp-Session-Id"] = session
            close["MCP-Protocol-Version"] = MCPProbe.protocolVersion
            _ = try? await transport.send(HTTPRequest(method: "DELETE", url: url, headers: close, timeout: min(wait, 5)))
        }
        guard let listing, listing.status == 401 || listing.status == 403 else { return nil }
        return challenge(listing, url: url)
    }

    private static let initializeParams: JSONValue = .object([
        "protocolVersion": .string(MCPProbe.protocolVersion),
        "capabilities": .object([:]),
        "clientInfo": .object(["name": .string("hermes"), "version": .string(HermesVersion.string)]),
    ])

    private static func message(id: Int?, _ method: String, params: JSONValue? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["jsonrpc": .string("2.0"), "method": .string(method)]
        if let id { object["id"] = .int(Int64(id)) }
        if let params { object["params"] = params }
        return .object(object)
    }

    private static func request(_ url: URL, _ headers: [String: String], _ body: JSONValue, session: String?, timeout: Double) -> HTTPRequest {
        var all = headers
        all["Content-Type"] = "application/json"
        all["Accept"] = "application/json, text/event-stream"
        if let session {
            all["Mcp-Session-Id"] = session
            all["MCP-Protocol-Version"] = MCPProbe.protocolVersion
        }
        return HTTPRequest(method: "POST", url: url, headers: all, body: Data(body.serialized().utf8), timeout: timeout)
    }

    private static func challenge(_ response: HTTPResponse, url: URL) -> AuthChallenge? {
        guard let raw = response.header("www-authenticate") else { return nil }
        do { return try WWWAuthenticate.bearer(raw) } catch {
            HermesLog.config.warning("\(url.absoluteString): ignoring a malformed WWW-Authenticate header: \(error)")
            return nil
        }
    }
}
