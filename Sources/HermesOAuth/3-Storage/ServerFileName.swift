/// Maps a server name to the stem of its files in `mcp-tokens/`.
///
/// hermes-agent uses `re.sub(r"[^\w\-]", "_", name).strip("_")[:128] or "default"`, which keeps
/// `../../x` inside the directory but lets distinct names share a file (`a.b` and `a_b`). hermes
/// keeps the reference's stem whenever it left the name unchanged, so files hermes-agent wrote are
/// found, and otherwise appends `~` and a hash of the original name. `~` never survives the
/// reference's sanitising, so a hashed stem can never equal any unchanged name's stem.
public enum ServerFileName {
    /// Bytes of a stem before the hash, so that `<stem>~<12 hex>.client.json.bak` stays well inside
    /// the 255-byte file-name limit even for names in four-byte scripts.
    static let maxStemBytes = 200

    public static func stem(for name: String) -> String {
        let plain = referenceStem(for: name)
        if plain == name, name.utf8.count <= maxStemBytes { return plain }
        var base = ""
        for scalar in plain.unicodeScalars {
            if base.utf8.count + String(scalar).utf8.count > maxStemBytes { break }
            base.unicodeScalars.append(scalar)
        }
        let digest = Crypto.hex(Crypto.sha256(name).prefix(6))
        return base + "~" + digest
    }

    /// Exactly hermes-agent's `_safe_filename`. Python's `\w` on `str` is Unicode-aware: letters
    /// and numbers of any script, plus `_`; `[:128]` counts code points.
    public static func referenceStem(for name: String) -> String {
        var mapped = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            mapped.append(isWordOrHyphen(scalar) ? scalar : "_")
        }
        var scalars = Array(mapped)
        while let first = scalars.first, first == "_" { scalars.removeFirst() }
        while let last = scalars.last, last == "_" { scalars.removeLast() }
        let kept = String(String.UnicodeScalarView(scalars.prefix(128)))
        return kept.isEmpty ? "default" : kept
    }

    private static func isWordOrHyphen(_ s: Unicode.Scalar) -> Bool {
        if s == "_" || s == "-" { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
