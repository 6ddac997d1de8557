import Glibc

/// Runs a `Checklist` on the terminal: arrow keys (or j/k), space, `a`, enter, esc. Returns the
/// chosen indices, or nil when the person cancelled or the terminal went away.
enum ChecklistPrompt {
    static func run(_ initial: Checklist, colour: Bool) -> [Int]? {
        guard let terminal = RawTerminal() else { return nil }
        terminal.enter()
        defer { terminal.leave() }
        var checklist = initial
        var decoder = KeyDecoder()
        var drawnSize = (columns: 0, rows: 0)
        var dirty = true
        while true {
            let size = terminal.size
            if dirty || size != drawnSize {
                let lines = checklist.render(width: size.columns, height: size.rows, colour: colour)
                terminal.write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
                drawnSize = size
                dirty = false
            }
            // A lone ESC is told from the start of an arrow key's sequence by what follows soon.
            guard let bytes = terminal.read(waiting: decoder.isInsideSequence ? 60 : 250) else { return nil }
            var keys: [Key] = []
            if bytes.isEmpty, let key = decoder.timeout() { keys.append(key) }
            for byte in bytes { if let key = decoder.feed(byte) { keys.append(key) } }
            for key in keys {
                switch checklist.apply(key, height: size.rows) {
                case .running: dirty = true
                case .confirmed(let chosen): return chosen
                case .cancelled: return nil
                }
            }
        }
    }
}
