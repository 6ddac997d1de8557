import Foundation
import Glibc
import HermesMCP
import HermesOAuth
import MCP

/// A server's question (MCP elicitation) put to the person at the terminal: a form is asked field
/// by field with the schema's types, titles, defaults and constraints (`FormField`), then shown
/// whole for the person to send, change or decline, as MCP asks of clients; a URL is opened the way
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
        say("  '\(ServerText.clean(request.server))' asks: " + Self.quoted(request.message))
        switch request.mode {
        case .url(let url):
            return open(url)
        case .form(let schema):
            return fill(schema)
        }
    }

    // MARK: URL

    /// The longest address hermes hands a browser: longer ones are no page a person checks.
    static let maxURL = 4096
    /// The most of a server's question shown: characters, and lines.
    static let maxMessage = 2000, maxMessageLines = 20

    /// The server's words, bounded, every line after the first indented under them, so nothing it
    /// sends can pass for a line of hermes' own.
    static func quoted(_ message: String) -> String {
        let cut = message.count > maxMessage ? String(message.prefix(maxMessage)) + "…" : message
        var lines = ServerText.lines(cut).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > maxMessageLines { lines = Array(lines.prefix(maxMessageLines)) + ["…"] }
        return lines.joined(separator: "\n    | ")
    }

    /// The host as the address spells it (not decoded from punycode, which can pass for another
    /// name), without user info or port.
    static func spelledHost(of url: String) -> String? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        var authority = url[start...].prefix { !"/?#".contains($0) }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") { return authority.firstIndex(of: "]").map { String(authority[...$0]) } }
        return String(authority.prefix { $0 != ":" })
    }

    private func open(_ url: String) -> ElicitationAnswer {
        guard url.utf8.count <= Self.maxURL else {
            say("  hermes will not open an address of \(url.utf8.count) bytes (at most \(Self.maxURL)).")
            return .decline
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            say("  hermes will not open '\(ServerText.clipped(url))': only http and https pages are opened.")
            return .decline
        }
        say("  The page is on \(ServerText.clean(Self.spelledHost(of: url) ?? host)):")
        say("    " + ServerText.clean(url))
        if Self.isInternationalized(host: host, url: url) {
            // MCP's Safe URL Handling: an IDN's letters can imitate another site's name.
            say("  Warning: that is an internationalized (IDN/punycode) name; its letters may imitate another site's. Check it before you open it.")
        }
        guard confirm("Open it?", default: true) else { return .decline }
        switch BrowserLauncher(environment: environment).open(url) {
        case .opened: break
        case .failed, .remoteSession, .headless: say("  No browser opened here: open the address above yourself.")
        }
        return confirm("Done on that page?", default: true) ? .accept([:]) : .decline
    }

    /// A host with letters beyond ASCII, or a punycode label (`xn--`) in the address as sent
    /// (Foundation shows a punycode host decoded, so both are looked at).
    static func isInternationalized(host: String, url: String) -> Bool {
        if host.unicodeScalars.contains(where: { !$0.isASCII }) { return true }
        let name = spelledHost(of: url) ?? ""
        return (name.split(separator: ".") + host.split(separator: ".")).contains { $0.lowercased().hasPrefix("xn--") }
    }

    // MARK: form

    /// Review rounds of one form (send, edit, decline): a person edits a few times, not forever.
    static let maxReviews = 16

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
        // Required fields first, then by name: the schema's own order does not survive JSON objects.
        let names = properties.keys.sorted { (required.contains($0) ? 0 : 1, $0) < (required.contains($1) ? 0 : 1, $1) }
        var fields: [FormField] = []
        for name in names {
            guard case .object(let property)? = properties[name] else { continue }
            guard let field = FormField(name: name, schema: property, required: required.contains(name)) else {
                guard !required.contains(name) else {
                    say("  hermes cannot ask the field '\(ServerText.clipped(name, limit: 40))' (an object, a list without choices, more than \(FormField.maxChoices) choices, or limits no answer meets). Declined.")
                    return .decline
                }
                continue
            }
            fields.append(field)
        }
        // Every field was one hermes cannot ask, and none was required: nothing to fill in.
        guard !fields.isEmpty else { return confirm("Accept?", default: true) ? .accept([:]) : .decline }
        var content: [String: Value] = [:]
        for field in fields {
            guard case .value(let value) = askField(field) else { return .cancel }
            content[field.name] = value
        }
        for _ in 0..<Self.maxReviews {
            review(fields, content)
            guard let line = read("Send? [Y/n/e(dit)]: ") else { return .decline }
            switch line.lowercased() {
            case "", "y", "yes": return .accept(content)
            case "n", "no": return .decline
            case "e", "edit":
                guard let chosen = pickForEdit(fields.count) else { continue }
                for index in chosen {
                    guard case .value(let value) = askField(fields[index]) else { return .cancel }
                    content[fields[index].name] = value
                }
            default: say("    y sends, n declines, e changes an answer.")
            }
        }
        return .decline
    }

    /// The answers as they will be sent, numbered for editing.
    private func review(_ fields: [FormField], _ content: [String: Value]) {
        say("  Your answers:")
        for (index, field) in fields.enumerated() {
            let shown = content[field.name].map(field.display) ?? "(none)"
            say("    \(index + 1). \(ServerText.clipped(field.title, limit: 60)): \(shown)")
        }
    }

    /// The fields to ask again: one by its number, or all.
    private func pickForEdit(_ count: Int) -> [Int]? {
        guard let line = read("Change which? (1-\(count), a for all): ") else { return nil }
        if line.lowercased() == "a" || line.lowercased() == "all" { return Array(0..<count) }
        guard let number = Int(line), (1...count).contains(number) else {
            say("    Not a field number.")
            return nil
        }
        return [number - 1]
    }

    private enum FieldAnswer { case value(Value?), gaveUp }

    /// Wrong answers count against `attempts`; letters that only narrow a long list of choices do
    /// not, up to `attempts` more lines.
    private func askField(_ field: FormField) -> FieldAnswer {
        if let description = field.description { say("    " + ServerText.clipped(description)) }
        if !field.choices.isEmpty { list(field.choices, Array(field.choices.indices.prefix(FormField.shownChoices)), of: field.choices.count) }
        var wrong = 0
        var narrowed = 0
        while wrong < Self.attempts && narrowed <= Self.attempts {
            guard let line = read("\(ServerText.clipped(field.title)) (\(field.hint)): ") else { return .gaveUp }
            if line.isEmpty {
                if let fallback = field.fallback { return .value(fallback) }
                if !field.required { return .value(nil) }
                say("    This one is required.")
                wrong += 1
                continue
            }
            switch field.read(line) {
            case .value(let value): return .value(value)
            case .invalid(let why):
                say("    " + why)
                wrong += 1
            case .matches(let indices):
                list(field.choices, Array(indices.prefix(FormField.shownChoices)), of: indices.count)
                narrowed += 1
            }
        }
        return .gaveUp
    }

    /// Choices by number, at most `FormField.shownChoices`, saying how many more there are.
    private func list(_ choices: [FormField.Choice], _ shown: [Int], of total: Int) {
        for index in shown { say("      \(index + 1). " + ServerText.clipped(choices[index].title, limit: 80)) }
        if total > shown.count { say("      … and \(total - shown.count) more: type a few letters of a name to see the matching ones.") }
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
