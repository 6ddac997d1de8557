import Foundation

/// A real terminal for tests of full-screen prompts: a program run in a detached tmux session on
/// a private server (its own socket, no user config), keys sent as a person types them, the
/// screen read back. The session and its server are killed when the object goes. Each tmux command
/// is a short blocking spawn; the waits for the screen or the exit poll with `Task.sleep`.
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
        // Not through Foundation's Process: the tmux server outlives its client, holds inherited
        // descriptors and confuses Process's child tracking; a plain spawn and waitpid do not.
        let arguments = ["/usr/bin/tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(columns)", "-y", "\(rows)",
                         "/bin/sh", "-c", wrapped]
        let status = try Self.spawnAndWait(arguments, environment: env)
        guard status == 0 else { throw ProgramError(description: "tmux new-session failed (\(status))") }
    }

    @discardableResult
    private static func spawnAndWait(_ arguments: [String], environment: [String: String], output: String = "/dev/null") throws -> Int32 {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The test runner's threads block most signals and a spawned program inherits that mask;
        // tmux would then never see SIGCHLD or SIGTERM. Start it with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw ProgramError(description: "could not start tmux: errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status >> 8) & 0xFF
    }

    deinit { kill() }

    public func kill() {
        _ = try? Self.spawnAndWait(["/usr/bin/tmux", "-L", socket, "kill-server"], environment: environment)
        try? FileManager.default.removeItem(atPath: "/tmp/tmux-\(getuid())/\(socket)")
    }

    /// Keys in tmux's names (`Down`, `Space`, `Enter`, `Escape`, `PageDown`, `C-c`) or literal text.
    public func send(_ keys: String...) throws {
        try Self.spawnAndWait(["/usr/bin/tmux", "-L", socket, "send-keys", "-t", "0"] + keys, environment: environment)
    }

    public func screen() -> String {
        let file = statusFile + ".screen"
        _ = try? Self.spawnAndWait(["/usr/bin/tmux", "-L", socket, "capture-pane", "-p", "-t", "0"], environment: environment, output: file)
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    /// Waits until the screen shows `text`; returns the screen either way.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 60) async -> (found: Bool, screen: String) {
        var last = ""
        let found = (try? await waitUntil(timeout: timeout, poll: 0.1) {
            last = self.screen()
            return last.contains(text)
        }) ?? false
        return (found, last)
    }

    /// The command's exit status once it ends, nil if it does not end within `timeout`.
    public func waitForExit(timeout: Double = 60) async -> Int32? {
        var status: Int32?
        _ = try? await waitUntil(timeout: timeout, poll: 0.1) {
            if let text = try? String(contentsOfFile: self.statusFile, encoding: .utf8) {
                status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return status != nil
        }
        return status
    }
}
