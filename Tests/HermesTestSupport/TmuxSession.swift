import Foundation

/// A real terminal for tests of full-screen prompts: a program run in a detached tmux session on
/// a private server (its own socket, no user config), keys sent as a person types them, the
/// screen read back. The session and its server are killed when the object goes.
public final class TmuxSession: @unchecked Sendable {
    public let socket = "hermes-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    private let environment: [String: String]
    private let statusFile: String

    /// Starts `command` (run by /bin/sh) in a `columns`×`rows` window; its exit status is kept
    /// in a file so `waitForExit` can report it.
    public init(_ command: String, columns: Int = 100, rows: Int = 30, environment: [String: String],
                directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw ProgramError(description: "tmux is not installed (apt-get install tmux)")
        }
        var env = environment
        env["TERM"] = "xterm-256color"
        env.removeValue(forKey: "TMUX")
        self.environment = env
        statusFile = directory + "/tmux-status-\(UUID().uuidString.prefix(8))"
        let wrapped = "\(command); echo $? > \(statusFile); sleep 600"
        let result = try run("/usr/bin/tmux", ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(columns)", "-y", "\(rows)",
                                                "/bin/sh", "-c", wrapped], environment: env)
        guard result.status == 0 else { throw ProgramError(description: "tmux failed: \(result.stderr)") }
    }

    deinit { kill() }

    public func kill() {
        _ = try? run("/usr/bin/tmux", ["-L", socket, "kill-server"], environment: environment, timeout: 10)
    }

    /// Keys in tmux's names (`Down`, `Space`, `Enter`, `Escape`, `PageDown`, `C-c`) or literal text.
    public func send(_ keys: String...) throws {
        _ = try run("/usr/bin/tmux", ["-L", socket, "send-keys", "-t", "0"] + keys, environment: environment, timeout: 10)
    }

    public func screen() -> String {
        (try? run("/usr/bin/tmux", ["-L", socket, "capture-pane", "-p", "-t", "0"], environment: environment, timeout: 10))?.stdout ?? ""
    }

    /// Waits until the screen shows `text`; returns the screen either way.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 60) -> (found: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen()
            if last.contains(text) { return (true, last) }
            usleep(100_000)
        }
        return (false, last)
    }

    /// The command's exit status once it ends, nil if it does not end within `timeout`.
    public func waitForExit(timeout: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: statusFile, encoding: .utf8),
               let status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return status
            }
            usleep(100_000)
        }
        return nil
    }
}
