import HermesOAuth

/// What `hermes mcp call` refuses so that it shows what the agent would receive: the agent never
/// connects to a disabled server and never sees a tool that `tools.include`/`exclude` leaves out.
enum CallGate {
    static func check(_ server: MCPServerConfig, tool: String) throws {
        let name = server.name
        if !server.enabled {
            throw CLIFailure("'\(name)' is disabled in config.yaml, so the agent does not connect to it. Enable it with `hermes mcp enable \(ShellWord.quote(name))`, or pass --force to call it anyway.")
        }
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
}
