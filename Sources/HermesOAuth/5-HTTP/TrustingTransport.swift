import Foundation

/// Sends every request of one server with that server's trust, unless the request already carries
/// one. Wrapping the transport keeps discovery, registration and token code unaware of TLS.
struct TrustingTransport: HTTPTransport {
    let base: any HTTPTransport
    let trust: TLSTrust

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        if request.trust == nil { request.trust = trust }
        return try await base.send(request)
    }

    // Forwarded, not left to the protocol's default: that would read a never-ending event stream whole.
    func stream(_ request: HTTPRequest, body: @escaping @Sendable (_ status: Int, _ contentType: String?, _ chunk: Data) -> Bool) async throws -> HTTPResponse {
        var request = request
        if request.trust == nil { request.trust = trust }
        return try await base.stream(request, body: body)
    }
}

extension HTTPTransport {
    /// This transport with `trust` applied to every request; itself when `trust` is the default.
    public func trusting(_ trust: TLSTrust) -> any HTTPTransport {
        trust == TLSTrust() ? self : TrustingTransport(base: self, trust: trust)
    }
}
