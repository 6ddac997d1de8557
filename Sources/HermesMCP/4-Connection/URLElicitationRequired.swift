import Foundation
import HermesOAuth
import MCP

/// 2025-11-25's URLElicitationRequiredError: a request answered with -32042 and, in
/// `data.elicitations`, the URL-mode elicitations (pages) the person must complete before the
/// request can succeed. With a host to ask, each page goes to it as a URL question; when every one
/// is accepted the request is sent once more. Otherwise, or when the server still refuses, the
/// error is answered saying that the server needs the person to visit a page. 2026-07-28 retired
/// the code (it asks through `input_required` instead), so only the `initialize` revisions that
/// have URL mode get this.
enum URLElicitationRequired {
    static let code = -32_042
    /// Pages one refusal may ask for: a person opens a few, and a server listing more is not helped.
    static let maxPages = 4

    /// `send`, and on -32042 the pages asked and `send` once more.
    static func retrying<T>(_ method: String, session: MCPSession, version: String,
                            _ send: () async throws -> T) async throws -> T {
        do {
            return try await send()
        } catch let refusal as RPCError where refusal.code == code && version >= "2025-11-25" {
            let pages: [ElicitationRequest]
            switch Self.pages(refusal, server: session.server) {
            case .success(let found): pages = found
            case .failure(let why): throw described(refusal, method, session.server, why: why.text)
            }
            guard let elicit = session.elicitHandler else {
                throw described(refusal, method, session.server, why: "nobody is here to open it")
            }
            for page in pages {
                guard case .accept = await elicit(page) else {
                    throw described(refusal, method, session.server, why: "it was not opened")
                }
            }
            do {
                return try await send()
            } catch let again as RPCError where again.code == code {
                throw described(again, method, session.server, why: "it still asks after the page was visited")
            }
        }
    }

    /// The well-formed pages of `refusal`: each `mode: "url"` with an `elicitationId`, a `url` and a
    /// `message` (MCP's MUSTs), at most `maxPages`. The failure says why none is asked.
    static func pages(_ refusal: RPCError, server: String) -> Result<[ElicitationRequest], Reason> {
        guard case .object(let data)? = refusal.data, case .array(let listed)? = data["elicitations"], !listed.isEmpty else {
            return .failure(Reason("it named no page"))
        }
        guard listed.count <= maxPages else {
            return .failure(Reason("it asks for \(listed.count) pages; hermes opens at most \(maxPages) for one request"))
        }
        var pages: [ElicitationRequest] = []
        for entry in listed {
            guard case .object(let fields) = entry, fields["mode"] == .string("url"), case .string? = fields["elicitationId"],
                  let page = ElicitationRequest(server: server, params: entry), case .url = page.mode else {
                return .failure(Reason("a page it named is not a URL elicitation MCP defines"))
            }
            pages.append(page)
        }
        return .success(pages)
    }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// The refusal, its words first, then what hermes adds: the page's host (the address itself
    /// may carry the server's identifiers) and why the request still failed.
    static func described(_ refusal: RPCError, _ method: String, _ server: String, why: String) -> RPCError {
        let hosts: [String] = if case .success(let pages) = pages(refusal, server: server) {
            pages.compactMap { page in
                guard case .url(let url) = page.mode else { return nil }
                return URLComponents(string: url)?.host.map { ServerText.clipped($0, limit: 80) }
            }
        } else { [] }
        let place = hosts.isEmpty ? "" : " on \(Set(hosts).sorted().joined(separator: ", "))"
        let message = "\(ServerText.clipped(refusal.message)) ('\(server)' needs the person to visit a page\(place) before it answers \(method); \(why))"
        return RPCError(code: refusal.code, message: message, data: refusal.data, httpStatus: refusal.httpStatus)
    }
}
