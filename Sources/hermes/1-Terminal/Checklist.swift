/// A multiple-choice list: what is selected, where the cursor is, what is on screen. Pure state,
/// so the keys' effects and the drawing can be tested without a terminal.
struct Checklist: Sendable {
    struct Item: Sendable, Equatable {
        var title: String
        var detail: String
    }

    enum Outcome: Equatable, Sendable {
        case running
        case confirmed([Int])
        case cancelled
    }

    let heading: String
    let items: [Item]
    private(set) var selected: [Bool]
    private(set) var cursor = 0
    private(set) var top = 0

    init(heading: String, items: [Item], preselected: Set<Int>) {
        self.heading = heading
        self.items = items
        selected = items.indices.map { preselected.contains($0) }
    }

    var selectedIndices: [Int] { selected.indices.filter { selected[$0] } }

    /// Rows the list gets on a screen of `height` lines: the heading, the key hint, a blank line
    /// and the footer take four, and one stays free so that nothing ever scrolls.
    static func rows(forHeight height: Int) -> Int { max(1, height - 5) }

    mutating func apply(_ key: Key, height: Int) -> Outcome {
        let rows = Self.rows(forHeight: height)
        guard !items.isEmpty else {
            switch key {
            case .confirm: return .confirmed([])
            case .cancel: return .cancelled
            default: return .running
            }
        }
        switch key {
        case .up: cursor = cursor == 0 ? items.count - 1 : cursor - 1
        case .down: cursor = cursor == items.count - 1 ? 0 : cursor + 1
        case .pageUp: cursor = max(0, cursor - rows)
        case .pageDown: cursor = min(items.count - 1, cursor + rows)
        case .home: cursor = 0
        case .end: cursor = items.count - 1
        case .toggle: selected[cursor].toggle()
        case .toggleAll:
            // All on unless all are on already, then all off.
            let on = !selected.allSatisfy { $0 }
            selected = selected.map { _ in on }
        case .confirm: return .confirmed(selectedIndices)
        case .cancel: return .cancelled
        case .other: break
        }
        scroll(rows: rows)
        return .running
    }

    /// Keeps the cursor's row on screen.
    mutating func scroll(rows: Int) {
        if cursor < top { top = cursor }
        if cursor >= top + rows { top = cursor - rows + 1 }
        top = max(0, min(top, max(0, items.count - rows)))
    }

    /// The screen's lines, none wider than `width` columns so that nothing wraps.
    func render(width: Int, height: Int, colour: Bool) -> [String] {
        let rows = Self.rows(forHeight: height)
        func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var lines: [String] = []
        lines.append(paint(Self.fit("  " + heading, width), "1"))
        lines.append(paint(Self.fit("  ↑/↓ move · space toggle · a all/none · enter confirm · esc cancel", width), "2"))
        var state = self
        state.scroll(rows: rows)
        let end = min(items.count, state.top + rows)
        for index in state.top..<end {
            let item = items[index]
            let mark = selected[index] ? "[✓]" : "[ ]"
            let pointer = index == cursor ? "›" : " "
            let label = item.detail.isEmpty ? item.title : "\(item.title)  —  \(item.detail)"
            let text = Self.fit("  \(pointer) \(mark) \(label)", width)
            lines.append(index == cursor ? paint(text, "7") : text)
        }
        var footer = "  \(selectedIndices.count)/\(items.count) selected"
        if state.top > 0 || end < items.count { footer += "  (\(state.top + 1)–\(end) of \(items.count))" }
        lines.append("")
        lines.append(paint(Self.fit(footer, width), "2"))
        return lines
    }

    /// Cuts text to `width` columns (one spare, so the terminal never wraps), counting East Asian
    /// wide characters as two.
    static func fit(_ text: String, _ width: Int) -> String {
        let limit = max(1, width - 1)
        if text.reduce(0, { $0 + columns($1) }) <= limit { return text }
        var used = 0
        var out = ""
        for character in text {
            let w = columns(character)
            if used + w > limit - 1 { break }
            used += w
            out.append(character)
        }
        return out + "…"
    }

    static func columns(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.value < 0x20 { return 0 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
