import Foundation
import HermesOAuth
import MCP

/// The five operations the agent exposes (call a tool, list and read resources, list and get
/// prompts), and the tool list a host offers a model, each answering an `MCPAnswer`, and, for callers that hand text on (hermes-agent's
/// handlers), the same answer as JSON text in hermes-agent's shapes. An authorization failure goes
/// through the manager's `handle401`: when a retry is worthwhile the session is rebuilt with fresh
/// credentials and the call is retried once; otherwise the answer is `needsReauth`. A 403
/// `insufficient_scope`, on whichever request it comes, is a step-up: with a person at hand
/// (`interaction`, given by CLI commands) a new authorization for more scope and one retry after
/// it, at most `OAuthProvider.stepUpLimit` times; in the background `needsReauth` naming the scope.
/// An expired session is reconnected and retried once without OAuth.
public struct MCPOperations: Sendable {
    public let task: MCPServerTask
    /// How to reach a person for a step-up; nil in the background (the runtime never opens a browser).
    public let interaction: LoginInteraction?

    public init(task: MCPServerTask, interaction: LoginInteraction? = nil) {
        self.task = task
        self.interaction = interaction
    }

    /// `onProgress` gets the server's progress notifications while the tool runs.
    public func call(tool: String, arguments: [String: Value], onProgress: (@Sendable (ProgressUpdate) -> Void)? = nil) async -> MCPAnswer {
        await perform("tools/call \(tool)") { connection in
            // 2026-07-28 over HTTP: an argument its header cannot carry is refused here, not by the server.
            if connection.requests.isStateless, connection.transport is HTTPMCPTransport,
               let listed = connection.tools.first(where: { $0.name == tool }) {
                try RoutingHeaders.checkMirrorable(arguments, of: listed)
            }
            let (content, isError): ([Tool.Content], Bool)
            do {
                (content, isError) = try await connection.requests.callTool(tool, arguments: arguments, onProgress: onProgress)
            } catch let refused as RPCError where refused.code == RPCError.headerMismatch && connection.requests.isStateless {
                // 2026-07-28: the tool's x-mcp-header marks changed since they were listed (the
                // spec: list the tools again and resend, once).
                let relisted = try await task.relistTools(generation: connection.generation)
                (content, isError) = try await relisted.requests.callTool(tool, arguments: arguments, onProgress: onProgress)
            }
            let text = content.compactMap { block -> String? in
                if case .text(let text, _, _) = block { return text }
                return nil
            }.joined(separator: "\n")
            if isError { return .toolError(text.isEmpty ? "MCP tool returned an error" : text) }
            return .success(["result": .string(text)])
        }
    }

    /// The server's tools (every page), asked for afresh, so a host offering them to a model never
    /// offers a stale list, also without following the server's changes; the connection's own list
    /// (on 2026-07-28 with the headers that mirror arguments) is brought up to date with it. Every
    /// tool the server lists: `tools.include`/`exclude` is not applied here, as `call` does not.
    public func tools() async -> MCPAnswer {
        await perform("tools/list") { connection in
            let listed = try await task.relistTools(generation: connection.generation)
            return .success(["tools": try Self.json(listed.tools)])
        }
    }

    public func resources() async -> MCPAnswer {
        await perform("resources/list") { connection in
            let all = try await allPages("resources/list", received: receivedBytes(connection.transport),
                                         emptyCursorEnds: !connection.requests.isStateless) { cursor in
                try await connection.requests.listResources(cursor: cursor)
            }
            return .success(["resources": try Self.json(all)])
        }
    }

    public func resource(_ uri: String) async -> MCPAnswer {
        await perform("resources/read \(uri)") { connection in
            let contents = try await connection.requests.readResource(uri)
            // Binary contents are named, not dropped (a binary resource read as "" looks like an
            // empty file), in hermes-agent's words for them.
            let text = contents.compactMap { $0.text ?? $0.blob.map { "[binary data, \($0.utf8.count) bytes]" } }.joined(separator: "\n")
            return .success(["result": .string(text)])
        }
    }

    public func prompts() async -> MCPAnswer {
        await perform("prompts/list") { connection in
            let all = try await allPages("prompts/list", received: receivedBytes(connection.transport),
                                         emptyCursorEnds: !connection.requests.isStateless) { cursor in
                try await connection.requests.listPrompts(cursor: cursor)
            }
            return .success(["prompts": try Self.json(all)])
        }
    }

    public func prompt(_ name: String, arguments: [String: String]) async -> MCPAnswer {
        await perform("prompts/get \(name)") { connection in
            let (description, messages) = try await connection.requests.getPrompt(name, arguments: arguments)
            var out: [String: JSONValue] = ["messages": try Self.json(messages)]
            if let description { out["description"] = .string(description) }
            return .success(out)
        }
    }

