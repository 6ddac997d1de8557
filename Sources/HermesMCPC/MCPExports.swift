import CHermesMCPABI
import Foundation
import HermesMCP
import HermesOAuth
import HermesOAuthC
import MCP

// The MCP runtime's C API (include/hermesmcp.h). Each function converts its arguments, runs the
// runtime's operation through BlockingBridge (off Swift's cooperative pool, so any thread may call
// it) and converts the answer; the behaviour lives in MCPRuntime and MCPOperations.

private let handles = HandleTable<MCPHandle, hermes_mcp>(tag: 0xA6, opener: "hermes_mcp_open", closer: "hermes_mcp_close")

private func text(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

/// Runs `body` with the live handle, or returns the status for a NULL, closed or foreign handle.
private func withHandle(_ h: UnsafeMutablePointer<hermes_mcp>?, _ function: String, _ body: (MCPHandle) -> Int32) -> Int32 {
    switch handles.lookup(h) {
    case .success(let handle): return body(handle)
    case .failure(let refusal): return LastError.fail(.invalidArgument, "\(function): \(refusal)")
    }
}

private func withServer(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?, _ function: String,
                        _ body: (MCPHandle, String) -> Int32) -> Int32 {
    withHandle(h, function) { handle in
        guard let name = text(server), !name.isEmpty else {
            return LastError.fail(.invalidArgument, "\(function): the server name is NULL or empty")
        }
        return body(handle, name)
    }
}

@c public func hermes_mcp_open(_ hermesHome: UnsafePointer<CChar>?,
                               _ out: UnsafeMutablePointer<UnsafeMutablePointer<hermes_mcp>?>?) -> Int32 {
    guard let out else { return LastError.fail(.invalidArgument, "hermes_mcp_open: out must not be NULL") }
    HostLog.install()
    out.pointee = nil
    let home: HermesHome
    if let path = text(hermesHome) {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            return LastError.fail(.invalidArgument, "hermes_mcp_open: hermes_home is empty (pass NULL for the default)")
        }
        home = HermesHome(path: path)
    } else {
        home = HermesHome.resolve()
    }
    // Read now so that a config.yaml hermes cannot use is reported here rather than at the first call.
    do {
        _ = try ServerCatalogue.load(home: home)
    } catch {
        return LastError.fail(.invalidArgument, "hermes_mcp_open: \(error)")
    }
    guard let handle = handles.open(MCPHandle(home: home)) else {
        return LastError.fail(.io, "hermes_mcp_open: this process has used up its handle values")
    }
    out.pointee = handle
    return HermesStatus.ok.rawValue
}

@c @discardableResult
public func hermes_mcp_close(_ h: UnsafeMutablePointer<hermes_mcp>?) -> Int32 {
    guard h != nil else { return HermesStatus.ok.rawValue }
    switch handles.close(h) {
    case .success(let handle):
        handle.close()
        return HermesStatus.ok.rawValue
    case .failure(let refusal):
        return LastError.fail(.invalidArgument, "hermes_mcp_close: \(refusal); nothing was closed")
    }
}

@c public func hermes_mcp_servers(_ h: UnsafeMutablePointer<hermes_mcp>?,
                                  _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    json?.pointee = nil
    guard let json else { return LastError.fail(.invalidArgument, "hermes_mcp_servers: json must not be NULL") }
    return withHandle(h, "hermes_mcp_servers") { handle in
        let result: Result<[String], any Error> = BlockingBridge.wait {
            do { return .success(try await handle.serverNames()) } catch { return .failure(error) }
        }
        switch result {
        case .success(let names):
            let data = (try? JSONEncoder().encode(names)) ?? Data("[]".utf8)
            json.pointee = strdup(String(decoding: data, as: UTF8.self))
            return HermesStatus.ok.rawValue
        case .failure(let error):
            // Closed meanwhile, or a config.yaml that became unusable since the open.
            return LastError.fail(.invalidArgument, "hermes_mcp_servers: \(error)")
        }
    }
}

/// One of the operations (the five, and the tool list): runs `body` on the server's operations and hands back the answer's
/// JSON text. The answer is handed back with any status that came from the server or the
/// connection (see the header), so a host can pass it on as hermes-agent would.
private func operate(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                     _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ function: String,
                     _ operation: Result<Operation, ArgumentProblem>) -> Int32 {
    answer?.pointee = nil
    guard let answer else { return LastError.fail(.invalidArgument, "\(function): answer must not be NULL") }
    return withServer(h, server, function) { handle, name in
        let body: Operation
        switch operation {
        case .success(let ready): body = ready
        case .failure(let problem): return LastError.fail(.invalidArgument, "\(function): \(problem)")
        }
        let outcome = BlockingBridge.wait { await handle.perform(name, body) }
        switch outcome {
        case .failure(.closed):
            return LastError.fail(.invalidArgument, "\(function): \(MCPHandle.Closed())")
        case .failure(.notFound(let server)):
            return LastError.fail(.notFound, "\(function): no enabled MCP server named '\(server)' in config.yaml")
        case .failure(.cannotStart(let why)):
            return LastError.fail(.invalidArgument, "\(function): \(why)")
        case .success(let result):
            answer.pointee = strdup(result.json)
            let status = result.status
            guard status != .ok else { return HermesStatus.ok.rawValue }
            return LastError.fail(status, "\(function): \(result.message)")
        }
    }
}

