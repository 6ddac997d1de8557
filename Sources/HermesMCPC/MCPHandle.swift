import Dispatch
import Foundation
import Glibc
import HermesMCP
import HermesOAuth
import HermesOAuthC

/// A C host's `hermes_mcp *`: an `MCPRuntime` on one home, started at the first operation (so the
/// elicitation callback, set before it, decides whether hermes tells servers it can answer
/// questions), and the host's callbacks. Callbacks run on hermes' own dispatch threads, never on
/// Swift's cooperative pool: a callback that blocks (a person answering) or calls back into the
/// library blocks one of those threads, not the runtime.
final class MCPHandle: Sendable {
    let home: HermesHome

    private struct Elicitor: Sendable {
        let fn: hermes_mcp_elicit_fn
        let user: UInt
        let liveness = CallbackLiveness()
    }

    private struct Watcher: Sendable {
        let fn: hermes_mcp_change_fn
        let user: UInt
        let liveness = CallbackLiveness()

        func matches(_ fn: hermes_mcp_change_fn, _ user: UInt) -> Bool {
            unsafeBitCast(self.fn, to: UInt.self) == unsafeBitCast(fn, to: UInt.self) && self.user == user
        }
    }

    private struct State {
        var elicitor: Elicitor?
        var watchers: [Watcher] = []
        /// The runtime, from the first operation on; nil again if it could not start.
        var runtime: Task<MCPRuntime, any Error>?
        /// Whether the runtime reports changes to `deliver` (only once someone watches: following
        /// a server's changes opens a stream to it).
        var following = false
        var closed = false
    }

    private let state = Locked(State())
    /// Elicitation and change callbacks go through gates of their own, so a question a person
    /// takes minutes to answer does not hold up change notices.
    private let elicitGate = CallbackGate()
    private let changeGate = CallbackGate()
    /// Change notices in the order they came.
    private let changeQueue = DispatchQueue(label: "hermes.mcp.changes")
    /// Where questions wait for the host's answer.
    private static let questions = DispatchQueue(label: "hermes.mcp.elicitation", attributes: .concurrent)

