import Foundation
import HermesOAuth
import MCP

/// One property of an elicitation form, read from the server's schema into what the terminal asks
/// and checks: MCP's restricted schema (2025-11-25, 2026-07-28) allows strings (with length and
/// `format`), numbers and integers (with bounds), booleans, single-select enums (`enum`, with the
/// legacy `enumNames` as titles, or a titled `oneOf`/`anyOf` of `{const, title}`) and multi-select
/// arrays (`items.enum` or `items.anyOf`, with `minItems`/`maxItems`). Every text here is the
/// server's: it is cleaned where it is shown, and the number of choices is bounded.
struct FormField: Sendable {
    enum Kind: Sendable, Equatable { case text, integer, number, boolean, choice, choices }

    /// A selectable value and what the person sees for it.
    struct Choice: Sendable, Equatable {
        let value: String
        let title: String
    }

    /// The choices one field may offer: more is not a question for a person.
    static let maxChoices = 200
    /// Choices listed at once; beyond it the person types a few letters to see the matching ones.
    static let shownChoices = 12

    let name: String
    let title: String
    let description: String?
    let kind: Kind
    let required: Bool
    /// The schema's default, when it is an answer the field takes (else none is offered).
    private(set) var fallback: Value?
    let choices: [Choice]
    let format: FieldFormat?
    let minLength: Int?
    let maxLength: Int?
    let minimum: Double?
    let maximum: Double?
    let minItems: Int?
    let maxItems: Int?

    /// Nil for a property hermes cannot ask (an array without choices, too many choices, an
    /// object): MCP's schema has no such field, and a guess would send the server a wrong type.
    init?(name: String, schema: [String: Value], required: Bool) {
        self.name = name
        self.required = required
        title = Self.text(schema["title"]) ?? name
        description = Self.text(schema["description"])
        fallback = nil
        let type = Self.text(schema["type"]) ?? "string"
        if type == "array" {
            guard case .object(let items)? = schema["items"] else { return nil }
            choices = Self.choices(items)
            kind = .choices
        } else {
            choices = Self.choices(schema)
            switch type {
            case _ where !choices.isEmpty: kind = .choice
            case "integer": kind = .integer
            case "number": kind = .number
            case "boolean": kind = .boolean
            case "object": return nil
            default: kind = .text
            }
        }
        guard kind != .choices || !choices.isEmpty, choices.count <= Self.maxChoices else { return nil }
        format = Self.text(schema["format"]).flatMap(FieldFormat.init(rawValue:))
        minLength = Self.count(schema["minLength"])
        maxLength = Self.count(schema["maxLength"])
        minimum = Self.number(schema["minimum"])
        maximum = Self.number(schema["maximum"])
        minItems = Self.count(schema["minItems"])
        maxItems = Self.count(schema["maxItems"])
        // Limits no answer can meet: asking would only fail three times. Not a field MCP has.
        if let minLength, let maxLength, minLength > maxLength { return nil }
        if let minimum, let maximum, minimum > maximum { return nil }
        if let minItems, minItems > (maxItems ?? choices.count) || minItems > choices.count, kind == .choices { return nil }
        if let value = schema["default"], accepts(value) { fallback = value }
    }

    /// Whether `value` is an answer this field takes (a default must be one to be offered).
    private func accepts(_ value: Value) -> Bool {
        switch (kind, value) {
        case (.text, .string(let text)):
            if case .value = readText(text) { return true }
            return false
        case (.integer, .int(let n)): return inBounds(Double(n)) == nil
        case (.number, .int(let n)): return inBounds(Double(n)) == nil
        case (.number, .double(let d)): return d.isFinite && inBounds(d) == nil
        case (.boolean, .bool): return true
        case (.choice, .string(let text)): return choices.contains { $0.value == text }
        case (.choices, .array(let items)):
            let values = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
            guard values.count == items.count, values.allSatisfy({ v in choices.contains { $0.value == v } }) else { return false }
            return values.count >= (minItems ?? 0) && values.count <= (maxItems ?? Int.max)
        default: return false
        }
    }

    // MARK: reading an answer

    /// What a non-empty line means for this field.
    enum Reading: Sendable, Equatable {
        case value(Value)
        /// Not an answer; the sentence says why (its own words, with the server's text cleaned).
        case invalid(String)
        /// Letters that match these choices (indices) without naming one: show them and ask again.
        case matches([Int])
    }

    func read(_ line: String) -> Reading {
        switch kind {
        case .text: return readText(line)
        case .integer:
            guard let n = Int(line) else { return .invalid("Not a valid integer.") }
            return inBounds(Double(n)) ?? .value(.int(n))
        case .number:
            guard let d = Double(line), d.isFinite else { return .invalid("Not a valid number.") }
            return inBounds(d) ?? .value(.double(d))
        case .boolean:
            switch line.lowercased() {
            case "y", "yes", "true": return .value(.bool(true))
            case "n", "no", "false": return .value(.bool(false))
            default: return .invalid("Not a valid boolean (yes or no).")
            }
        case .choice:
            switch pick(line) {
            case .found(let index): return .value(.string(choices[index].value))
            case .some(let indices): return .matches(indices)
            case .none: return .invalid("Not one of the choices.")
            }
        case .choices: return readChoices(line)
        }
    }

    private func readText(_ line: String) -> Reading {
        let length = line.unicodeScalars.count
        if let minLength, length < minLength { return .invalid("At least \(minLength) characters.") }
        if let maxLength, length > maxLength { return .invalid("At most \(maxLength) characters.") }
        if let format, !format.accepts(line) { return .invalid("Not a valid \(format.hint).") }
        return .value(.string(line))
    }