    // MARK: as text

    public func callTool(_ tool: String, arguments: [String: Value]) async -> String {
        await call(tool: tool, arguments: arguments).json
    }

    public func listTools() async -> String { await tools().json }

    public func listResources() async -> String { await resources().json }

    public func readResource(_ uri: String) async -> String { await resource(uri).json }

    public func listPrompts() async -> String { await prompts().json }

    public func getPrompt(_ name: String, arguments: [String: String]) async -> String {
        await prompt(name, arguments: arguments).json
    }

    // MARK: connecting

    /// The task's connection, recovering from a refused token as an operation does (another
    /// process's newer token, else a refresh): the caller is sent to `login` only when that failed
    /// too, and a token refused right after the recovery is recorded as refused. For callers that
    /// want the server itself (`test`, `add`, `configure`) rather than one of the five operations.
    public func connect() async throws -> MCPConnection {
        var stepUps = 0
        while true {
            do {
                return try await connectRecovering()
            } catch {
                guard task.config.usesOAuth, let challenge = Self.scopeChallenge(error) else { throw error }
                guard stepUps < OAuthProvider.stepUpLimit else { throw stillInsufficient(challenge, after: stepUps) }
                stepUps += 1
                let recovery = await task.manager.handle403(server: task.name, challenge: challenge, interaction: interaction)
                guard recovery.retry else { throw recovery.failure ?? error }
            }
        }
    }

    private func connectRecovering() async throws -> MCPConnection {
        do {
            return try await task.connection()
        } catch {
            guard task.config.usesOAuth, case MCPTransportError.unauthorized(let failed, _) = error else { throw error }
            let recovery = await task.manager.handle401(server: task.name, failedToken: failed)
            guard recovery.retry else { throw recovery.failure ?? error }
            do {
                return try await task.reconnect(after: 0)
            } catch {
                guard MCPErrors.isAuthFailure(error) else { throw error }
                await task.manager.tokenRefused(server: task.name, token: recovery.token)
                throw OAuthFailure.needsLogin(server: task.name, reason: "the MCP server refused a freshly obtained access token")
            }
        }
    }

    // MARK: recovery

    /// The first connection is bounded by `connect_timeout`; from then on the request, with any
    /// reconnect and retry, by `timeout` (`Deadline`'s rule).
    private func perform(_ operation: String, _ body: @escaping @Sendable (MCPConnection) async throws -> MCPAnswer) async -> MCPAnswer {
        let connection: MCPConnection
        do {
            connection = try await task.connection()
        } catch {
            return await answer(for: error, operation: operation, connection: nil, retry: body, deadline: Deadline(seconds: task.config.timeout))
        }
        let deadline = Deadline(seconds: task.config.timeout)
        do {
            return try await attempt(connection, operation, deadline, body)
        } catch {
            return await answer(for: error, operation: operation, connection: connection, retry: body, deadline: deadline)
        }
    }

    /// One try of the operation on `connection`, within `deadline`. The server counts as in use
    /// from here on, before the request is even made: idle recycling must not stop it between
    /// the connection handed out and the request sent.
    private func attempt(_ connection: MCPConnection, _ operation: String, _ deadline: Deadline,
                         _ body: @escaping @Sendable (MCPConnection) async throws -> MCPAnswer) async throws -> MCPAnswer {
        await connection.session.enterUse()
        do {
            let answer = try await withTimeout(deadline, what: "MCP call \(operation)", lost: connection.lost, stall: connection.stall) { try await body(connection) }
            await connection.session.leaveUse()
            return answer
        } catch {
            await connection.session.leaveUse()
            throw error
        }
    }

    private func answer(for error: any Error, operation: String, connection: MCPConnection?,
                        retry body: @escaping @Sendable (MCPConnection) async throws -> MCPAnswer, deadline: Deadline) async -> MCPAnswer {
        let name = task.name
        if task.config.usesOAuth, let challenge = Self.scopeChallenge(error) {
            return await steppingUp(challenge, operation: operation, after: connection?.generation ?? 0, retry: body)
        }
        if MCPErrors.isAuthFailure(error) {
            let failed = MCPErrors.failedToken(error)
            let recovery = await task.manager.handle401(server: name, failedToken: failed)
            guard recovery.retry else { return reauthAnswer(recovery.failure) }
            do {
                let fresh = try await task.reconnect(after: connection?.generation ?? 0, within: deadline)
                return try await attempt(fresh, operation, deadline, body)
            } catch {
                guard MCPErrors.isAuthFailure(error) else { return Self.failure(error) }
                // Refused again with the token the recovery just handed out: only a login helps.
                await task.manager.tokenRefused(server: name, token: recovery.token)
                return reauthAnswer(.needsLogin(server: name, reason: "the MCP server refused a freshly obtained access token"))
            }
        }
        if MCPErrors.isSessionLost(error), let connection {
            do {
                let fresh = try await task.reconnect(after: connection.generation, within: deadline)
                return try await attempt(fresh, operation, deadline, body)
            } catch {
                return MCPErrors.isAuthFailure(error) ? reauthAnswer() : Self.failure(error)
            }
        }
        if let connection, EraChange.suspected(error) {
            return await renegotiating(after: error, operation: operation, connection: connection, retry: body, deadline: deadline)
        }
        return Self.failure(error)
    }

