import Foundation
import HermesOAuth
import MCP

/// The five operations the agent exposes (call a tool, list and read resources, list and get
/// prompts), each answering a JSON string in hermes-agent's shapes. An authorization failure goes
/// through the manager's `handle401`: when a retry is worthwhile the session is rebuilt with fresh
/// credentials and the call is retried once; otherwise the answer is the `needs_reauth` shape.
/// An expired session is reconnected and retried once without OAuth.
public struct MCPOperations: Sendable {
    public let task: MCPServerTask

    public init(task: MCPServerTask) { self.task = task }

    public func callTool(_ tool: String, arguments: [String: Value]) async -> String {
        await perform("tools/call \(tool)") { connection in
            let (content, isError) = try await connection.client.callTool(name: tool, arguments: arguments)
            let text = content.compactMap { block -> String? in
                if case .text(let text, _, _) = block { return text }
                return nil
            }.joined(separator: "\n")
            if isError == true { return ["error": .string(text.isEmpty ? "MCP tool returned an error" : text)] }
            return ["result": .string(text)]
        }
    }

    public func listResources() async -> String {
        await perform("resources/list") { connection in
            let all = try await allPages("resources/list", received: receivedBytes(connection.transport)) { cursor in
                let page = try await connection.client.listResources(cursor: cursor)
                return (page.resources, page.nextCursor)
            }
            return ["resources": try Self.json(all)]
        }
    }

    public func readResource(_ uri: String) async -> String {
        await perform("resources/read \(uri)") { connection in
            let contents = try await connection.client.readResource(uri: uri)
            let text = contents.compactMap(\.text).joined(separator: "\n")
            return ["result": .string(text)]
        }
    }

    public func listPrompts() async -> String {
        await perform("prompts/list") { connection in
            let all = try await allPages("prompts/list", received: receivedBytes(connection.transport)) { cursor in
                let page = try await connection.client.listPrompts(cursor: cursor)
                return (page.prompts, page.nextCursor)
            }
            return ["prompts": try Self.json(all)]
        }
    }

    public func getPrompt(_ name: String, arguments: [String: String]) async -> String {
        await perform("prompts/get \(name)") { connection in
            let (description, messages) = try await connection.client.getPrompt(name: name, arguments: arguments)
            var out: [String: JSONValue] = ["messages": try Self.json(messages)]
            if let description { out["description"] = .string(description) }
            return out
        }
    }

    // MARK: recovery

    /// The first connection is bounded by `connect_timeout`; from then on the request, with any
    /// reconnect and retry, by `timeout` (`Deadline`'s rule).
    private func perform(_ operation: String, _ body: @escaping @Sendable (MCPConnection) async throws -> [String: JSONValue]) async -> String {
        let connection: MCPConnection
        do {
            connection = try await task.connection()
        } catch {
            return await answer(for: error, operation: operation, connection: nil, retry: body, deadline: Deadline(seconds: task.config.timeout))
        }
        let deadline = Deadline(seconds: task.config.timeout)
        do {
            return Self.render(try await withTimeout(deadline, what: "MCP call \(operation)", lost: connection.lost, stall: connection.stall) { try await body(connection) })
        } catch {
            return await answer(for: error, operation: operation, connection: connection, retry: body, deadline: deadline)
        }
    }

    private func answer(for error: any Error, operation: String, connection: MCPConnection?,
                        retry body: @escaping @Sendable (MCPConnection) async throws -> [String: JSONValue], deadline: Deadline) async -> String {
        let name = task.name
        if MCPErrors.isAuthFailure(error) {
            let failed = MCPErrors.failedToken(error)
            let recovery = await task.manager.handle401(server: name, failedToken: failed)
            guard recovery.retry else { return needsReauth(recovery.failure) }
            do {
                let fresh = try await task.reconnect(after: connection?.generation ?? 0, within: deadline)
                return Self.render(try await withTimeout(deadline, what: "MCP call \(operation)", lost: fresh.lost, stall: fresh.stall) { try await body(fresh) })
            } catch {
                guard MCPErrors.isAuthFailure(error) else { return Self.failure(error) }
                // Refused again with the token the recovery just handed out: only a login helps.
                await task.manager.tokenRefused(server: name, token: recovery.token)
                return needsReauth(.needsLogin(server: name, reason: "the MCP server refused a freshly obtained access token"))
            }
        }
        if MCPErrors.isSessionLost(error), let connection {
            do {
                let fresh = try await task.reconnect(after: connection.generation, within: deadline)
                return Self.render(try await withTimeout(deadline, what: "MCP call \(operation)", lost: fresh.lost, stall: fresh.stall) { try await body(fresh) })
            } catch {
                return MCPErrors.isAuthFailure(error) ? needsReauth() : Self.failure(error)
            }
        }
        return Self.failure(error)
    }

    /// hermes-agent's shape and key order, with why when it is known and the one command that
    /// helps, naming `HERMES_HOME` when it is not the default (the user's shell may not have it).
    public func needsReauth(_ failure: OAuthFailure? = nil) -> String {
        let name = task.name
        var why = ""
        if case .needsLogin(_, let reason)? = failure { why = " Why: \(ServerText.clean(reason))." }
        return Self.render([
            "error": .string("MCP server '\(name)' requires re-authentication.\(why) Run `\(LoginAdvice.command(name, home: task.manager.home))`. Do NOT retry this tool — ask the user to re-authenticate."),
            "needs_reauth": .bool(true),
            "server": .string(name),
        ])
    }

    static func failure(_ error: any Error) -> String {
        let type = String(describing: Swift.type(of: error))
        // The SDK's errors quote the server's JSON-RPC error messages.
        return render(["error": .string("MCP call failed: \(type): \(ServerText.clean(Redaction.redact("\(error)")))")])
    }

    /// `json.dumps` style: `", "` and `": "` separators, keys sorted (the reference's key orders
    /// happen to be alphabetical), non-ASCII kept.
    public static func render(_ object: [String: JSONValue]) -> String {
        PythonJSON.dumps(.object(object))
    }

    static func json<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}

/// JSON text laid out as Python's `json.dumps(..., ensure_ascii=False)` lays it out.
enum PythonJSON {
    static func dumps(_ value: JSONValue) -> String {
        let compact = value.serialized()
        // Re-space the compact form outside strings: "," → ", " and ":" → ": ".
        var out = ""
        var inString = false
        var escaped = false
        for c in compact {
            out.append(c)
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "," || c == ":" {
                out.append(" ")
            }
        }
        return out
    }
}
