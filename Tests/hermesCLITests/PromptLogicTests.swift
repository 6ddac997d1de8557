import HermesOAuth
import Testing
@testable import hermes

/// The checklist's keys, state and drawing, and the cleaning of server-supplied text, without a
/// terminal (the terminal itself is exercised through tmux and a pty in ChecklistCLITests).
@Suite struct PromptLogicTests {
    func keys(_ bytes: [UInt8]) -> [Key] {
        var decoder = KeyDecoder()
        var out: [Key] = []
        for byte in bytes { if let key = decoder.feed(byte) { out.append(key) } }
        if let key = decoder.timeout() { out.append(key) }
        return out
    }

    @Test func arrowsInBothCursorModesAndTheOtherKeys() {
        #expect(keys(Array("\u{1B}[A\u{1B}[B\u{1B}OA\u{1B}OB".utf8)) == [.up, .down, .up, .down])
        #expect(keys(Array("\u{1B}[5~\u{1B}[6~\u{1B}[H\u{1B}[F\u{1B}[1~\u{1B}[4~".utf8)) == [.pageUp, .pageDown, .home, .end, .home, .end])
        #expect(keys(Array("jk a\rq".utf8)) == [.down, .up, .toggle, .toggleAll, .confirm, .cancel])
        #expect(keys([0x03]) == [.cancel])
        #expect(keys([0x0E, 0x10]) == [.down, .up])
        // A lone ESC is "cancel" once nothing follows; ESC then a letter is ESC and then that key's effect.
        #expect(keys([0x1B]) == [.cancel])
        #expect(keys([0x1B, UInt8(ascii: "x")]) == [.cancel])
        // Unknown or endless sequences do not wedge the decoder.
        #expect(keys(Array("\u{1B}[99;5u".utf8) + [0x20]) == [.other, .toggle])
        #expect(keys(Array("\u{1B}[111111111".utf8) + [0x20]).last == .toggle)
    }

    func list(_ n: Int, preselected: Set<Int>? = nil) -> Checklist {
        Checklist(heading: "Select tools for 'x'", items: (0..<n).map { .init(title: "tool\($0)", detail: "does \($0)") },
                  preselected: preselected ?? Set(0..<n))
    }

    @Test func movingTogglingConfirmingAndCancelling() {
        var c = list(3)
        #expect(c.apply(.down, height: 24) == .running)
        #expect(c.apply(.toggle, height: 24) == .running)
        #expect(c.selectedIndices == [0, 2])
        #expect(c.apply(.up, height: 24) == .running && c.cursor == 0)
        _ = c.apply(.up, height: 24)
        #expect(c.cursor == 2, "up from the top wraps to the bottom")
        _ = c.apply(.toggleAll, height: 24)
        #expect(c.selectedIndices == [0, 1, 2])
        _ = c.apply(.toggleAll, height: 24)
        #expect(c.selectedIndices == [])
        #expect(c.apply(.confirm, height: 24) == .confirmed([]))
        var two = list(2)
        #expect(two.apply(.cancel, height: 24) == .cancelled)
        var empty = list(0)
        #expect(empty.apply(.down, height: 24) == .running)
        #expect(empty.apply(.confirm, height: 24) == .confirmed([]))
    }

    @Test func aLongListScrollsWithTheCursorAndNothingWraps() {
        var c = list(40)
        let height = 10, width = 40
        for _ in 0..<25 { _ = c.apply(.down, height: height) }
        let lines = c.render(width: width, height: height, colour: false)
        #expect(lines.count <= height - 1, "one line spare so the terminal never scrolls")
        #expect(lines.contains { $0.contains("› [✓] tool25") })
        #expect(!lines.contains { $0.contains("tool0 ") })
        #expect(lines.last?.contains("40/40 selected") == true)
        #expect(lines.last?.contains("of 40") == true)
        for line in lines { #expect(line.reduce(0) { $0 + Checklist.columns($1) } < width, "\(line)") }
        _ = c.apply(.end, height: height)
        #expect(c.cursor == 39 && c.top == 40 - Checklist.rows(forHeight: height))
        _ = c.apply(.home, height: height)
        #expect(c.cursor == 0 && c.top == 0)
        _ = c.apply(.pageDown, height: height)
        #expect(c.cursor == Checklist.rows(forHeight: height))
    }

    @Test func wideCharactersAreMeasuredAsTwoColumns() {
        let fitted = Checklist.fit("  工具工具工具工具工具", 10)
        #expect(fitted.reduce(0) { $0 + Checklist.columns($1) } <= 9)
        #expect(fitted.hasSuffix("…"))
        #expect(Checklist.fit("short", 80) == "short")
    }

    @Test func serverTextCannotDriveTheTerminal() {
        let hostile = "ok\u{1B}]0;pwned\u{07}\u{1B}[2J\nnext\u{202E}line\u{9B}31m"
        let clean = TerminalText.clean(hostile)
        #expect(!clean.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        // Shown as escapes, not dropped: what the server sent stays readable.
        #expect(clean == #"ok\u{1B}]0;pwned\u{7}\u{1B}[2J next\u{202E}line\u{9B}31m"#)
        #expect(TerminalText.short(String(repeating: "a", count: 80), 60) == String(repeating: "a", count: 60) + "…")
    }

    @Test func choosingToolsKeepsEveryOtherKeyOfTheBlock() {
        let entry = ConfigValue.map([
            ConfigPair(key: "command", value: .string("x")),
            ConfigPair(key: "tools", value: .map([
                ConfigPair(key: "resources", value: .scalar("false")),
                ConfigPair(key: "exclude", value: .list([.string("a")])),
                ConfigPair(key: "prompts", value: .scalar("true")),
            ])),
            ConfigPair(key: "enabled", value: .scalar("true")),
        ])
        let some = ToolChoice.apply(include: ["b"], to: entry)
        #expect(some["tools"]?["include"]?.stringList == ["b"])
        #expect(some["tools"]?["exclude"] == nil)
        #expect(some["tools"]?["resources"]?.text == "false" && some["tools"]?["prompts"]?.text == "true")
        let all = ToolChoice.apply(include: nil, to: entry)
        #expect(all["tools"]?["include"] == nil && all["tools"]?["resources"]?.text == "false")
        // With nothing else in the block, choosing every tool removes it.
        let bare = ConfigValue.map([ConfigPair(key: "command", value: .string("x")),
                                    ConfigPair(key: "tools", value: .map([ConfigPair(key: "include", value: .list([.string("a")]))]))])
        #expect(ToolChoice.apply(include: nil, to: bare)["tools"] == nil)
        // A new block goes before `enabled`.
        let fresh = ToolChoice.apply(include: ["a"], to: .map([ConfigPair(key: "url", value: .string("u")), ConfigPair(key: "enabled", value: .scalar("true"))]))
        #expect(fresh.pairs?.map(\.key) == ["url", "tools", "enabled"])
        #expect(throws: (any Error).self) { try ToolChoice.parse("a,zzz", offered: ["a", "b"]) }
        #expect((try? ToolChoice.parse(" a , b ,", offered: ["a", "b"])) == ["a", "b"])
    }
}
