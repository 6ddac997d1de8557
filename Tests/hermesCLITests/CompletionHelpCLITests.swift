import Foundation
import HermesTestSupport
import Testing
@testable import hermes

/// The bash completion script as bash runs it (the completion function called with COMP_WORDS
/// and COMP_CWORD as readline sets them), and the help as it wraps at a narrow and a wide width.
@Suite(.timeLimit(.minutes(3))) struct CompletionHelpCLITests {
    let dir = TemporaryDirectory("hermes-complete")
    var home: String { dir.path + "/home" }

    /// What bash offers after `words` with the cursor at the end of the last one.
    func complete(_ words: [String], script: String) async throws -> [String] {
        let hermes = Build.product("hermes")
        let line = ([hermes] + words).joined(separator: " ")
        let quoted = ([hermes] + words).map { "'\($0)'" }.joined(separator: " ")
        let program = """
            source '\(script)'
            COMP_WORDS=(\(quoted))
            COMP_CWORD=\(words.count)
            COMP_LINE='\(line)'
            COMP_POINT=${#COMP_LINE}
            COMPREPLY=()
            _hermes '\(hermes)' '\(words.last ?? "")' '\(words.dropLast().last ?? hermes)'
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try await run("/bin/bash", ["-c", program], environment: Build.environment(home: home), timeout: 30)
        #expect(result.status == 0, "\(words): \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    @Test func serverNamesAuthValuesAndAliasesComplete() async throws {
        try dir.write("home/config.yaml", """
            mcp_servers:
              linear:
                url: https://mcp.linear.app/mcp
                auth: oauth
              time:
                command: uvx
                args: [mcp-server-time]
            """)
        let generated = try await run(Build.product("hermes"), ["--generate-completion-script", "bash"], environment: Build.environment(home: home))
        #expect(generated.status == 0)
        try dir.write("hermes.bash", generated.stdout)
        let script = dir.file("hermes.bash")

        for command in ["login", "logout", "test", "call", "resources", "read", "prompts", "prompt", "status", "remove", "configure", "reauth", "enable", "disable", "rm", "config"] {
            #expect(try await complete(["mcp", command, ""], script: script) == ["linear", "time"], "after \(command)")
            #expect(try await complete(["mcp", command, "li"], script: script) == ["linear"], "after \(command) li")
        }
        #expect(try await complete(["mcp", "add", "x", "--auth", ""], script: script) == ["header", "oauth"])
        // `ls` offers list's flags.
        #expect(try await complete(["mcp", "ls", "--"], script: script).contains("--json"))
        #expect(try await complete(["mcp", "list", "--"], script: script).contains("--json"))
    }

    /// zsh dispatches like bash; fish renames an alias to its command while parsing.
    @Test func theZshAndFishScriptsKnowTheAliases() async throws {
        let zsh = try await run(Build.product("hermes"), ["--generate-completion-script", "zsh"], environment: Build.environment(home: home))
        #expect(zsh.stdout.contains("add|list|remove|test|configure|call|resources|read|prompts|prompt|status|login|logout|reauth|enable|disable|ls|rm|config)"))
        #expect(zsh.stdout.contains("_hermes_mcp_rm() { _hermes_mcp_remove \"$@\"; }"))
        let fish = try await run(Build.product("hermes"), ["--generate-completion-script", "fish"], environment: Build.environment(home: home))
        #expect(fish.stdout.contains("case 'remove' 'rm'\n                set unparsed_tokens[1] 'remove'\n"))
        #expect(fish.stdout.contains("case 'list' 'ls'\n") && fish.stdout.contains("case 'configure' 'config'\n"))
    }

    static var commandPaths: [[String]] {
        [[], ["mcp"]] + MCPCommand.configuration.subcommands.compactMap { $0.configuration.commandName.map { ["mcp", $0] } }
    }

    /// At any width, no line is longer than the width (unless it is one word that cannot be
    /// broken), and a paragraph fills its lines: the next line's first word would not have fit,
    /// which a paragraph with hard line breaks in its source fails at one width or another.
    @Test(arguments: [60, 120]) func helpWrapsCleanly(columns: Int) async throws {
        for path in Self.commandPaths {
            var env = Build.environment(home: home)
            env["COLUMNS"] = "\(columns)"
            let help = try await run(Build.product("hermes"), path + ["--help"], environment: env)
            #expect(help.status == 0)
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // swift-argument-parser never wraps the USAGE synopsis; everything else must fit.
            for line in lines where line.count > columns && !line.hasPrefix("USAGE: ") {
                #expect(!line.trimmingCharacters(in: .whitespaces).contains(" "), "\(path) at \(columns): \(line)")
            }
            // The overview and discussion: everything before USAGE, examples aside.
            let prose = lines.prefix { !$0.hasPrefix("USAGE:") }
            var inExamples = false
            for (line, next) in zip(prose, prose.dropFirst()) {
                if line.trimmingCharacters(in: .whitespaces) == "Examples:" { inExamples = true }
                if line.isEmpty { inExamples = false }
                guard !inExamples, !line.isEmpty, !next.isEmpty,
                      let word = next.split(separator: " ").first else { continue }
                // swift-argument-parser breaks a line once it would reach the last column.
                #expect(line.count + 1 + word.count >= columns,
                        "\(path) at \(columns): a paragraph is broken early:\n\(line)\n\(next)")
            }
        }
    }
}
