import Foundation
import Glibc
import HermesMCP
import HermesOAuth
import MCP

/// A server's question (MCP elicitation) put to the person at the terminal: a form is asked field
/// by field with the schema's types, titles and defaults, then confirmed; a URL is opened the way
/// the login URL is (`$BROWSER`, else the desktop's opener, always printed too). Without a terminal
/// the answer is decline: nobody is there to answer, and a script must not hang on a question.
/// Everything shown comes from the server, so it is cleaned first; prompts go to stderr, which
/// keeps stdout the agent's JSON alone.
struct TerminalElicitation: Sendable {
    let spinner: Spinner?
    let environment: [String: String]
    /// Wrong answers to one field before the form is given up (cancel).
    static let attempts = 3
    /// Fields one form may ask: a server sending a thousand must not keep a person there.
    static let maxFields = 32

    /// The handler the runtime calls: asks on a terminal, declines otherwise.
    static func handler(spinner: Spinner?, environment: [String: String] = ProcessInfo.processInfo.environment) -> ElicitationHandler {
        let asker = TerminalElicitation(spinner: spinner, environment: environment)
        let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1
        return { request in
            guard interactive else { return .decline }
            return await Self.serialized.run { asker.ask(request) }
        }
    }

    /// One question at a time: a server asking several at once (2026-07-28 may) gets them in turn.
    private static let serialized = OneAtATime()

    func ask(_ request: ElicitationRequest) -> ElicitationAnswer {
        spinner?.stop()
        defer { spinner?.start() }
        say("")
        say("  '\(ServerText.clean(request.server))' asks: " + ServerText.lines(request.message))
        switch request.mode {
        case .url(let url):
            return open(url)
        case .form(let schema):
            return fill(schema)
        }
    }

    // MARK: URL

    private func open(_ url: String) -> ElicitationAnswer {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            say("  hermes will not open '\(ServerText.clipped(url))': only http and https pages are opened.")
            return .decline
        }
        say("  The page is on \(ServerText.clean(host)):")
        say("    " + ServerText.clean(url))
        guard confirm("Open it?", default: true) else { return .decline }
        switch BrowserLauncher(environment: environment).open(url) {
        case .opened: break
        case .failed, .remoteSession, .headless: say("  No browser opened here: open the address above yourself.")
        }
        return confirm("Done on that page?", default: true) ? .accept([:]) : .decline
    }

    // MARK: form

    private func fill(_ schema: [String: Value]) -> ElicitationAnswer {
        guard case .object(let properties)? = schema["properties"], !properties.isEmpty else {
            return confirm("Accept?", default: true) ? .accept([:]) : .decline
        }
        guard properties.count <= Self.maxFields else {
            say("  The form has \(properties.count) fields; hermes asks at most \(Self.maxFields). Declined.")
            return .decline
        }
        let required: Set<String> = if case .array(let names)? = schema["required"] {
            Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
        } else { [] }
        var content: [String: Value] = [:]
        // Required fields first, then by name: the schema's own order does not survive JSON objects.
        let names = properties.keys.sorted { (required.contains($0) ? 0 : 1, $0) < (required.contains($1) ? 0 : 1, $1) }
        for name in names {
            guard case .object(let field)? = properties[name] else { continue }
            switch askField(name, field, required: required.contains(name)) {
            case .value(let value?): content[name] = value
            case .value(nil): break
            case .gaveUp: return .cancel
            }
        }
        return confirm("Send these answers?", default: true) ? .accept(content) : .decline
    }

    private enum FieldAnswer { case value(Value?), gaveUp }

    private func askField(_ name: String, _ field: [String: Value], required: Bool) -> FieldAnswer {
        let title = text(field["title"]) ?? name
        let kind = text(field["type"]) ?? "string"
        let choices: [String] = if case .array(let list)? = field["enum"] { list.compactMap(text) } else { [] }
        let fallback = field["default"]
        if let description = text(field["description"]) { say("    " + ServerText.clipped(description)) }
        var hint = choices.isEmpty ? kind : choices.prefix(12).map { ServerText.clipped($0) }.joined(separator: "/")
        if let fallback { hint += ", default \(display(fallback))" }
        if !required && fallback == nil { hint += ", optional" }
        for _ in 0..<Self.attempts {
            guard let line = read("\(ServerText.clipped(title)) (\(hint)): ") else { return .gaveUp }
            if line.isEmpty {
                if let fallback { return .value(fallback) }
                if !required { return .value(nil) }
                say("    This one is required.")
                continue
            }
            if let value = Self.parse(line, kind: kind, choices: choices) { return .value(value) }
            say("    Not \(choices.isEmpty ? "a valid \(kind)" : "one of the choices").")
        }
        return .gaveUp
    }

    /// `line` as the schema's type: numbers and booleans as JSON values, an enum's choices only.
    static func parse(_ line: String, kind: String, choices: [String]) -> Value? {
        if !choices.isEmpty { return choices.contains(line) ? .string(line) : nil }
        switch kind {
        case "integer": return Int(line).map(Value.int)
        case "number": return Double(line).flatMap { $0.isFinite ? Value.double($0) : nil }
        case "boolean":
            switch line.lowercased() {
            case "y", "yes", "true": return .bool(true)
            case "n", "no", "false": return .bool(false)
            default: return nil
            }
        default: return .string(line)
        }
    }

    private func text(_ value: Value?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    private func display(_ value: Value) -> String {
        switch value {
        case .string(let text): ServerText.clipped(text)
        case .int(let n): String(n)
        case .double(let d): String(d)
        case .bool(let b): b ? "yes" : "no"
        default: "…"
        }
    }

    // MARK: terminal

    private func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func read(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(("  " + prompt).utf8))
        guard let line = readLine() else {
            say("")
            return nil
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    private func confirm(_ question: String, default yes: Bool) -> Bool {
        guard let line = read("\(question) \(yes ? "[Y/n]" : "[y/N]"): ") else { return false }
        switch line.lowercased() {
        case "": return yes
        case "y", "yes": return true
        default: return false
        }
    }
}

/// Runs blocking terminal work one piece at a time, off the cooperative pool.
final class OneAtATime: @unchecked Sendable {
    private let queue = DispatchQueue(label: "hermes.terminal.questions")

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
