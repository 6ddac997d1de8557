import ArgumentParser

struct EnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Enable a server, so the agent connects to it and offers its tools.",
        discussion: """
            Sets `enabled: true` in config.yaml; every other key of the entry is kept.

            Examples:
              hermes mcp enable linear
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    func run() throws {
        try reportingFailures {
            let context = CLIContext()
            switch try ServerSwitch.set(name, enabled: true, context: context) {
            case .already:
                context.terminal.info("'\(name)' is already enabled; nothing changed.")
            case .changed:
                context.terminal.success("Enabled '\(name)'")
                context.terminal.info("Start a new session to use its tools.")
            }
        }
    }
}
