import ArgumentParser
import HermesOAuth

struct DisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable a server: the agent skips it, its entry and tokens stay.",
        discussion: """
            Sets `enabled: false` in config.yaml; every other key of the entry is kept, and `hermes mcp enable` turns it back on.

            Examples:
              hermes mcp disable linear
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    func run() throws {
        try reportingFailures {
            let context = CLIContext()
            switch try ServerSwitch.set(name, enabled: false, context: context) {
            case .already:
                context.terminal.info("'\(name)' is already disabled; nothing changed.")
            case .changed:
                context.terminal.success("Disabled '\(name)'")
                context.terminal.info("Turn it back on with: hermes mcp enable \(ShellWord.quote(name))")
            }
        }
    }
}