/// One of the operations, ready to run on a server's operations.
private typealias Operation = @Sendable (MCPOperations) async -> MCPAnswer

/// Why the arguments of a call were refused before anything was asked.
private struct ArgumentProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A JSON object from C, or why not. NULL is the empty object.
private func jsonObject(_ p: UnsafePointer<CChar>?, _ what: String) -> Result<[String: Value], ArgumentProblem> {
    guard let p else { return .success([:]) }
    guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(String(cString: p).utf8)) else {
        return .failure(ArgumentProblem("\(what) is not a JSON object"))
    }
    return .success(object)
}

@c public func hermes_mcp_call_tool(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                    _ tool: UnsafePointer<CChar>?, _ argumentsJSON: UnsafePointer<CChar>?,
                                    _ progress: hermes_mcp_progress_fn?, _ user: UnsafeMutableRawPointer?,
                                    _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let relay = progress.map { ProgressRelay($0, user: user) }
    let status = operate(h, server, answer, "hermes_mcp_call_tool", toolCall(text(tool), argumentsJSON, relay))
    relay?.finish()
    return status
}

private func toolCall(_ tool: String?, _ argumentsJSON: UnsafePointer<CChar>?, _ relay: ProgressRelay?) -> Result<Operation, ArgumentProblem> {
    guard let tool, !tool.isEmpty else { return .failure(ArgumentProblem("the tool name is NULL or empty")) }
    let onProgress: (@Sendable (ProgressUpdate) -> Void)?
    if let relay { onProgress = { relay.report($0) } } else { onProgress = nil }
    return jsonObject(argumentsJSON, "arguments_json").map { arguments -> Operation in
        { operations in await operations.call(tool: tool, arguments: arguments, onProgress: onProgress) }
    }
}

@c public func hermes_mcp_list_tools(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                     _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    operate(h, server, answer, "hermes_mcp_list_tools", .success({ await $0.tools() }))
}

@c public func hermes_mcp_list_resources(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                         _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    operate(h, server, answer, "hermes_mcp_list_resources", .success({ await $0.resources() }))
}

@c public func hermes_mcp_read_resource(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                        _ uri: UnsafePointer<CChar>?,
                                        _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let operation: Result<Operation, ArgumentProblem>
    if let uri = text(uri), !uri.isEmpty {
        operation = .success({ await $0.resource(uri) })
    } else {
        operation = .failure(ArgumentProblem("the uri is NULL or empty"))
    }
    return operate(h, server, answer, "hermes_mcp_read_resource", operation)
}

@c public func hermes_mcp_list_prompts(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                       _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    operate(h, server, answer, "hermes_mcp_list_prompts", .success({ await $0.prompts() }))
}

@c public func hermes_mcp_get_prompt(_ h: UnsafeMutablePointer<hermes_mcp>?, _ server: UnsafePointer<CChar>?,
                                     _ name: UnsafePointer<CChar>?, _ argumentsJSON: UnsafePointer<CChar>?,
                                     _ answer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    operate(h, server, answer, "hermes_mcp_get_prompt", promptRequest(text(name), argumentsJSON))
}

private func promptRequest(_ name: String?, _ argumentsJSON: UnsafePointer<CChar>?) -> Result<Operation, ArgumentProblem> {
    guard let name, !name.isEmpty else { return .failure(ArgumentProblem("the prompt name is NULL or empty")) }
    let object: [String: Value]
    switch jsonObject(argumentsJSON, "arguments_json") {
    case .failure(let problem): return .failure(problem)
    case .success(let value): object = value
    }
    var arguments: [String: String] = [:]
    for (key, value) in object {
        guard case .string(let string) = value else { return .failure(ArgumentProblem("prompt argument '\(key)' is not a string")) }
        arguments[key] = string
    }
    let ready = arguments
    return .success({ await $0.prompt(name, arguments: ready) })
}

@c public func hermes_mcp_set_elicitation(_ h: UnsafeMutablePointer<hermes_mcp>?, _ fn: hermes_mcp_elicit_fn?,
                                          _ user: UnsafeMutableRawPointer?) -> Int32 {
    withHandle(h, "hermes_mcp_set_elicitation") { handle in
        switch handle.setElicitation(fn, user: user) {
        case .set: return HermesStatus.ok.rawValue
        case .started:
            return LastError.fail(.invalidArgument, "hermes_mcp_set_elicitation: the servers were already started by an earlier call on this handle; set the callback right after hermes_mcp_open")
        case .closed: return LastError.fail(.invalidArgument, "hermes_mcp_set_elicitation: \(MCPHandle.Closed())")
        }
    }
}

@c public func hermes_mcp_watch(_ h: UnsafeMutablePointer<hermes_mcp>?, _ fn: hermes_mcp_change_fn?,
                                _ user: UnsafeMutableRawPointer?) -> Int32 {
    withHandle(h, "hermes_mcp_watch") { handle in
        guard let fn else { return LastError.fail(.invalidArgument, "hermes_mcp_watch: the callback must not be NULL") }
        switch handle.watch(fn, user: user) {
        case .added: return HermesStatus.ok.rawValue
        case .duplicate:
            return LastError.fail(.invalidArgument, "hermes_mcp_watch: this callback is already registered with this user pointer on this handle")
        case .closed: return LastError.fail(.invalidArgument, "hermes_mcp_watch: \(MCPHandle.Closed())")
        }
    }
}
