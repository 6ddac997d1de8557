import Foundation
import HermesTestSupport

/// Stand-ins for the programs hermes' examples name (`uvx`, `npx`, `codex`, `firefox`) and for
/// `hermes` itself, in a directory put first on PATH. Each server stand-in records the arguments
/// it was started with (so a test sees exactly what the server got) and then runs the stdio peer;
/// `firefox` runs the browser stand-in, which approves the login on loopback.
struct CommandShims {
    let directory: String

    init(in parent: String) throws {
        directory = parent + "/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let python = try Peers.python
        for name in ["uvx", "npx", "codex"] {
            try Self.write(directory + "/" + name, """
                #!/bin/sh
                { for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\n'; } >> '\(directory)/\(name).argv'
                PEER_STANDINS=1 exec '\(python)' '\(Peers.script("plain_stdio_server.py"))'
                """)
        }
        try Self.write(directory + "/firefox", """
            #!/bin/sh
            exec '\(Peers.script("browser.sh"))' "$@"
            """)
        try FileManager.default.createSymbolicLink(atPath: directory + "/hermes", withDestinationPath: Build.product("hermes"))
    }

    private static func write(_ path: String, _ text: String) throws {
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    /// The argument lists `name` was started with, oldest first.
    func invocations(_ name: String) -> [[String]] {
        guard let text = try? String(contentsOfFile: directory + "/" + name + ".argv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { line in
            line.split(separator: "\u{1F}", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
    }

    /// The CLI's test environment with the stand-ins first on PATH.
    func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var env = Build.environment(home: home, extra: extra)
        env["PATH"] = directory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        return env
    }
}
