import CHermesCurl
import Foundation

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// Seconds for the whole exchange, connect included; for a `longLived` one, for connecting only.
    public var timeout: Double
    /// A stream that lasts as long as the server keeps it (a change feed): no limit on its total
    /// time or size, which would cut it for nothing every few minutes; the reader bounds each event,
    /// and TCP keepalive notices a server that vanished. Only for `stream`.
    public var longLived = false
    /// The CAs an https URL is verified against; nil: `SSL_CERT_FILE` / `SSL_CERT_DIR`, else the
    /// system's. Set per server by `HTTPTransport.trusting(_:)`.
    public var trust: TLSTrust?

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil, timeout: Double = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// An `application/x-www-form-urlencoded` POST, as every OAuth endpoint takes.
    public static func form(_ url: URL, _ fields: [(String, String)], headers: [String: String] = [:], timeout: Double = 30) -> HTTPRequest {
        var all = headers
        all["Content-Type"] = "application/x-www-form-urlencoded"
        all["Accept"] = "application/json"
        return HTTPRequest(method: "POST", url: url, headers: all, body: Data(FormEncoding.encode(fields).utf8), timeout: timeout)
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Header names lower-cased; repeated headers joined with ", " (RFC 9110 §5.3).
    public let headers: [String: String]
    public let body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

public enum HTTPFailure: Error, CustomStringConvertible, Sendable {
    case unreachable(url: String, reason: String)
    case timedOut(url: String, seconds: Double)
    /// Refused before sending: a header that would split the request.
    case invalidRequest(url: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "could not reach \(url): \(reason)"
        case .timedOut(let url, let seconds): "\(url) did not answer within \(Int(seconds)) s"
        case .invalidRequest(let url, let reason): "refusing to send a request to \(url): \(reason)"
        }
    }
}

/// Sends one HTTP request. The only network seam of the OAuth code, so tests and hosts can wrap it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse

    /// `send`, with the body handed to `body` piece by piece as it arrives (with the status and the
    /// content type) instead of collected: a reply that never ends can be read while it comes.
    /// `body` answers true to end the transfer; what it was given is then the whole body. The
    /// response returned has an empty body.
    func stream(_ request: HTTPRequest, body: @escaping @Sendable (_ status: Int, _ contentType: String?, _ chunk: Data) -> Bool) async throws -> HTTPResponse
}

extension HTTPTransport {
    /// For transports that cannot stream: the whole body, in one piece, once it is in.
    public func stream(_ request: HTTPRequest, body: @escaping @Sendable (_ status: Int, _ contentType: String?, _ chunk: Data) -> Bool) async throws -> HTTPResponse {
        let response = try await send(request)
        if !response.body.isEmpty { _ = body(response.status, response.header("content-type"), response.body) }
        return HTTPResponse(status: response.status, headers: response.headers, body: Data())
    }
}

