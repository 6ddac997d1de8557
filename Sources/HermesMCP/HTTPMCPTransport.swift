import Foundation
import HermesOAuth
import Logging
import MCP

/// Streamable HTTP (MCP 2025-11-25) over hermes' libcurl transport: every POST carries the bearer
/// token from `token()`, the session id and the negotiated protocol version; a JSON reply or a
/// `text/event-stream` reply (whose `data:` events are split out) is handed to the SDK's client.
/// The SDK's own HTTP transport hangs on SSE replies on Linux and cannot reach IPv6 literals.
public actor HTTPMCPTransport: Transport {
    public nonisolated let logger = MCPLogging.quietLogger("hermes.mcp.http")
    let url: URL
    let headers: [String: String]
    let http: any HTTPTransport
    let timeout: Double
    let token: @Sendable () async throws -> String?
    private var sessionID: String?
    private var protocolVersion: String?
    private let stream: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    /// The bearer token of the last request, for 401 recovery.
    public private(set) var lastToken: String?

    public init(url: URL, headers: [String: String], http: any HTTPTransport = CurlTransport.shared, timeout: Double,
                token: @escaping @Sendable () async throws -> String?) {
        self.url = url
        self.headers = headers
        self.http = http
        self.timeout = timeout
        self.token = token
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    public func connect() async throws {}

    public func disconnect() async {
        if let sessionID {
            var h = headers
            h["Mcp-Session-Id"] = sessionID
            if let lastToken { h["Authorization"] = "Bearer \(lastToken)" }
            _ = try? await http.send(HTTPRequest(method: "DELETE", url: url, headers: h, timeout: min(timeout, 5)))
        }
        sessionID = nil
        continuation.finish()
    }

    public func setProtocolVersion(_ version: String) { protocolVersion = version }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream }

    public func send(_ data: Data) async throws {
        var h = headers
        h["Content-Type"] = "application/json"
        h["Accept"] = "application/json, text/event-stream"
        if let sessionID { h["Mcp-Session-Id"] = sessionID }
        if let protocolVersion { h["MCP-Protocol-Version"] = protocolVersion }
        let bearer = try await token()
        if let bearer { h["Authorization"] = "Bearer \(bearer)" }
        lastToken = bearer
        let response: HermesOAuth.HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: "POST", url: url, headers: h, body: data, timeout: timeout))
        } catch {
            throw MCPTransportError.unreachable("\(OAuthFailure.from(error))")
        }
        let challenge = response.header("www-authenticate").flatMap { try? WWWAuthenticate.bearer($0) }
        switch response.status {
        case 200..<300:
            if let id = response.header("mcp-session-id") { sessionID = id }
            if response.status == 202 || response.body.isEmpty { return }
            if (response.header("content-type") ?? "").lowercased().contains("text/event-stream") {
                for message in SSE.dataEvents(response.body) { continuation.yield(message) }
            } else {
                continuation.yield(response.body)
            }
        case 401:
            throw MCPTransportError.unauthorized(token: bearer, challenge: challenge)
        case 403:
            throw MCPTransportError.forbidden(challenge: challenge)
        case 404 where h["Mcp-Session-Id"] != nil:
            sessionID = nil
            throw MCPTransportError.sessionExpired
        default:
            let detail = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw MCPTransportError.http(status: response.status, detail: Redaction.redact(detail))
        }
    }
}

/// Server-sent events: the `data:` lines of each event, joined, for every event that has any.
enum SSE {
    static func dataEvents(_ body: Data) -> [Data] {
        let text = String(decoding: body, as: UTF8.self)
        var events: [Data] = []
        var current: [Substring] = []
        // "\r\n" is one Character in Swift: split on newline characters, not on "\n".
        for l in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if l.isEmpty {
                if !current.isEmpty { events.append(Data(current.joined(separator: "\n").utf8)) }
                current = []
            } else if l.hasPrefix("data:") {
                var value = l.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                current.append(value)
            }
        }
        if !current.isEmpty { events.append(Data(current.joined(separator: "\n").utf8)) }
        return events
    }
}
