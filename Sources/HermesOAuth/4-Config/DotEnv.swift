import Foundation

/// `$HERMES_HOME/.env`, read the way python-dotenv (which hermes-agent uses) reads it:
/// `KEY=VALUE` lines, optional `export `, `#` comments and blank lines, single quotes taken
/// literally, double quotes with `\n` `\t` `\"` `\\` escapes and line breaks, unquoted values cut at
/// ` #`, and `${VAR}` / `${VAR:-default}` expanded in unquoted and double-quoted values from the
/// variables above and the environment.
public enum DotEnv {
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let value: String
    }

    /// Parses `text`; `environment` resolves `${VAR}` references that the file does not define.
    /// Lines that are not assignments are skipped, as python-dotenv does.
    public static func parse(_ text: String, environment: [String: String] = [:]) -> [Entry] {
        var entries: [Entry] = []
        var defined: [String: String] = [:]
        let chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))
        var i = 0

        func skipToNextLine() {
            while i < chars.count, chars[i] != "\n" { i += 1 }
            i += 1
        }

        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count else { break }
            if chars[i] == "\n" { i += 1; continue }
            if chars[i] == "#" { skipToNextLine(); continue }

            if String(chars[i..<min(i + 7, chars.count)]) == "export ", i + 7 < chars.count {
                i += 7
                while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            }
            var key = ""
            while i < chars.count, chars[i] != "=", chars[i] != "\n" { key.append(chars[i]); i += 1 }
            key = key.trimmingCharacters(in: .whitespaces)
            guard i < chars.count, chars[i] == "=", isValidKey(key) else { skipToNextLine(); continue }
            i += 1
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }

            var value = ""
            var expand = true
            if i < chars.count, chars[i] == "'" || chars[i] == "\"" {
                let quote = chars[i]
                var j = i + 1
                var raw = ""
                var closed = false
                while j < chars.count {
                    let c = chars[j]
                    if c == "\\", quote == "\"", j + 1 < chars.count {
                        raw.append(c); raw.append(chars[j + 1]); j += 2; continue
                    }
                    if c == "\\", quote == "'", j + 1 < chars.count, chars[j + 1] == "'" {
                        raw.append("'"); j += 2; continue
                    }
                    if c == quote { closed = true; break }
                    raw.append(c); j += 1
                }
                if closed {
                    value = quote == "\"" ? unescapeDoubleQuoted(raw) : raw
                    expand = quote == "\""
                    i = j + 1
                    skipToNextLine()
                } else {
                    // An unterminated quote is treated as the rest of the line, unquoted.
                    while i < chars.count, chars[i] != "\n" { value.append(chars[i]); i += 1 }
                    value = value.trimmingCharacters(in: .whitespaces)
                    i += 1
                }
            } else {
                while i < chars.count, chars[i] != "\n" { value.append(chars[i]); i += 1 }
                i += 1
                if let hash = value.range(of: " #") ?? value.range(of: "\t#") {
                    value = String(value[..<hash.lowerBound])
                }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if expand {
                value = expandReferences(value) { defined[$0] ?? environment[$0] }
            }
            defined[key] = value
            entries.append(Entry(key: key, value: value))
        }
        return entries
    }

    /// The variables of `$HERMES_HOME/.env` as a dictionary (the last assignment of a key wins),
    /// references resolved against `environment`. Only `ServerCatalogue.environment` reads `.env`
    /// this way: it is the one place the environment config.yaml expands from is made.
    /// Throws for a file that is not a regular file (a FIFO, a device) or not UTF-8.
    static func load(path: String, environment: [String: String]) throws -> [String: String] {
        guard let text = try readText(path: path) else { return [:] }
        var result: [String: String] = [:]
        for entry in parse(text, environment: environment) { result[entry.key] = entry.value }
        return result
    }

    /// What the file at `path` itself assigns, for editing it (is a key there already, and with
    /// which value?): references resolve only against the file's own earlier lines, never the
    /// process environment. Not the environment config.yaml expands from (`ServerCatalogue`).
    public static func fileValues(path: String) throws -> [String: String] {
        try load(path: path, environment: [:])
    }

    /// Sets `key` in the `.env` file at `path` (0600, written atomically): the line that assigns it
    /// is replaced, other lines (comments included) are kept, a missing key is appended.
    public static func set(path: String, key: String, value: String) throws {
        // An unreadable file is not replaced: its other lines would be lost.
        let existing = try readText(path: path) ?? ""
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        // A value with `$` is written in single quotes, taken literally: double-quoted, `${...}` in
        // a secret would be expanded when read back (python-dotenv has no escape for it).
        let literal = value.contains("$") && !value.contains("'") && !value.contains("\n")
        let line = literal ? "\(key)='\(value)'" : "\(key)=\"\(escaped)\""
        var lines = existing.isEmpty ? [] : existing.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var replaced = false
        for (i, l) in lines.enumerated() {
            if assigns(l, key: key) {
                lines[i] = line
                replaced = true
            }
        }
        if !replaced { lines.append(line) }
        let directory = (path as NSString).deletingLastPathComponent
        try HermesHome.makePrivateDirectory(directory)
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), directory: directory,
                             name: (path as NSString).lastPathComponent, mode: 0o600)
    }

    /// Removes every line assigning `key` from the `.env` file at `path`, keeping all other lines
    /// (comments included) as they are. Returns false, writing nothing, when no line assigns it.
    @discardableResult
    public static func remove(path: String, key: String) throws -> Bool {
        guard let existing = try readText(path: path) else { return false }
        var lines = existing.components(separatedBy: "\n")
        let before = lines.count
        lines.removeAll { assigns($0, key: key) }
        guard lines.count < before else { return false }
        let directory = (path as NSString).deletingLastPathComponent
        try AtomicFile.write(Data(lines.joined(separator: "\n").utf8), directory: directory,
                             name: (path as NSString).lastPathComponent, mode: 0o600)
        return true
    }

    /// Whether `line` is an assignment of `key` (with or without `export `).
    private static func assigns(_ line: String, key: String) -> Bool {
        var t = line.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("export ") { t = String(t.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        return t.hasPrefix(key + "=") || t.hasPrefix(key + " =")
    }

    /// The file's text, nil when it does not exist; errors name the file.
    private static func readText(path: String) throws(ConfigError) -> String? {
        let data: Data?
        do { data = try AtomicFile.read(path: path, limit: ConfigFile.maxSize, followSymlink: true) } catch {
            throw .io(path: path, reason: "not read: \(error)")
        }
        guard let data else { return nil }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .io(path: path, reason: "not read: the file is not UTF-8 text")
        }
        return text
    }

    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func unescapeDoubleQuoted(_ raw: String) -> String {
        var out = ""
        var it = raw.makeIterator()
        while let c = it.next() {
            guard c == "\\", let n = it.next() else { out.append(c); continue }
            switch n {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\"": out.append("\"")
            case "\\": out.append("\\")
            case "'": out.append("'")
            default: out.append("\\"); out.append(n)
            }
        }
        return out
    }

    /// `${VAR}` and `${VAR:-default}`; an unknown variable without a default becomes empty, as in
    /// python-dotenv.
    static func expandReferences(_ value: String, lookup: (String) -> String?) -> String {
        guard value.contains("${") else { return value }
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                out += rest[start.lowerBound...]
                return out
            }
            let body = String(rest[start.upperBound..<end])
            if let sep = body.range(of: ":-") {
                let name = String(body[..<sep.lowerBound])
                out += lookup(name).flatMap { $0.isEmpty ? nil : $0 } ?? String(body[sep.upperBound...])
            } else {
                out += lookup(body) ?? ""
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
