import Foundation
import HermesOAuth
import MCP

/// A 2026-07-28 multi-round request: each `input_required` result is answered (its questions go
/// to the host as the older revisions' server requests do, all at once) and the same request is
/// sent again, as a new JSON-RPC request, with the answers and the server's `requestState` as it
/// came. Bounded: a server that keeps asking is stopped after `maxRounds`.
struct InputRequiredLoop {
    /// Rounds of one request. The Python SDK stops at 10 as well.
    static let maxRounds = 10
    /// Questions in one round, and bytes of the opaque state: a person answers a handful, and the
    /// state travels back with every retry.
    static let maxQuestions = MCPResults.InputRequired.maxQuestions
    static let maxStateBytes = 1 << 20

    let method: String
    let server: String
    private let original: [String: Value]
    private(set) var params: [String: Value]
    private var rounds = 0

    init(method: String, params: [String: Value], server: String) {
        self.method = method
        self.server = server
        self.original = params
        self.params = params
    }

    mutating func answer(_ asked: MCPResults.InputRequired, session: MCPSession) async throws {
        rounds += 1
        guard rounds <= Self.maxRounds else {
            throw MCPTransportError.malformed("'\(server)' still asked for input after \(Self.maxRounds) rounds of \(method); hermes stops there")
        }
        let questions = asked.inputRequests ?? [:]
        guard asked.asked > 0 || asked.requestState != nil else {
            throw MCPTransportError.malformed("'\(server)' answered \(method) with input_required but neither inputRequests nor requestState")
        }
        guard asked.asked <= Self.maxQuestions else {
            throw MCPTransportError.malformed("'\(server)' asked \(asked.asked) questions at once in \(method); hermes takes at most \(Self.maxQuestions)")
        }
        if let state = asked.requestState, state.utf8.count > Self.maxStateBytes {
            throw MCPTransportError.malformed("'\(server)' sent a requestState of \(state.utf8.count) bytes; hermes takes at most \(Self.maxStateBytes)")
        }
        let answers = try await Self.ask(questions, session: session)
        if questions.isEmpty {
            // Only state: the server is working; ask again after a pause that grows, as the SDK does.
            try await Task.sleep(nanoseconds: UInt64(min(50 * rounds, 250)) * 1_000_000)
        }
        var next = original
        if !answers.isEmpty { next["inputResponses"] = .object(answers) }
        if let state = asked.requestState { next["requestState"] = .string(state) }
        params = next
    }

    private static func ask(_ questions: [String: MCPResults.ServerRequest], session: MCPSession) async throws -> [String: Value] {
        try await withThrowingTaskGroup(of: (String, Value).self) { group in
            for (key, question) in questions {
                group.addTask {
                    switch await session.answerInput(question) {
                    case .success(let value): return (key, value)
                    case .failure(let error): throw error
                    }
                }
            }
            var answers: [String: Value] = [:]
            for try await (key, value) in group { answers[key] = value }
            return answers
        }
    }
}

extension MCPSession {
    /// One question of an `input_required` result, answered as the server request it is.
    func answerInput(_ question: MCPResults.ServerRequest) async -> Result<Value, RPCError> {
        await ServerRequests.answer(method: question.method, params: question.params, server: server, elicit: elicitHandler)
    }
}
