import ArgumentParser
import Foundation
import HermesOAuth

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the configured MCP servers.",
        discussion: """
            Examples:
              hermes mcp list
              hermes mcp ls --json
            """,
        aliases: ["ls"]
    )

    @Flag(name: .long, help: "Print the servers as JSON (secrets in headers and env masked).")
    var json = false

    func run() throws {
        try reportingFailures {
            let context = CLIContext()
            let config = try context.loadConfig()
            let names = config.serverNames
            if json {
                print(ServerListing.json(config: config, names: names))
            } else {
                ServerListing.printTable(config: config, names: names, terminal: context.terminal)
            }
        }
    }
}

/// The `list` output: hermes-agent's four-column table, or JSON for scripts.
enum ServerListing {
    static func printTable(config: ServerCatalogue, names: [String], terminal: Terminal) {
        guard !names.isEmpty else {
            print()
            terminal.info("No MCP servers configured.")
            print()
            terminal.info("Add one with:")
            terminal.info("  hermes mcp add <name> --url <endpoint>")
            terminal.info("  hermes mcp add <name> --command <cmd> --args <args...>")
            print()
            return
        }
        print()
        print(terminal.paint("  MCP Servers:", .cyanBold))
        print()
        print("  \(pad("Name", 16)) \(pad("Transport", 30)) \(pad("Tools", 12)) \(pad("Status", 10))")
        print("  \(String(repeating: "─", count: 16)) \(String(repeating: "─", count: 30)) \(String(repeating: "─", count: 12)) \(String(repeating: "─", count: 10))")
        for name in names {
            // The table shows what is written, not interpolated values: no secret can leak into it.
            let server = MCPServerConfig(name: name, raw: config.rawServer(named: name) ?? .null)
            let invalid = config.problem(forServer: name) != nil
            let status = invalid ? terminal.paint("✗ invalid", .red)
                : server.enabled ? terminal.paint("✓ enabled", .green) : terminal.paint("✗ disabled", .dim)
            print("  \(pad(name, 16)) \(pad(transportText(server, invalid: invalid), 30)) \(pad(toolsText(server), 12)) \(status)")
        }
        print()
        // Each broken entry is named with its line, so the table never hides why one is skipped.
        let problems = config.serverProblems
        for problem in problems { terminal.error(problem.description) }
        let warnings = names.compactMap { config.warning(forServer: $0) }
        for warning in warnings { terminal.warning(warning) }
        if !problems.isEmpty || !warnings.isEmpty { print() }
    }

    /// An invalid entry's values are cut like its problem text: a secret put under the wrong key
    /// is never shown whole.
    static func transportText(_ server: MCPServerConfig, invalid: Bool = false) -> String {
        func shown(_ text: String) -> String { invalid ? ServerEntryCheck.excerpt(text) : text }
        let text: String
        if let url = server.url {
            text = shown(url)
        } else if let command = server.command {
            text = ([command] + server.args.prefix(2)).map(shown).joined(separator: " ")
        } else {
            return "?"
        }
        return text.count > 28 ? String(text.prefix(25)) + "..." : text
    }

    static func toolsText(_ server: MCPServerConfig) -> String {
        let tools = server.tools
        if let include = tools.include, !include.isEmpty { return "\(include.count) selected" }
        if let exclude = tools.exclude, !exclude.isEmpty { return "-\(exclude.count) excluded" }
        return "all"
    }

    /// Left-justified to `width` characters like Python's `:<16`, never truncated.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func json(config: ServerCatalogue, names: [String]) -> String {
        var servers: [JSONValue] = []
        for name in names {
            let raw = config.rawServer(named: name) ?? .null
            let server = MCPServerConfig(name: name, raw: raw)
            let problem = config.problem(forServer: name)
            func shown(_ text: String) -> String { problem != nil ? ServerEntryCheck.excerpt(text) : text }
            var object: [String: JSONValue] = [
                "name": .string(name),
                // An `enabled:` that is the problem is null here, not a guess (and no warning).
                "enabled": problem?.key == "enabled" ? .null : .bool(server.enabled),
                "auth": server.auth.map(JSONValue.string) ?? .null,
            ]
            if let problem { object["problem"] = .string(problem.description) }
            switch server.transport {
            case .http(let url): object["transport"] = .string("http"); object["url"] = .string(shown(url))
            case .sse(let url): object["transport"] = .string("sse"); object["url"] = .string(shown(url))
            case .stdio(let command, let args):
                object["transport"] = .string("stdio")
                object["command"] = .string(shown(command))
                object["args"] = .array(args.map { .string(shown($0)) })
            case .none: object["transport"] = .null
            }
            let tools = server.tools
            object["tools"] = .object([
                "include": tools.include.map { .array($0.map(JSONValue.string)) } ?? .null,
                "exclude": tools.exclude.map { .array($0.map(JSONValue.string)) } ?? .null,
                "resources": .bool(tools.resources),
                "prompts": .bool(tools.prompts),
            ])
            object["headers"] = .array(server.headers.keys.sorted().map(JSONValue.string))
            object["env"] = .array(server.env.keys.sorted().map(JSONValue.string))
            servers.append(.object(object))
        }
        let data = JSONObject.encode(["servers": .array(servers)])
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
