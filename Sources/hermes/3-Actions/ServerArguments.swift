/// The arguments of a stdio server's command, as a person types them after `--args` (or `--`):
/// `hermes mcp add time --command uvx --args mcp-server-time --local-timezone UTC`.
///
/// Everything after `--args` belongs to the server's command verbatim, including words that look
/// like hermes options (`-y`, `--local-timezone`), as in hermes-agent, where `--args` is
/// argparse.REMAINDER. swift-argument-parser cannot express that (an array option stops at the
/// next known option and takes `-y` for `--yes`), so the command line of `mcp add` is split
/// before it is parsed.
enum ServerArguments {
    struct Split: Equatable {
        /// What swift-argument-parser parses.
        var hermes: [String]
        /// The server's arguments; nil when neither `--args` nor `--` was given.
        var server: [String]?
    }

    /// Splits `arguments` (without the program name). Only `mcp add` is split: every other
    /// command's arguments come back whole.
    static func split(_ arguments: [String]) -> Split {
        guard arguments.count > 2, arguments[0] == "mcp", arguments[1] == "add" else {
            return Split(hermes: arguments, server: nil)
        }
        for index in 2..<arguments.count {
            let word = arguments[index]
            let before = Array(arguments[..<index])
            var rest = Array(arguments[(index + 1)...])
            if word == "--" {
                return Split(hermes: before, server: rest)
            }
            if word == "--args" {
                // `--args -- -x` lets a script mark the start explicitly, as argparse allows.
                if rest.first == "--" { rest.removeFirst() }
                return Split(hermes: before, server: rest)
            }
            if word.hasPrefix("--args=") {
                return Split(hermes: before, server: [String(word.dropFirst("--args=".count))] + rest)
            }
        }
        return Split(hermes: arguments, server: nil)
    }
}
