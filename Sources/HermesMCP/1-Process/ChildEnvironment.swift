/// The environment a stdio MCP server starts with, as hermes-agent builds it: a few variables from
/// the parent (`PATH HOME USER LANG LC_ALL TERM SHELL TMPDIR` and every `XDG_*`), then the
/// server's `env` from config on top. Nothing else leaks in: no API keys, no tokens.
public enum ChildEnvironment {
    public static let inherited: Set<String> = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TERM", "SHELL", "TMPDIR"]

    public static func build(parent: [String: String], configured: [String: String]) -> [String: String] {
        var env = parent.filter { inherited.contains($0.key) || $0.key.hasPrefix("XDG_") }
        for (key, value) in configured { env[key] = value }
        return env
    }
}