    /// The server refused the revision it was spoken to in (`EraChange`): what was remembered of it
    /// is forgotten, the connection negotiated again and the request sent once more. A pinned
    /// revision is the user's: one clear failure instead.
    private func renegotiating(after refusal: any Error, operation: String, connection: MCPConnection,
                               retry body: @escaping @Sendable (MCPConnection) async throws -> MCPAnswer, deadline: Deadline) async -> MCPAnswer {
        if connection.pinned {
            return Self.failure(PinnedRevisionRefused(server: task.name, pinned: connection.protocolVersion, refusal: refusal))
        }
        MCPLogging.runtime.info("'\(task.name)' refused protocol revision \(connection.protocolVersion) (\(ServerText.clipped(ServerText.clean("\(refusal)")))): negotiating again")
        do {
            let fresh = try await task.renegotiate(after: connection.generation, within: deadline)
            return try await attempt(fresh, operation, deadline, body)
        } catch {
            return MCPErrors.isAuthFailure(error) ? reauthAnswer() : Self.failure(error)
        }
    }

    /// 403 `insufficient_scope`: the manager's step-up, then the request once more on a new session,
    /// with a deadline of its own (the person's time in the browser is not the request's). Another
    /// 403 starts another round, up to the limit; a failure that is not about scope ends it.
    private func steppingUp(_ first: AuthChallenge, operation: String, after failed: Int,
                            retry body: @escaping @Sendable (MCPConnection) async throws -> MCPAnswer) async -> MCPAnswer {
        var challenge = first
        var generation = failed
        for _ in 0..<OAuthProvider.stepUpLimit {
            let recovery = await task.manager.handle403(server: task.name, challenge: challenge, interaction: interaction)
            guard recovery.retry else {
                if case .needsLogin? = recovery.failure { return reauthAnswer(recovery.failure) }
                return Self.failure(recovery.failure ?? MCPTransportError.forbidden(challenge: challenge))
            }
            let deadline = Deadline(seconds: task.config.timeout)
            do {
                let fresh = try await task.reconnect(after: generation, within: deadline)
                generation = fresh.generation
                return try await attempt(fresh, operation, deadline, body)
            } catch {
                guard let next = Self.scopeChallenge(error) else {
                    return MCPErrors.isAuthFailure(error) ? reauthAnswer(error as? OAuthFailure) : Self.failure(error)
                }
                challenge = next
            }
        }
        return Self.failure(stillInsufficient(challenge, after: OAuthProvider.stepUpLimit))
    }

    /// The challenge of a 403 `insufficient_scope`, nil for any other failure.
    static func scopeChallenge(_ error: any Error) -> AuthChallenge? {
        guard case MCPTransportError.forbidden(let challenge?) = error, challenge.error == "insufficient_scope" else { return nil }
        return challenge
    }

    /// The bound was reached: said so, with the scope the server still wants, rather than another
    /// browser window.
    func stillInsufficient(_ challenge: AuthChallenge, after rounds: Int) -> OAuthFailure {
        let scope = challenge.scope.map { " (scope '\(ServerText.clipped($0))')" } ?? ""
        return .denied("'\(task.name)' still answers 403 insufficient_scope\(scope) after \(rounds) new authorization(s); hermes stops asking: the authorization server may not grant that scope to this account")
    }

    /// Only a login helps: why when it is known, and the one command that helps, naming
    /// `HERMES_HOME` when it is not the default (the user's shell may not have it).
    public func reauthAnswer(_ failure: OAuthFailure? = nil) -> MCPAnswer {
        var why: String?
        if case .needsLogin(_, let reason)? = failure { why = ServerText.clean(reason) }
        return .needsReauth(.init(server: task.name, reason: why, command: LoginAdvice.command(task.name, home: task.manager.home)))
    }

    /// `reauthAnswer` as hermes-agent's JSON text.
    public func needsReauth(_ failure: OAuthFailure? = nil) -> String {
        reauthAnswer(failure).json
    }

    static func failure(_ error: any Error) -> MCPAnswer {
        .failed(MCPAnswer.Failure(error))
    }

    static func json<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}
