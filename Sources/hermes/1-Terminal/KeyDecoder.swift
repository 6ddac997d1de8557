/// The keys a checklist understands, decoded from the bytes a terminal sends. Terminals and tmux
/// send arrows either as CSI (`ESC [ A`) or, in application cursor mode, as SS3 (`ESC O A`); both
/// are accepted, as are the vi keys and Emacs' Ctrl-P/Ctrl-N.
enum Key: Equatable, Sendable {
    case up, down, pageUp, pageDown, home, end
    case toggle, toggleAll, confirm, cancel
    case other
}

struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    /// True while an escape sequence has started but not ended: the caller waits briefly for its
    /// rest before taking a lone ESC as "cancel".
    var isInsideSequence: Bool { !pending.isEmpty }

    /// Feeds one byte; returns a key once one is complete.
    mutating func feed(_ byte: UInt8) -> Key? {
        if pending.isEmpty {
            switch byte {
            case 0x1B: pending = [byte]; return nil
            case 0x20: return .toggle
            case 0x0D, 0x0A: return .confirm
            case 0x03, UInt8(ascii: "q"): return .cancel
            case 0x10, UInt8(ascii: "k"): return .up
            case 0x0E, UInt8(ascii: "j"): return .down
            case UInt8(ascii: "a"): return .toggleAll
            case UInt8(ascii: "g"): return .home
            case UInt8(ascii: "G"): return .end
            default: return .other
            }
        }
        pending.append(byte)
        if pending.count == 2 {
            // ESC followed by anything but [ or O was a lone ESC and a key of its own; a person
            // pressing ESC means "cancel".
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") { return nil }
            pending.removeAll()
            return .cancel
        }
        // A CSI/SS3 sequence ends with a byte in 0x40...0x7E; guard against endless garbage.
        guard (0x40...0x7E).contains(byte) || pending.count >= 8 else { return nil }
        let sequence = pending
        pending.removeAll()
        switch Array(sequence.dropFirst()) {
        case [0x5B, 0x41], [0x4F, 0x41]: return .up
        case [0x5B, 0x42], [0x4F, 0x42]: return .down
        case [0x5B, 0x48], [0x4F, 0x48], [0x5B, 0x31, 0x7E], [0x5B, 0x37, 0x7E]: return .home
        case [0x5B, 0x46], [0x4F, 0x46], [0x5B, 0x34, 0x7E], [0x5B, 0x38, 0x7E]: return .end
        case [0x5B, 0x35, 0x7E]: return .pageUp
        case [0x5B, 0x36, 0x7E]: return .pageDown
        default: return .other
        }
    }

    /// The pending ESC had nothing after it in time: it was the ESC key.
    mutating func timeout() -> Key? {
        guard !pending.isEmpty else { return nil }
        pending.removeAll()
        return .cancel
    }
}
