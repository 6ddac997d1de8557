import Foundation

/// The string formats an MCP elicitation form may name (`email`, `uri`, `date`, `date-time`),
/// checked before an answer is sent: strict enough that a typo is caught at the terminal rather
/// than refused by the server after the person has gone, not a full RFC parser.
enum FieldFormat: String, Sendable {
    case email
    case uri
    case date
    case dateTime = "date-time"

    /// What the person is told to type.
    var hint: String {
        switch self {
        case .email: "email address"
        case .uri: "address like https://…"
        case .date: "date YYYY-MM-DD"
        case .dateTime: "date and time YYYY-MM-DDTHH:MM:SSZ"
        }
    }

    func accepts(_ text: String) -> Bool {
        guard !text.contains(where: \.isWhitespace) else { return false }
        switch self {
        case .email: return Self.isEmail(text)
        case .uri: return Self.isAbsoluteURI(text)
        case .date: return Self.isDate(Substring(text))
        case .dateTime: return Self.isDateTime(text)
        }
    }

    /// local@domain.tld: one @, both sides non-empty, a dot inside the domain between labels.
    private static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// RFC 3986's absolute URI: a scheme (a letter, then letters, digits, + - .), a colon, and more.
    private static func isAbsoluteURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return false }
        let rest = text[text.index(after: colon)...]
        guard !rest.isEmpty else { return false }
        // A hierarchical address names a host: "https://" alone is not a page.
        if rest.hasPrefix("//") { return URLComponents(string: text)?.host.map { !$0.isEmpty } ?? false }
        return true
    }

    /// RFC 3339 full-date: YYYY-MM-DD naming a day that exists.
    private static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = digits(parts[0]), let month = digits(parts[1]), let day = digits(parts[2]),
              (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// RFC 3339 date-time: full-date "T" HH:MM:SS[.fraction] then Z or ±HH:MM.
    private static func isDateTime(_ text: String) -> Bool {
        let upper = text.uppercased()
        guard let t = upper.firstIndex(of: "T"), isDate(upper[..<t]) else { return false }
        var time = upper[upper.index(after: t)...]
        if time.hasSuffix("Z") {
            time = time.dropLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            guard isClock(time[time.index(after: sign)...], seconds: false) else { return false }
            time = time[..<sign]
        } else {
            return false
        }
        if let dot = time.firstIndex(of: ".") {
            let fraction = time[time.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            time = time[..<dot]
        }
        return isClock(time, seconds: true)
    }

    /// HH:MM or HH:MM:SS (a leap second's 60 allowed).
    private static func isClock(_ text: Substring, seconds: Bool) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == (seconds ? 3 : 2), parts.allSatisfy({ $0.count == 2 }) else { return false }
        let values = parts.compactMap(digits)
        guard values.count == parts.count, values[0] <= 23, values[1] <= 59 else { return false }
        return !seconds || values[2] <= 60
    }

    /// ASCII digits only, as a number (Int("+1") would take a sign).
    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
