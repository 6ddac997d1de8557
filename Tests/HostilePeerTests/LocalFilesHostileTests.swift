import Foundation
import HermesOAuth
import HermesTestSupport
import Testing

/// Another local process (or a careless script) puts something that is not a file where hermes
/// reads one: a FIFO, whose open blocks until a writer appears, or a link to /dev/zero, which
/// never ends. Every command must come back promptly with a message that names the file.
@Suite(.timeLimit(.minutes(3))) struct SpecialFilesInHermesHomeTests {
    let home = HostileHome()
    /// Far below the CLI's own deadlines: a command that opened the FIFO would still be waiting.
    let prompt = 20.0

    init() throws {
        try home.config("""
            mcp_servers:
              demo:
                url: http://127.0.0.1:9/mcp
                auth: oauth
                connect_timeout: 5
            """)
    }

    func fifo(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(mkfifo(path, 0o600) == 0)
    }

    @Test func aFIFOAtATokenPathReadsAsNoTokens() async throws {
        let tokens = home.tokenDirectory + "/demo.json"
        try fifo(tokens)
        let status = try await home.hermes(["mcp", "status"], timeout: prompt)
        #expect(status.stdout.contains("Tokens unusable (left as they are): \(tokens): it is a FIFO, not a regular file"),
                "\(status.stdout)\n\(status.stderr)")
        let list = try await home.hermes(["mcp", "list"], timeout: prompt)
        #expect(list.status == 0 && list.stdout.contains("demo"), "\(list.stdout)\n\(list.stderr)")
        let test = try await home.hermes(["mcp", "test", "demo"], timeout: prompt)
        #expect(test.status == 1)
        #expect(test.stderr.contains("it is a FIFO, not a regular file"), "\(test.stderr)")
        // Nothing usable is stored and nothing listens there: the server being down is what to fix first.
        #expect(test.stderr.contains("error: cannot reach 'demo' at http://127.0.0.1:9/mcp ("), "\(test.stderr)")
        // Left as it was: the person may want to see who put it there.
        var st = stat()
        #expect(lstat(tokens, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func aLinkToDevZeroAtATokenPathIsRefusedAsALink() async throws {
        let tokens = home.tokenDirectory + "/demo.json"
        try FileManager.default.createDirectory(atPath: home.tokenDirectory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tokens, withDestinationPath: "/dev/zero")
        let status = try await home.hermes(["mcp", "status"], timeout: prompt)
        #expect(status.stdout.contains("\(tokens): it is a symbolic link, which hermes never follows"), "\(status.stdout)")
        let test = try await home.hermes(["mcp", "test", "demo"], timeout: prompt)
        #expect(test.status == 1 && test.stderr.contains("error: cannot reach 'demo'"), "\(test.stdout)\n\(test.stderr)")
    }

    @Test(arguments: ["fifo", "/dev/zero"])
    func aSpecialConfigFileIsAClearError(kind: String) async throws {
        let config = home.path + "/config.yaml"
        try FileManager.default.removeItem(atPath: config)
        if kind == "fifo" {
            try fifo(config)
        } else {
            // A symlinked config.yaml is allowed (dotfiles), so the link is followed: to a device.
            try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: kind)
        }
        let what = kind == "fifo" ? "it is a FIFO, not a regular file" : "it is a character device, not a regular file"
        for args in [["mcp", "status"], ["mcp", "list"], ["mcp", "test", "demo"]] {
            let result = try await home.hermes(args, timeout: prompt)
            #expect(result.status == 1, "\(args)")
            #expect(result.stderr.contains("\(config): not read: \(what)"), "\(args): \(result.stdout)\n\(result.stderr)")
        }
    }

    @Test(arguments: ["fifo", "/dev/zero"])
    func aSpecialDotEnvIsIgnoredWithAWarning(kind: String) async throws {
        let env = home.path + "/.env"
        if kind == "fifo" {
            try fifo(env)
        } else {
            try FileManager.default.createSymbolicLink(atPath: env, withDestinationPath: kind)
        }
        let what = kind == "fifo" ? "it is a FIFO, not a regular file" : "it is a character device, not a regular file"
        // `list` shows config.yaml as written and never needs .env; the others interpolate with it.
        for args in [["mcp", "status"], ["mcp", "list"], ["mcp", "test", "demo"]] {
            let result = try await home.hermes(args, timeout: prompt)
            if args != ["mcp", "list"] {
                #expect(result.stderr.contains("\(env): not read: \(what); its variables are ignored"), "\(args): \(result.stderr)")
            }
            #expect(result.stdout.contains("demo"), "\(args): \(result.stdout)")
        }
        var st = stat()
        #expect(lstat(env, &st) == 0 && st.st_mode & S_IFMT == (kind == "fifo" ? S_IFIFO : S_IFLNK))
    }
}

