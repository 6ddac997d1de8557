import Foundation

/// What an MCP server asks of a token (or of no token) beyond `initialize`. Most servers answer
/// `initialize` without a token with 401 and their challenge; some let `initialize` through and
/// refuse only the first real request (the conformance suite's step-up server answers 401 with the
/// first scope on `tools/list`, or 403 `insufficient_scope` with a token short of scope). So after
/// an accepted `initialize` the session goes one step further, as any client's would:
/// `notifications/initialized` and `tools/list`; the session is closed again.
enum ChallengeProbe {
    /// The follow-up requests wait at most this long each: what they tell is a hint, not a need.
    static let followUpTimeout: Double = 10

    struct Answer: Sendable {
        let status: Int
        let challenge: AuthChallenge?
        /// The raw header, for messages when it did not parse.
        let rawChallenge: String?
    }

    struct Result: Sendable {
        let initialize: Answer
        /// nil when `initialize` was refused, or `tools/list` got no answer.
        let listing: Answer?

        /// The challenge a first authorization takes its scope from: the refusal of `initialize`,
        /// else that of `tools/list`.
        var firstChallenge: AuthChallenge? {
            for answer in [initialize, listing].compactMap({ $0 }) where answer.status == 401 || answer.status == 403 {
                return answer.challenge
            }
            return nil
        }

        /// A 403 `insufficient_scope` on either request: the token needs a step-up.
        var insufficientScope: AuthChallenge? {
            [initialize, listing].compactMap { $0 }.first { $0.status == 403 && $0.challenge?.error == "insufficient_scope" }?.challenge
        }
    }

    /// The challenge of an anonymous session (see `Result.firstChallenge`).
    static func firstChallenge(url: URL, headers: [String: String], transport: any HTTPTransport,
                               timeout: Double) async throws(OAuthFailure) -> AuthChallenge? {
        try await run(url: url, headers: headers, bearer: nil, transport: transport, timeout: timeout).firstChallenge
    }

    /// Throws as `MCPProbe.initialize` does when `initialize` gets no answer; a follow-up that
    /// gets none just leaves `listing` nil.
    static func run(url: URL, headers: [String: String], bearer: String?, transport: any HTTPTransport,
                    timeout: Double) async throws(OAuthFailure) -> Result {
        var headers = headers
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        let first: HTTPResponse
        do {
            first = try await transport.send(request(url, headers, message(id: 1, "initialize", params: initializeParams), session: nil, timeout: timeout))
        } catch {
            throw OAuthFailure.from(error)
        }
        let initialize = answer(first, url: url)
        guard (200..<300).contains(first.status) else { return Result(initialize: initialize, listing: nil) }
        let session = first.header("mcp-session-id")
        let wait = min(timeout, followUpTimeout)
        _ = try? await transport.send(request(url, headers, message(id: nil, "notifications/initialized"), session: session, timeout: wait))
        let listing = try? await transport.send(request(url, headers, message(id: 2, "tools/list"), session: session, timeout: wait))
        if let session {
            var close = headers
            close["Mcp-Session-Id"] = session
            close["MCP-Protocol-Version"] = MCPProbe.protocolVersion
            _ = try? await transport.send(HTTPRequest(method: "DELETE", url: url, headers: close, timeout: min(wait, 5)))
        }
        return Result(initialize: initialize, listing: listing.map { answer($0, url: url) })
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

    private static func answer(_ response: HTTPResponse, url: URL) -> Answer {
        let raw = response.header("www-authenticate")
        var challenge: AuthChallenge?
        if let raw {
            do { challenge = try WWWAuthenticate.bearer(raw) } catch {
                HermesLog.config.warning("\(url.absoluteString): ignoring a malformed WWW-Authenticate header: \(error)")
            }
        }
        return Answer(status: response.status, challenge: challenge, rawChallenge: raw)
    }
}