    init(home: HermesHome) { self.home = home }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the handle was closed (hermes_mcp_close)" }
    }

    // MARK: the runtime

    /// The started runtime, starting it on first use.
    func runtime() async throws -> MCPRuntime {
        let task = state.withLock { s in startingRuntime(&s) }
        guard let task else { throw Closed() }
        do {
            return try await task.value
        } catch {
            state.withLock { s in
                if s.runtime == task {
                    s.runtime = nil
                    s.following = false
                }
            }
            throw error
        }
    }

    /// The runtime's start, begun now if it was not (nil once closed). Called under the lock, so
    /// the elicitation callback and the watchers it sees are the ones it starts with.
    private func startingRuntime(_ s: inout State) -> Task<MCPRuntime, any Error>? {
        if s.closed { return nil }
        if let running = s.runtime { return running }
        let elicit = s.elicitor.map(questionHandler)
        let sink: (@Sendable (String, [MCPChange]) -> Void)? = s.watchers.isEmpty ? nil : changeSink()
        s.following = sink != nil
        let home = self.home
        let starting = Task<MCPRuntime, any Error> {
            let runtime = MCPRuntime(home: home, elicit: elicit)
            try await runtime.start()
            if let sink { await runtime.onChange(sink) }
            return runtime
        }
        s.runtime = starting
        return starting
    }

    /// What the runtime calls with a server's question; weak, as the runtime lives inside the handle.
    private func questionHandler(_ elicitor: Elicitor) -> ElicitationHandler {
        { [weak self] request in await self?.ask(elicitor, request) ?? .decline }
    }

    /// What the runtime calls with a server's changes; weak, likewise.
    private func changeSink() -> @Sendable (String, [MCPChange]) -> Void {
        { [weak self] server, changes in self?.deliver(server, changes) }
    }

    /// The enabled servers' names: the runtime's once it runs, else config.yaml's as it is now.
    func serverNames() async throws -> [String] {
        let started = try state.withLock { s throws -> Task<MCPRuntime, any Error>? in
            if s.closed { throw Closed() }
            return s.runtime
        }
        if let started, let runtime = try? await started.value { return await runtime.serverNames() }
        return try ServerCatalogue.load(home: home).enabledServers.map(\.name).sorted()
    }

    enum OperationRefusal: Error {
        case closed
        case notFound(String)
        case cannotStart(String)
    }

    /// Runs one operation on `server`'s task.
    func perform(_ server: String, _ body: @Sendable (MCPOperations) async -> MCPAnswer) async -> Result<MCPAnswer, OperationRefusal> {
        let runtime: MCPRuntime
        do {
            runtime = try await self.runtime()
        } catch is Closed {
            return .failure(.closed)
        } catch {
            return .failure(.cannotStart("\(error)"))
        }
        guard let operations = await runtime.operations(for: server) else {
            return .failure(isClosed ? .closed : .notFound(server))
        }
        return .success(await body(operations))
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

    // MARK: elicitation

    enum ElicitationOutcome { case set, started, closed }

    /// Sets (or with nil removes) the elicitation callback; refused once the runtime started, as
    /// its servers were told then whether hermes answers questions.
    func setElicitation(_ fn: hermes_mcp_elicit_fn?, user: UnsafeMutableRawPointer?) -> ElicitationOutcome {
        state.withLock { s in
            if s.closed { return .closed }
            if s.runtime != nil { return .started }
            s.elicitor = fn.map { Elicitor(fn: $0, user: UInt(bitPattern: user)) }
            return .set
        }
    }

    /// Asks the host on one of hermes' threads; the task waiting for the answer holds no thread.
    /// A callback removed by hermes_mcp_close in the meantime is not called: the answer is decline.
    private func ask(_ elicitor: Elicitor, _ request: ElicitationRequest) async -> ElicitationAnswer {
        let question = ElicitationJSON.question(request)
        let gate = elicitGate
        return await withCheckedContinuation { continuation in
            Self.questions.async {
                var answer = ElicitationAnswer.decline
                gate.deliver(elicitor.liveness) {
                    let reply = request.server.withCString { server in
                        question.withCString { elicitor.fn(server, $0, UnsafeMutableRawPointer(bitPattern: elicitor.user)) }
                    }
                    answer = ElicitationJSON.answer(reply)
                    free(reply)
                }
                continuation.resume(returning: answer)
            }
        }
    }

    // MARK: changes

    enum WatchOutcome { case added, duplicate, closed }

    /// Registers (fn, user) once, and has the runtime report changes from now on.
    func watch(_ fn: @escaping hermes_mcp_change_fn, user: UnsafeMutableRawPointer?) -> WatchOutcome {
        let userBits = UInt(bitPattern: user)
        let (outcome, startFollowing) = state.withLock { s -> (WatchOutcome, Task<MCPRuntime, any Error>?) in
            if s.closed { return (.closed, nil) }
            if s.watchers.contains(where: { $0.matches(fn, userBits) }) { return (.duplicate, nil) }
            s.watchers.append(Watcher(fn: fn, user: userBits))
            guard let running = s.runtime, !s.following else { return (.added, nil) }
            s.following = true
            return (.added, running)
        }
        if let startFollowing {
            let sink = changeSink()
            BlockingBridge.wait {
                guard let runtime = try? await startFollowing.value else { return }
                await runtime.onChange(sink)
            }
        }
        return outcome
    }

    /// Hands the changes to every watcher, in order, on the change queue.
    private func deliver(_ server: String, _ changes: [MCPChange]) {
        let watchers = state.withLock { $0.watchers }
        guard !watchers.isEmpty else { return }
        let whats = changes.map(Self.describe)
        let gate = changeGate
        changeQueue.async {
            for what in whats {
                for watcher in watchers {
                    gate.deliver(watcher.liveness) {
                        server.withCString { name in
                            what.withCString { watcher.fn(name, $0, UnsafeMutableRawPointer(bitPattern: watcher.user)) }
                        }
                    }
                }
            }
        }
    }

    /// The longest resource URI named in a change; a longer one, or one with control characters,
    /// is reported as "resources" (the host lists them again).
    static let uriLimit = 4096

    static func describe(_ change: MCPChange) -> String {
        switch change {
        case .tools: "tools"
        case .prompts: "prompts"
        case .resources: "resources"
        case .resource(let uri):
            uri.utf8.count <= uriLimit && !uri.isEmpty && ServerText.isClean(uri) && !uri.contains("\0") ? "resource:" + uri : "resources"
        }
    }

    // MARK: closing

    /// Ends every callback, stops every server (their processes included), and returns once no
    /// callback of this handle is running (except one on the calling thread).
    func close() {
        let runtime = state.withLock { s -> Task<MCPRuntime, any Error>? in
            s.closed = true
            s.elicitor?.liveness.end()
            for watcher in s.watchers { watcher.liveness.end() }
            s.watchers = []
            defer { s.runtime = nil }
            return s.runtime
        }
        if let runtime {
            BlockingBridge.wait {
                guard let started = try? await runtime.value else { return }
                await started.shutdown()
            }
        }
        changeGate.drain()
        elicitGate.drain()
    }
}