/// `HERMES_HOME` and `logs/` hold tokens and servers' stderr: private from the first moment,
/// whichever command creates them, whatever the umask.
@Suite(.timeLimit(.minutes(3))) struct HermesHomeModeTests {
    let dir = TemporaryDirectory("hermes-modes")

    func mode(_ path: String) -> Int {
        var st = stat()
        guard lstat(path, &st) == 0 else { return -1 }
        return Int(st.st_mode & 0o7777)
    }

    /// The built `hermes` under `umask`, with `home` as HERMES_HOME.
    func hermes(_ args: [String], home: String, umask: String) async throws -> ProgramResult {
        try await run("/bin/sh", ["-c", "umask \(umask) && exec \"$0\" \"$@\"", Build.product("hermes")] + args,
                environment: Build.environment(home: home), timeout: 60)
    }

    @Test(arguments: ["022", "000"])
    func aStdioServerCreatesAPrivateHome(umask: String) async throws {
        let home = dir.path + "/fresh-\(umask)/hermes"
        let python = try Peers.python
        // `mcp add` connects first (spawning the server, whose stderr goes to logs/) and saves after.
        let add = try await hermes(["mcp", "add", "peer", "--command", python, "--all-tools", "--args", Peers.script("plain_stdio_server.py")],
                             home: home, umask: umask)
        #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        #expect(mode(dir.path + "/fresh-\(umask)") == 0o700)
        #expect(mode(home) == 0o700)
        #expect(mode(home + "/logs") == 0o700)
        #expect(mode(home + "/logs/mcp-stderr.log") == 0o600)
        #expect(mode(home + "/config.yaml") == 0o600)

        // logs/ gone (a person cleaned up): `mcp test` makes it again, private again.
        try FileManager.default.removeItem(atPath: home + "/logs")
        let test = try await hermes(["mcp", "test", "peer"], home: home, umask: umask)
        #expect(test.status == 0, "\(test.stdout)\n\(test.stderr)")
        #expect(mode(home + "/logs") == 0o700)
        #expect(mode(home + "/logs/mcp-stderr.log") == 0o600)
    }

    @Test func aLogLeftReadableIsTightenedAndALinkedLogIsNotWritten() async throws {
        let home = dir.path + "/home"
        let python = try Peers.python
        try FileManager.default.createDirectory(atPath: home + "/logs", withIntermediateDirectories: true)
        // The server says something on stderr before it starts, as real ones do.
        try dir.write("home/config.yaml", """
            mcp_servers:
              peer:
                command: /bin/sh
                args:
                  - '-c'
                  - 'echo starting up >&2; exec "$0" "$1"'
                  - '\(python)'
                  - '\(Peers.script("plain_stdio_server.py"))'
            """)
        let log = home + "/logs/mcp-stderr.log"
        FileManager.default.createFile(atPath: log, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o644])
        #expect(try await hermes(["mcp", "test", "peer"], home: home, umask: "022").status == 0)
        #expect(mode(log) == 0o600)
        #expect(String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self) == "old\nstarting up\n")

        // A link planted at the log's name would send a server's stderr wherever it points.
        let elsewhere = dir.file("elsewhere.txt")
        FileManager.default.createFile(atPath: elsewhere, contents: Data())
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: elsewhere)
        let peer = try await hermes(["mcp", "test", "peer"], home: home, umask: "022")
        #expect(peer.status == 0, "\(peer.stdout)\n\(peer.stderr)")
        #expect(FileManager.default.contents(atPath: elsewhere)?.isEmpty == true)

        // A FIFO there would block the open for writing until some reader came.
        try FileManager.default.removeItem(atPath: log)
        #expect(mkfifo(log, 0o600) == 0)
        let start = Date()
        let fifo = try await hermes(["mcp", "test", "peer"], home: home, umask: "022")
        #expect(fifo.status == 0 && Date().timeIntervalSince(start) < 30, "\(fifo.stdout)\n\(fifo.stderr)")
    }
}
