/// `word` as one shell word, for every command hermes suggests: unchanged when nothing in it is
/// special, else in single quotes.
public enum ShellWord {
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy(isSafe), !word.hasPrefix("~") { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    static func isSafe(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "_-./~+,:@=".contains(c))
    }
}
