import ArgumentParser
import Foundation
import Glibc
import HermesMCP
import HermesOAuth
import MCP

struct ConfigureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure",
        abstract: "Choose which of a server's tools are enabled.",
        discussion: """
            Connects to the server, lists its tools and opens a checklist (arrow keys or j/k to move, space to toggle, a for all/none, enter to save, esc to cancel). Only the tool choice changes: `tools.resources`, `tools.prompts` and every other key are kept. With --tools or --all-tools it runs without a terminal.

            Examples:
              hermes mcp configure linear
              hermes mcp configure time --tools get_current_time
              hermes mcp configure time --all-tools
            """,
        aliases: ["config"]
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String
    @Option(help: "Comma-separated tools to enable (no checklist).") var tools: String?
    @Flag(help: "Enable every tool (no checklist).") var allTools = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let scripted = tools != nil || allTools
            if !scripted, isatty(STDIN_FILENO) != 1 || isatty(STDOUT_FILENO) != 1 {
                throw CLIFailure("'hermes mcp configure' requires an interactive terminal (or --tools / --all-tools).")
            }
            let config = try context.loadConfig()
            let server = try context.server(named: name, in: config)
            terminal.line()
            terminal.line("  Connecting to '\(name)' to discover tools...", .cyan)
            let offered: [Tool]
            do {
                offered = try await ServerProbe.tools(of: server, context: context)
            } catch {
                throw CLIFailure(await Advice.connectionFailure(error, server: server, home: context.home))
            }
            if offered.isEmpty {
                terminal.info("Server reports no tools.")
                return
            }
            let names = offered.map(\.name)
            let filter = server.tools
            let current = Set(names.indices.filter { filter.allows(names[$0]) })
            let chosen: Set<Int>
            if let tools {
                let wanted = try ToolChoice.parse(tools, offered: names)
                chosen = Set(names.indices.filter { wanted.contains(names[$0]) })
            } else if allTools {
                chosen = Set(names.indices)
            } else {
                terminal.info("Currently \(current.count)/\(names.count) tools enabled for '\(name)'.")
                let checklist = Checklist(heading: "Select tools for '\(name)'",
                                          items: offered.map { .init(title: TerminalText.clean($0.name), detail: TerminalText.short($0.description ?? "", 60)) },
                                          preselected: current)
                guard let picked = ChecklistPrompt.run(checklist, colour: terminal.colour) else {
                    terminal.info("Cancelled — no changes made.")
                    return
                }
                chosen = Set(picked)
            }
            let stale = (filter.include ?? []).filter { !names.contains($0) }
            if chosen == current, stale.isEmpty {
                terminal.info("No changes made.")
                return
            }
            try ConfigFile.update(home: context.home) { file in
                guard let raw = file.rawServer(named: name) else { throw CLIFailure("'\(name)' vanished from config.yaml while configuring") }
                let include = chosen.count == names.count ? nil : names.indices.filter { chosen.contains($0) }.map { names[$0] }
                try file.setServer(named: name, ToolChoice.apply(include: include, to: raw))
            }
            for tool in stale { terminal.warning("Dropped '\(tool)' from tools.include: the server no longer lists it.") }
            if chosen.isEmpty { terminal.warning("No tools enabled: the server stays configured but offers nothing.") }
            terminal.success("Updated config: \(chosen.count)/\(names.count) tools enabled")
            terminal.info("Start a new session for changes to take effect.")
        }
    }
}

/// Reading `--tools` and writing the choice into an entry's `tools:` block.
enum ToolChoice {
    static func parse(_ text: String, offered: [String]) throws -> [String] {
        let wanted = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let unknown = wanted.filter { !offered.contains($0) }
        if !unknown.isEmpty {
            throw CLIFailure("unknown tool(s): \(unknown.joined(separator: ", ")) (available: \(offered.joined(separator: ", ")))")
        }
        return wanted
    }

    /// Sets `tools.include` (nil: every tool) and drops `exclude`, keeping `resources`, `prompts`
    /// and anything else in the block; the block goes only when nothing is left in it.
    static func apply(include: [String]?, to entry: ConfigValue) -> ConfigValue {
        var pairs = entry.pairs ?? []
        var block = pairs.last(where: { $0.key == "tools" })?.value.pairs ?? []
        block.removeAll { $0.key == "include" || $0.key == "exclude" }
        if let include { block.append(ConfigPair(key: "include", value: .list(include.map(ConfigValue.string)))) }
        if let at = pairs.lastIndex(where: { $0.key == "tools" }) {
            if block.isEmpty { pairs.remove(at: at) } else { pairs[at].value = .map(block) }
        } else if !block.isEmpty {
            let at = pairs.lastIndex(where: { $0.key == "enabled" }) ?? pairs.endIndex
            pairs.insert(ConfigPair(key: "tools", value: .map(block)), at: at)
        }
        return .map(pairs)
    }
}
