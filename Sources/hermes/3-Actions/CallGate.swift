import HermesOAuth

/// What `hermes mcp call` (and `resources`, `read`, `prompts`, `prompt`) refuses so that it shows
/// what the agent would receive: the agent never connects to a disabled server, never sees a tool
/// that `tools.include`/`exclude` leaves out, and gets no resource or prompt utilities where
/// `tools.resources`/`tools.prompts` is false.
enum CallGate {
    static func check(_ server: MCPServerConfig, tool: String) throws {
        try checkEnabled(server)
        let name = server.name
        let filter = server.tools
        guard !filter.allows(tool) else { return }
        let shown = TerminalText.clean(tool)
        let why: String
        if let include = filter.include {
            why = "tools.include of '\(name)' does not list it (it lists: \(include.isEmpty ? "nothing" : include.map(TerminalText.clean).joined(separator: ", ")))"
        } else {
            why = "tools.exclude of '\(name)' lists it"
        }
        throw CLIFailure("the agent does not get tool '\(shown)': \(why). Change it with `hermes mcp configure \(ShellWord.quote(name))`, or pass --force to call it anyway.")
    }

    /// The resource or prompt utilities hermes-agent registers for a server, each behind its key.
    enum Utility: String {
        case resources, prompts
    }

    static func check(_ server: MCPServerConfig, utility: Utility) throws {
        try checkEnabled(server)
        let filter = server.tools
        guard !(utility == .resources ? filter.resources : filter.prompts) else { return }
        let key = "tools.\(utility.rawValue)"
        throw CLIFailure("the agent does not get the \(utility.rawValue) of '\(server.name)': \(key) is false in config.yaml. Set \(key): true there, or pass --force to ask anyway.")
    }

    private static func checkEnabled(_ server: MCPServerConfig) throws {
        let name = server.name
        if !server.enabled {
            throw CLIFailure("'\(name)' is disabled in config.yaml, so the agent does not connect to it. Enable it with `hermes mcp enable \(ShellWord.quote(name))`, or pass --force to call it anyway.")
        }
    }
}
