import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// Seconds for the whole exchange, connect included.
    public var timeout: Double

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

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "could not reach \(url): \(reason)"
        case .timedOut(let url, let seconds): "\(url) did not answer within \(Int(seconds)) s"
        }
    }
}

/// Sends one HTTP request. The only network seam of the OAuth code, so tests and hosts can wrap it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// URLSession (libcurl underneath on Linux). Redirects are never followed: an OAuth endpoint that
/// redirects a POST carrying a code or a secret is answered as the 3xx it is. Completion handlers
/// rather than async URLSession APIs, so no Swift-concurrency thread is ever parked on the network.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession

    public init() {
        let config = URLSessionConfiguration.ephemeral
        config.httpCookieStorage = nil
        config.urlCache = nil
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpShouldSetCookies = false
        session = URLSession(configuration: config, delegate: RedirectRefuser(), delegateQueue: nil)
    }

    public static let shared = URLSessionTransport()

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.httpShouldHandleCookies = false
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if request.headers["User-Agent"] == nil {
            urlRequest.setValue("hermes/\(HermesVersion.string)", forHTTPHeaderField: "User-Agent")
        }
        let url = request.url.absoluteString
        let box = ResumeOnce()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, Error>) in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    if let http = response as? HTTPURLResponse, error == nil {
                        var headers: [String: String] = [:]
                        for (key, value) in http.allHeaderFields {
                            guard let k = key as? String, let v = value as? String else { continue }
                            let name = k.lowercased()
                            headers[name] = headers[name].map { $0 + ", " + v } ?? v
                        }
                        box.resume(continuation, .success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data())))
                    } else if let error = error as? URLError, error.code == .timedOut {
                        box.resume(continuation, .failure(HTTPFailure.timedOut(url: url, seconds: request.timeout)))
                    } else if let error = error as? URLError, error.code == .cancelled {
                        box.resume(continuation, .failure(box.timedOut ? HTTPFailure.timedOut(url: url, seconds: request.timeout) : CancellationError()))
                    } else {
                        let reason = error.map { ($0 as NSError).localizedDescription } ?? "no HTTP response"
                        box.resume(continuation, .failure(HTTPFailure.unreachable(url: url, reason: reason)))
                    }
                }
                box.task = task
                task.resume()
                // libcurl's timeout is an idle timeout; this bounds the whole exchange.
                DispatchQueue.global().asyncAfter(deadline: .now() + request.timeout + 0.5) { [weak task] in
                    box.timedOut = true
                    task?.cancel()
                }
            }
        } onCancel: {
            box.task?.cancel()
        }
    }

}

/// Refuses redirects so the 3xx itself is returned.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var _task: URLSessionTask?
    private var _timedOut = false

    var task: URLSessionTask? {
        get { lock.withLock { _task } }
        set { lock.withLock { _task = newValue } }
    }

    var timedOut: Bool {
        get { lock.withLock { _timedOut } }
        set { lock.withLock { _timedOut = newValue } }
    }

    func resume(_ c: CheckedContinuation<HTTPResponse, Error>, _ result: Result<HTTPResponse, Error>) {
        let first = lock.withLock { () -> Bool in
            if done { return false }
            done = true
            return true
        }
        if first { c.resume(with: result) }
    }
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
