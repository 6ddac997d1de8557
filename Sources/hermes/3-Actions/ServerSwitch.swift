import HermesOAuth

/// Flips a server's `enabled:` in config.yaml under the config lock, keeping every other key of
/// the entry where it was. Shared by `enable` and `disable`.
enum ServerSwitch {
    enum Outcome { case changed, already }

    static func set(_ name: String, enabled: Bool, context: CLIContext) throws -> Outcome {
        let config = try context.loadConfig()
        _ = try context.server(named: name, in: config)
        return try ConfigFile.update(home: context.home) { file in
            guard let raw = file.rawServer(named: name) else {
                throw CLIFailure("'\(name)' vanished from config.yaml while it was being changed")
            }
            guard var pairs = raw.pairs else {
                throw CLIFailure("\(context.home.configPath): the entry of '\(name)' is not a mapping of settings; fix it by hand first")
            }
            let current = file.server(named: name, environment: context.environment)?.enabled ?? true
            if current == enabled { return .already }
            let value = ConfigValue.scalar(enabled ? "true" : "false")
            if let at = pairs.lastIndex(where: { $0.key == "enabled" }) {
                pairs[at].value = value
            } else {
                pairs.append(ConfigPair(key: "enabled", value: value))
            }
            try file.setServer(named: name, .map(pairs))
            return .changed
        }
    }

    /// After a login or test that worked: a disabled server still gives the agent nothing.
    static func remindIfDisabled(_ server: MCPServerConfig, terminal: Terminal) {
        guard !server.enabled else { return }
        terminal.warning("'\(server.name)' is still disabled: the agent does not use it. Enable it with: hermes mcp enable \(ShellWord.quote(server.name))")
    }
}
