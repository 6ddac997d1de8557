import Foundation

/// The smallest MCP exchange there is: an `initialize` POST. Without a token it makes the server
/// state its authorization requirements (401 and its challenge); with one it shows whether the
/// token is accepted (2xx), refused (401) or short of scope (403). A session the server opened is
/// closed again at once.
public enum MCPProbe {
    public static let protocolVersion = ProtocolRevision.handshake[0]

    public struct Answer: Sendable {
        public let status: Int
        public let challenge: AuthChallenge?
        /// The raw header, for messages when it did not parse.
        public let rawChallenge: String?
        /// What the server said in the body of a non-2xx answer (`ServerErrorText`), if anything.
        public var said: String? = nil
    }

    /// `sse`: the URL is a 2024-11-05 event stream; it is opened (`openStream`) instead, which
    /// answers the same questions about a token.
    public static func initialize(url: URL, credential: Credential?, headers: [String: String], transport: any HTTPTransport,
                                  timeout: Double, sse: Bool = false) async throws(OAuthFailure) -> Answer {
        if sse { return try await openStream(url: url, credential: credential, headers: headers, transport: transport, timeout: timeout) }
        let response = try await post(initializeMessage, url: url, credential: credential, headers: headers, session: nil,
                                      transport: transport, timeout: timeout)
        if (200..<300).contains(response.status), let session = session(of: response) {
            await close(session, url: url, credential: credential, headers: headers, transport: transport, timeout: timeout)
        }
        let raw = response.header("www-authenticate")
        let said = (200..<300).contains(response.status) ? nil : ServerErrorText.summary(response.body)
        return Answer(status: response.status, challenge: challenge(in: response, url: url), rawChallenge: raw, said: said)
    }

    /// Whether the MCP server takes `credential`, for a token just obtained: a `server/discover` as
    /// 2026-07-28 sends it (its envelope and headers; a server of that revision refuses anything
    /// less with 400), then, unless that answer is about the token (2xx, 401, 403), `initialize`
    /// as the revisions before it. A session the server opened is closed again.
    public static func accepts(url: URL, credential: Credential, headers: [String: String], transport: any HTTPTransport,
                               timeout: Double) async throws(OAuthFailure) -> Answer {
        var modern = headers
        modern["MCP-Protocol-Version"] = ProtocolRevision.stateless
        modern["Mcp-Method"] = "server/discover"
        let response = try await post(discoverMessage, url: url, credential: credential, headers: modern, session: nil,
                                      transport: transport, timeout: timeout)
        guard (200..<300).contains(response.status) || response.status == 401 || response.status == 403 else {
            return try await initialize(url: url, credential: credential, headers: headers, transport: transport, timeout: timeout)
        }
        if (200..<300).contains(response.status), let session = session(of: response) {
            await close(session, url: url, credential: credential, headers: headers, transport: transport, timeout: timeout)
        }
        let said = (200..<300).contains(response.status) ? nil : ServerErrorText.summary(response.body)
        return Answer(status: response.status, challenge: challenge(in: response, url: url),
                      rawChallenge: response.header("www-authenticate"), said: said)
    }

    static let discoverMessage: JSONValue = .object([
        "jsonrpc": .string("2.0"), "id": .int(1), "method": .string("server/discover"),
        "params": .object(["_meta": .object([
            EnvelopeKey.protocolVersion: .string(ProtocolRevision.stateless),
            EnvelopeKey.clientCapabilities: .object([:]),
            EnvelopeKey.clientInfo: .object(["name": .string("hermes"), "version": .string(HermesVersion.string)]),
        ])]),
    ])

    /// The HTTP+SSE transport's GET, left as soon as the status and the first of the body are in
    /// (a 2xx stream never ends by itself; the server forgets the session it opened).
    static func openStream(url: URL, credential: Credential?, headers: [String: String], transport: any HTTPTransport,
                           timeout: Double) async throws(OAuthFailure) -> Answer {
        var all = headers
        all["Accept"] = "text/event-stream"
        if let credential { all.merge(credential.headers(method: "GET", url: url)) { _, new in new } }
        let body = BodyHead()
        let response: HTTPResponse
        do {
            response = try await transport.stream(HTTPRequest(method: "GET", url: url, headers: all, timeout: timeout)) { status, _, chunk in
                body.take(chunk, keeping: (200..<300).contains(status) ? 0 : ServerErrorText.window)
            }
        } catch {
            throw OAuthFailure.from(error)
        }
        let ok = (200..<300).contains(response.status)
        return Answer(status: response.status, challenge: challenge(in: response, url: url), rawChallenge: response.header("www-authenticate"),
                      said: ok ? nil : ServerErrorText.summary(body.data))
    }

