import Foundation
import HermesOAuth
import MCP

/// The requests hermes makes of a server, in the revision agreed with it. On 2026-07-28 every
/// request carries the `_meta` envelope (version, client capabilities, client name), every result
/// is read for its `resultType`, and an `input_required` result is answered and the request asked
/// again (`InputRequiredLoop`). On the `initialize` revisions a request is a plain JSON-RPC request
/// of the session, sent once more after the pages a -32042 asks for (`URLElicitationRequired`).
/// Results are decoded here, so one that is not what MCP defines fails with a sentence saying where.
public struct MCPRequests: Sendable {
    public let session: MCPSession
    public let version: String
    private let capabilities: [String: Value]?

    /// `capabilities`: what hermes declares on 2026-07-28 requests; nil to derive it from the session.
    init(session: MCPSession, version: String, capabilities: [String: Value]?) {
        self.session = session
        self.version = version
        self.capabilities = capabilities
    }

    public var isStateless: Bool { ProtocolRevision.isStateless(version) }

    /// The methods 2026-07-28 lets answer `input_required`.
    static let mayAskForInput: Set<String> = ["tools/call", "prompts/get", "resources/read"]

    // MARK: the operations

    /// `upkeep`: asked by hermes itself (a liveness check), which does not end the server's idleness.
    func discover(upkeep: Bool = false) async throws -> MCPResults.Discover {
        try await send("server/discover", [:], as: MCPResults.Discover.self, upkeep: upkeep)
    }

    public func listTools(cursor: String?) async throws -> ([Tool], String?) {
        let page = try await send("tools/list", cursorParams(cursor), as: MCPResults.ToolsPage.self)
        return (page.tools, page.nextCursor)
    }

    /// The tool's text content and whether it reported failure.
    public func callTool(_ name: String, arguments: [String: Value],
                         onProgress: (@Sendable (ProgressUpdate) -> Void)? = nil) async throws -> (content: [Tool.Content], isError: Bool) {
        let result = try await send("tools/call", ["name": .string(name), "arguments": .object(arguments)],
                                    as: MCPResults.ToolCall.self, onProgress: onProgress)
        return (result.content ?? [], result.isError ?? false)
    }

    public func listResources(cursor: String?) async throws -> ([Resource], String?) {
        let page = try await send("resources/list", cursorParams(cursor), as: MCPResults.ResourcesPage.self)
        return (page.resources, page.nextCursor)
    }

    public func readResource(_ uri: String) async throws -> [Resource.Content] {
        try await send("resources/read", ["uri": .string(uri)], as: MCPResults.ResourceRead.self).contents
    }

    public func listPrompts(cursor: String?) async throws -> ([Prompt], String?) {
        let page = try await send("prompts/list", cursorParams(cursor), as: MCPResults.PromptsPage.self)
        return (page.prompts, page.nextCursor)
    }

    public func getPrompt(_ name: String, arguments: [String: String]) async throws -> (description: String?, messages: [Prompt.Message]) {
        let result = try await send("prompts/get", ["name": .string(name), "arguments": .object(arguments.mapValues(Value.string))],
                                    as: MCPResults.PromptGet.self)
        return (result.description, result.messages)
    }

    /// On 2026-07-28 `""` is a cursor like any other; before, no cursor at all starts the listing.
    private func cursorParams(_ cursor: String?) -> [String: Value] {
        cursor.map { ["cursor": .string($0)] } ?? [:]
    }

    // MARK: the revision's rules

    /// The 2026-07-28 envelope of every request.
    var envelope: [String: Value] {
        var declared = capabilities ?? [:]
        if capabilities == nil, session.canElicit {
            declared["elicitation"] = .object(["form": .object([:]), "url": .object([:])])
        }
        return [
            EnvelopeKey.protocolVersion: .string(version),
            EnvelopeKey.clientCapabilities: .object(declared),
            EnvelopeKey.clientInfo: .object(["name": .string("hermes"), "version": .string(HermesVersion.string)]),
        ]
    }

    func send<R: Decodable>(_ method: String, _ params: [String: Value], as type: R.Type, upkeep: Bool = false,
                            onProgress: (@Sendable (ProgressUpdate) -> Void)? = nil) async throws -> R {
        guard isStateless else {
            let reply = try await URLElicitationRequired.retrying(method, session: session, version: version) {
                try await session.request(method, params: params, upkeep: upkeep, onProgress: onProgress)
            }
            return try ResultDecoding.decode(R.self, from: reply, method: method)
        }
        var loop = InputRequiredLoop(method: method, params: params, server: session.server)
        var reissued = false
        while true {
            let reply: Data
            do {
                reply = try await session.request(method, params: loop.params, meta: envelope, upkeep: upkeep, onProgress: onProgress)
            } catch MCPTransportError.streamBroken(let why) {
                // "A broken response stream loses the in-flight request; clients MUST re-issue
                // it as a new request with a new request ID": this round, once.
                guard !reissued else { throw MCPTransportError.streamBroken(why) }
                reissued = true
                continue
            }
            let kind = try ResultDecoding.decode(MCPResults.Kind.self, from: reply, method: method).resultType ?? "complete"
            switch kind {
            case "complete":
                return try ResultDecoding.decode(R.self, from: reply, method: method)
            case "input_required" where Self.mayAskForInput.contains(method):
                let asked = try ResultDecoding.decode(MCPResults.InputRequired.self, from: reply, method: method)
                try await loop.answer(asked, session: session)
            default:
                throw MCPTransportError.malformed("'\(session.server)' answered \(method) with resultType '\(ServerText.clipped(kind))', which MCP \(version) does not allow there")
            }
        }
    }
}
