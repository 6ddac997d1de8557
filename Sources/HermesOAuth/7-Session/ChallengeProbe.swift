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
                               timeout: Double, sse: Bool = false) async throws(OAuthFailure) -> AuthChallenge? {
        // An HTTP+SSE server challenges the stream's GET; its messages need the stream's endpoint,
        // so there is no follow-up to send.
        if sse {
            let opened = try await MCPProbe.openStream(url: url, credential: nil, headers: headers, transport: transport, timeout: timeout)
            return opened.status == 401 || opened.status == 403 ? opened.challenge : nil
        }
        let first = try await MCPProbe.post(MCPProbe.initializeMessage, url: url, credential: nil, headers: headers, session: nil,
                                            transport: transport, timeout: timeout)
        if first.status == 401 || first.status == 403 { return MCPProbe.challenge(in: first, url: url) }
        guard (200..<300).contains(first.status) else { return nil }
        let session = MCPProbe.session(of: first)
        let wait = min(timeout, followUpTimeout)
        func send(_ message: JSONValue) async -> HTTPResponse? {
            try? await MCPProbe.post(message, url: url, credential: nil, headers: headers, session: session, transport: transport, timeout: wait)
        }
        _ = await send(.object(["jsonrpc": .string("2.0"), "method": .string("notifications/initialized")]))
        let listing = await send(.object(["jsonrpc": .string("2.0"), "id": .int(2), "method": .string("tools/list")]))
        if let session {
            await MCPProbe.close(session, url: url, credential: nil, headers: headers, transport: transport, timeout: wait)
        }
        guard let listing, listing.status == 401 || listing.status == 403 else { return nil }
        return MCPProbe.challenge(in: listing, url: url)
    }
}