    static let initializeMessage: JSONValue = .object([
        "jsonrpc": .string("2.0"), "id": .int(1), "method": .string("initialize"),
        "params": .object([
            "protocolVersion": .string(protocolVersion),
            "capabilities": .object([:]),
            "clientInfo": .object(["name": .string("hermes"), "version": .string(HermesVersion.string)]),
        ]),
    ])

    /// One JSON-RPC message POSTed as MCP's streamable HTTP wants it, within `session` if any.
    static func post(_ message: JSONValue, url: URL, credential: Credential?, headers: [String: String], session: String?,
                     transport: any HTTPTransport, timeout: Double) async throws(OAuthFailure) -> HTTPResponse {
        var all = headers
        all["Content-Type"] = "application/json"
        all["Accept"] = "application/json, text/event-stream"
        if let session {
            all["Mcp-Session-Id"] = session
            all["MCP-Protocol-Version"] = protocolVersion
        }
        func send() async throws(OAuthFailure) -> HTTPResponse {
            var request = all
            if let credential { request.merge(credential.headers(method: "POST", url: url)) { _, new in new } }
            do {
                return try await transport.send(HTTPRequest(method: "POST", url: url, headers: request,
                                                            body: Data(message.serialized().utf8), timeout: timeout))
            } catch {
                throw OAuthFailure.from(error)
            }
        }
        let first = try await send()
        // A server that wants a DPoP nonce says so in a 401 once (RFC 9449 §9).
        guard let credential, credential.retryWithNonce(after: first, url: url) else {
            credential?.observe(first, url: url)
            return first
        }
        return try await send()
    }

    /// The session a reply opened, when it can be sent back: the spec's visible ASCII only, anything
    /// else is not echoed into a header.
    static func session(of response: HTTPResponse) -> String? {
        response.header("mcp-session-id").flatMap { !$0.isEmpty && $0.utf8.count <= 1024 && HeaderSyntax.isVisibleASCII($0) ? $0 : nil }
    }

    /// Ends `session` (DELETE), briefly and ignoring the answer: the probe is done with it.
    static func close(_ session: String, url: URL, credential: Credential?, headers: [String: String],
                      transport: any HTTPTransport, timeout: Double) async {
        var close = headers
        close["Mcp-Session-Id"] = session
        close["MCP-Protocol-Version"] = protocolVersion
        if let credential { close.merge(credential.headers(method: "DELETE", url: url)) { _, new in new } }
        _ = try? await transport.send(HTTPRequest(method: "DELETE", url: url, headers: close, timeout: min(timeout, 5)))
    }

    /// The Bearer challenge of a reply; a malformed header is logged and ignored.
    static func challenge(in response: HTTPResponse, url: URL) -> AuthChallenge? {
        guard let raw = response.header("www-authenticate") else { return nil }
        do { return try WWWAuthenticate.challenge(raw) } catch {
            HermesLog.config.warning("\(url.absoluteString): ignoring a malformed WWW-Authenticate header: \(error)")
            return nil
        }
    }
}

extension MCPProbe.Answer {
    /// Why the MCP server did not take a token just obtained. Only a 401 or 403 is about the token;
    /// any other status is the server's own complaint (a missing header, a bad request, an outage),
    /// reported in its words, since blaming the token would send the person after the wrong thing.
    public var failureAfterLogin: OAuthFailure {
        guard status == 401 || status == 403 else { return .serverError(status: status, message: said ?? "") }
        let why = rawChallenge.map { ServerText.clean($0.prefix(200)) } ?? said
        return .protocolViolation("the MCP server answered HTTP \(status) to the new token\(why.map { " (\($0))" } ?? "")")
    }
}
