import ArgumentParser

/// The shell completion scripts, with command aliases (`rm`, `ls`, `config`) completing like the
/// commands they stand for. swift-argument-parser's scripts dispatch on the subcommand's name
/// only, so after `hermes mcp rm ` they offered the subcommand list again instead of server
/// names; in bash and zsh each alias is added to the dispatch and given a function that calls its
/// command's, in fish it is added to its command's case and renamed to it.
enum CompletionScript {
    /// The shell named by `--generate-completion-script SHELL` (or `=SHELL`), when that is all the
    /// command line asks for.
    static func requestedShell(_ arguments: [String]) -> CompletionShell? {
        let flag = "--generate-completion-script"
        if arguments.count == 2, arguments[0] == flag { return CompletionShell(rawValue: arguments[1]) }
        if arguments.count == 1, arguments[0].hasPrefix(flag + "=") {
            return CompletionShell(rawValue: String(arguments[0].dropFirst(flag.count + 1)))
        }
        return nil
    }

    static func generate(for shell: CompletionShell) -> String {
        var script = HermesCommand.completionScript(for: shell)
        if shell == .fish { return fishWithAliases(script) }
        guard shell == .bash || shell == .zsh else { return script }
        var functions: [String] = []
        func visit(_ command: ParsableCommand.Type, function: String) {
            let subcommands = command.configuration.subcommands.filter { $0.configuration.shouldDisplay }
            let names = subcommands.map(name)
            var dispatch = names
            for subcommand in subcommands {
                for alias in subcommand.configuration.aliases {
                    dispatch.append(alias)
                    functions.append("\(function)_\(alias)() { \(function)_\(name(subcommand)) \"$@\"; }")
                }
                visit(subcommand, function: "\(function)_\(name(subcommand))")
            }
            if dispatch != names {
                script = script.replacingOccurrences(of: names.joined(separator: "|") + ")",
                                                     with: dispatch.joined(separator: "|") + ")")
            }
        }
        visit(HermesCommand.self, function: "_hermes")
        guard !functions.isEmpty else { return script }
        // Before the line that registers the completion, so the functions exist when it runs.
        let registration = shell == .bash ? "\ncomplete -o filenames -F " : "\ncompdef "
        let block = "\n" + functions.joined(separator: "\n") + "\n"
        if let range = script.range(of: registration, options: .backwards) {
            script.insert(contentsOf: block, at: range.lowerBound)
        } else {
            script += block
        }
        return script
    }

    /// fish's script tracks the command path by the words typed and compares it with each
    /// command's own path, so an alias also has to be renamed to its command as it is parsed.
    static func fishWithAliases(_ script: String) -> String {
        var script = script
        func visit(_ command: ParsableCommand.Type) {
            for subcommand in command.configuration.subcommands where subcommand.configuration.shouldDisplay {
                let aliases = subcommand.configuration.aliases
                let name = name(subcommand)
                if !aliases.isEmpty, let range = script.range(of: "case '\(name)'\n") {
                    let indent = script[range.upperBound...].prefix { $0 == " " }
                    let replacement = "case '\(name)' " + aliases.map { "'\($0)'" }.joined(separator: " ") + "\n"
                        + indent + "set unparsed_tokens[1] '\(name)'\n"
                    script.replaceSubrange(range, with: replacement)
                }
                visit(subcommand)
            }
        }
        visit(HermesCommand.self)
        return script
    }

    private static func name(_ command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }
}