/// libcurl, through CHermesCurl. Redirects are never followed: an OAuth endpoint that redirects a
/// POST carrying a code or a secret is answered as the 3xx it is. Each exchange runs on a thread of
/// its own, never on the Swift-concurrency pool, and is bounded in time and in response size.
/// Connections are kept for the next exchange (`ConnectionPool`): HTTP keep-alive, HTTP/2 where the
/// server offers it, TLS sessions resumed, a proxy's tunnel (`HTTPS_PROXY`, honouring `NO_PROXY`,
/// as libcurl reads them) used again.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    public static let shared = CurlTransport()

    /// Bytes of response body accepted at most; discovery documents and token responses are tiny.
    public let maxBody: Int
    /// Once `stream`'s body handler has what it wanted, how long the rest of the reply is read (and
    /// dropped) so its connection can be kept: an event stream answering a POST ends right after
    /// its last event, and leaving before that end would close the connection.
    public let linger: Double
    let pool: ConnectionPool

    public init(maxBody: Int = 16 << 20, linger: Double = 0.1) {
        self.maxBody = maxBody
        self.linger = linger
        pool = .shared
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await exchange(request, sink: nil)
    }

    public func stream(_ request: HTTPRequest, body: @escaping @Sendable (_ status: Int, _ contentType: String?, _ chunk: Data) -> Bool) async throws -> HTTPResponse {
        try await exchange(request, sink: Sink(body))
    }

    private func exchange(_ request: HTTPRequest, sink: Sink?) async throws -> HTTPResponse {
        var headers = request.headers
        if headers.keys.first(where: { $0.lowercased() == "user-agent" }) == nil {
            headers["User-Agent"] = "hermes/\(HermesVersion.string)"
        }
        // The last line of defence: whatever built the request, no header may smuggle in another.
        for (name, value) in headers {
            if let problem = HeaderSyntax.problem(name: name, value: value) {
                throw HTTPFailure.invalidRequest(url: request.url.absoluteString, reason: problem)
            }
        }
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let cancel = CancelFlag()
        let url = request.url.absoluteString
        let (maxBody, lingerMS, pool) = (self.maxBody, Int(linger * 1000), self.pool)
        let result: Result<HTTPResponse, HTTPFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A thread of its own: libcurl blocks, and GCD's shared pool is only as wide as the
                // machine has cores, so a few slow servers would stall everything else queued there.
                let thread = Thread {
                    let origin = ConnectionPool.origin(of: request.url)
                    let slot = pool.borrow(origin)
                    let result = Self.perform(request, url: url, lines: lines, maxBody: maxBody, connections: slot.connections,
                                              lingerMS: lingerMS, cancel: cancel.pointer, sink: sink)
                    pool.giveBack(slot, origin: origin)
                    continuation.resume(returning: result)
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            cancel.pointer.pointee = 1
        }
        if cancel.pointer.pointee != 0 { throw CancellationError() }
        return try result.get()
    }

    private static func perform(_ request: HTTPRequest, url: String, lines: [String], maxBody: Int, connections: OpaquePointer?,
                                lingerMS: Int, cancel: UnsafeMutablePointer<Int32>, sink: Sink?) -> Result<HTTPResponse, HTTPFailure> {
        var out = hermes_curl_response()
        defer { hermes_curl_response_free(&out) }
        let cStrings = lines.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let timeoutMS = max(1, Int(request.timeout * 1000))
        let (totalMS, bodyLimit) = request.longLived && sink != nil ? (0, 0) : (timeoutMS, maxBody)
        let trust = (request.trust ?? TLSTrust()).resolved()
        let caFile = trust.caFile.flatMap { strdup($0) }, caPath = trust.caDirectory.flatMap { strdup($0) }
        defer { free(caFile); free(caPath) }
        var tls = hermes_curl_tls(ca_file: caFile.map { UnsafePointer($0) }, ca_path: caPath.map { UnsafePointer($0) },
                                  insecure: trust.verify ? 0 : 1)
        let rc: Int32 = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerPointers in
            func go(_ body: UnsafeRawPointer?, _ length: Int) -> Int32 {
                guard let sink else {
                    return hermes_curl_perform(connections, request.method, url, headerPointers.baseAddress, headerPointers.count,
                                               body, length, timeoutMS, maxBody, &tls, cancel, &out)
                }
                return withExtendedLifetime(sink) {
                    hermes_curl_perform_stream(connections, request.method, url, headerPointers.baseAddress, headerPointers.count,
                                               body, length, timeoutMS, totalMS, bodyLimit, &tls, cancel, Sink.callback,
                                               Unmanaged.passUnretained(sink).toOpaque(), lingerMS, &out)
                }
            }
            if let body = request.body {
                return body.withUnsafeBytes { raw in go(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), raw.count) }
            }
            return go(nil, 0)
        }
        if out.too_large != 0 {
            return .failure(.unreachable(url: url, reason: "the response exceeded \(maxBody) bytes"))
        }
        if rc != 0 {
            if out.timed_out != 0 { return .failure(.timedOut(url: url, seconds: request.timeout)) }
            let message = withUnsafeBytes(of: out.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .failure(.unreachable(url: url, reason: Self.explain(rc, message, trust: trust)))
        }
        let headerText = out.headers.map { String(cString: $0) } ?? ""
        var headers: [String: String] = [:]
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        let body = out.body.map { Data(bytes: $0, count: out.body_len) } ?? Data()
        return .success(HTTPResponse(status: Int(out.status), headers: headers, body: body))
    }
}

extension CurlTransport {
    /// libcurl's TLS failures with what to do about them; its message is kept for the details.
    static func explain(_ code: Int32, _ message: String, trust: TLSTrust) -> String {
        // 60 is CURLE_PEER_FAILED_VERIFICATION; only OpenSSL's wording tells its causes apart.
        switch code {
        case 60 where message.contains("host name") || message.contains("subject name"):
            return "its TLS certificate is not valid for this host name (\(message))"
        case 60 where message.contains("issuer") || message.contains("self-signed") || message.contains("self signed"):
            return "its TLS certificate is not signed by a trusted certificate authority (\(message); trusted: \(trust.summary)). "
                + "For a private CA set SSL_CERT_FILE or SSL_CERT_DIR, or ssl_ca: /path/to/ca.pem in the server's config.yaml entry"
        case 60:
            return "its TLS certificate was refused (\(message))"
        case 77:
            // CURLE_SSL_CACERT_BADFILE
            return "the trusted CA certificates could not be loaded from \(trust.summary) (\(message))"
        default:
            return message
        }
    }
}

/// The Swift side of a `hermes_curl_sink`: libcurl calls it on the exchange's thread, one piece at a time.
private final class Sink: @unchecked Sendable {
    let body: @Sendable (Int, String?, Data) -> Bool
    init(_ body: @escaping @Sendable (Int, String?, Data) -> Bool) { self.body = body }

    static let callback: hermes_curl_sink = { context, status, type, data, length in
        let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
        let chunk = data.map { Data(bytes: $0, count: length) } ?? Data()
        return sink.body(Int(status), type.map { String(cString: $0) }, chunk) ? 1 : 0
    }
}

/// A flag libcurl's progress callback polls; set from whichever thread cancels the task.
private final class CancelFlag: @unchecked Sendable {
    let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    init() { pointer.initialize(to: 0) }
    deinit { pointer.deallocate() }
}

/// `application/x-www-form-urlencoded` as HTML and RFC 6749 Appendix B define it.
public enum FormEncoding {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// Decodes a query or form body; `+` is a space. Later duplicates are kept in order.
    public static func decode(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }
}