    private func inBounds(_ number: Double) -> Reading? {
        if let minimum, number < minimum { return .invalid("At least \(Self.show(minimum)).") }
        if let maximum, number > maximum { return .invalid("At most \(Self.show(maximum)).") }
        return nil
    }

    /// Comma-separated numbers or names; each once, in the order typed.
    private func readChoices(_ line: String) -> Reading {
        var picked: [Int] = []
        for part in line.split(separator: ",") {
            let token = part.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { continue }
            switch pick(token) {
            case .found(let index): if !picked.contains(index) { picked.append(index) }
            case .some(let indices): return .matches(indices)
            case .none: return .invalid("'\(ServerText.clipped(token, limit: 40))' is not one of the choices.")
            }
        }
        if let minItems, picked.count < minItems { return .invalid("Choose at least \(minItems).") }
        if let maxItems, picked.count > maxItems { return .invalid("Choose at most \(maxItems).") }
        return .value(.array(picked.map { .string(choices[$0].value) }))
    }

    private enum Pick { case found(Int), some([Int]), none }

    /// A choice named by its value, its title, its number, or (ignoring case) its value or title;
    /// else the ones whose title holds the letters typed.
    private func pick(_ token: String) -> Pick {
        if let index = choices.firstIndex(where: { $0.value == token }) ?? choices.firstIndex(where: { $0.title == token }) {
            return .found(index)
        }
        if let number = Int(token), (1...choices.count).contains(number) { return .found(number - 1) }
        let lower = token.lowercased()
        if let index = choices.firstIndex(where: { $0.value.lowercased() == lower || $0.title.lowercased() == lower }) {
            return .found(index)
        }
        let matching = choices.indices.filter { choices[$0].title.lowercased().contains(lower) }
        return matching.isEmpty ? .none : .some(matching)
    }

    // MARK: showing it

    /// What the prompt says in brackets: the kind and its constraints, the default, optional.
    var hint: String {
        var parts: [String] = []
        switch kind {
        case .text:
            var words = format?.hint ?? "string"
            switch (minLength, maxLength) {
            case let (min?, max?): words += ", \(min) to \(max) characters"
            case let (min?, nil): words += ", at least \(min) characters"
            case let (nil, max?): words += ", at most \(max) characters"
            case (nil, nil): break
            }
            parts.append(words)
        case .integer, .number:
            let noun = kind == .integer ? "integer" : "number"
            switch (minimum, maximum) {
            case let (min?, max?): parts.append("\(noun) \(Self.show(min)) to \(Self.show(max))")
            case let (min?, nil): parts.append("\(noun) of at least \(Self.show(min))")
            case let (nil, max?): parts.append("\(noun) of at most \(Self.show(max))")
            case (nil, nil): parts.append(noun)
            }
        case .boolean: parts.append("boolean")
        case .choice: parts.append("1-\(choices.count) or a name")
        case .choices:
            var words = "numbers or names, comma-separated"
            switch (minItems, maxItems) {
            case let (min?, max?) where min == max: words += ", \(min) of them"
            case let (min?, max?): words += ", \(min) to \(max) of them"
            case let (min?, nil): words += ", at least \(min)"
            case let (nil, max?): words += ", at most \(max)"
            case (nil, nil): break
            }
            parts.append(words)
        }
        if let fallback { parts.append("default \(display(fallback))") }
        if !required && fallback == nil { parts.append("optional") }
        return parts.joined(separator: ", ")
    }

    /// A value as the person reads it: a choice by its title, everything cleaned and clipped.
    func display(_ value: Value) -> String {
        switch value {
        case .string(let text):
            let title = choices.first { $0.value == text }?.title ?? text
            return ServerText.clipped(title, limit: 80)
        case .int(let n): return String(n)
        case .double(let d): return Self.show(d)
        case .bool(let b): return b ? "yes" : "no"
        case .array(let items): return items.prefix(Self.shownChoices).map(display).joined(separator: ", ")
        default: return "…"
        }
    }

    // MARK: the schema's pieces

    /// `enum` (titled by `enumNames` when it has one per value), else `oneOf`/`anyOf` of `{const, title}`.
    private static func choices(_ schema: [String: Value]) -> [Choice] {
        if case .array(let values)? = schema["enum"] {
            // Each value with the title at its own place (a value that is no string drops its
            // title with it, so no title moves onto another value).
            let names: [Value] = if case .array(let list)? = schema["enumNames"], list.count == values.count { list } else { [] }
            return values.prefix(maxChoices + 1).enumerated().compactMap { index, value in
                guard let text = text(value) else { return nil }
                return Choice(value: text, title: names.isEmpty ? text : (Self.text(names[index]) ?? text))
            }
        }
        for key in ["oneOf", "anyOf"] {
            guard case .array(let options)? = schema[key] else { continue }
            return options.prefix(maxChoices + 1).compactMap { option in
                guard case .object(let fields) = option, let value = text(fields["const"]) else { return nil }
                return Choice(value: value, title: text(fields["title"]) ?? value)
            }
        }
        return []
    }

    private static func text(_ value: Value?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    private static func number(_ value: Value?) -> Double? {
        switch value {
        case .int(let n)?: Double(n)
        case .double(let d)? where d.isFinite: d
        default: nil
        }
    }

    private static func count(_ value: Value?) -> Int? {
        number(value).flatMap { $0 >= 0 && $0 <= 1e9 ? Int($0) : nil }
    }

    /// 18 rather than 18.0.
    static func show(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
