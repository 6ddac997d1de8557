import Foundation
import Testing
@testable import HermesMCP
import HermesOAuth
import HermesTestSupport

/// "Alive" means running or a zombie nobody reaped: both count as left behind.
func leftBehind(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return !stat.isEmpty
}

func readLine(_ handle: FileHandle, timeout: Double = 20) -> String {
    var bytes: [UInt8] = []
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        var p = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 100) > 0 else { continue }
        var b: UInt8 = 0
        guard read(handle.fileDescriptor, &b, 1) == 1 else { break }
        if b == 0x0A { break }
        bytes.append(b)
    }
    return String(decoding: bytes, as: UTF8.self)
}

@Suite(.serialized) struct StdioProcessTests {
    @Test func theEnvironmentIsFilteredAsTheReferenceDoes() {
        let env = ChildEnvironment.build(parent: ["PATH": "/bin", "HOME": "/h", "AWS_SECRET_ACCESS_KEY": "x", "XDG_RUNTIME_DIR": "/r",
                                                  "OPENAI_API_KEY": "k", "LANG": "C"], configured: ["DEBUG": "1", "PATH": "/custom"])
        #expect(env == ["PATH": "/custom", "HOME": "/h", "XDG_RUNTIME_DIR": "/r", "LANG": "C", "DEBUG": "1"])
    }

    @Test func talksOverStdioAndLogsStderr() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("logs/mcp-stderr.log")
        let env = ChildEnvironment.build(parent: ProcessInfo.processInfo.environment, configured: ["GREETING": "hi"])
        let p = try StdioProcess.spawn(command: "sh", args: ["-c", "echo \"$GREETING from $(cat)\"; echo oops >&2"],
                                       environment: env, stderrLog: log)
        p.input.write(Data("stdin\n".utf8))
        let report = p.shutdown()
        #expect(report.stage == .stdinClosed)
        #expect(String(decoding: p.output.readDataToEndOfFile(), as: UTF8.self) == "hi from stdin\n")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "oops\n")
        #expect(!leftBehind(p.pid))
    }

    @Test func aMissingCommandIsAClearError() {
        #expect(throws: StdioProcess.SpawnError.self) {
            try StdioProcess.spawn(command: "no-such-mcp-server-xyz", args: [], environment: ["PATH": "/usr/bin:/bin"], stderrLog: nil)
        }
    }

    /// A server that ignores SIGTERM, survives stdin closing and starts a grandchild that escapes
    /// its process group: shutdown still ends with nothing left, zombies included.
    @Test func aStubbornServerAndItsGrandchildLeaveNothingBehind() throws {
        let p = try StdioProcess.spawn(command: "python3", args: [Peers.script("stubborn_server.py")],
                                       environment: ChildEnvironment.build(parent: ProcessInfo.processInfo.environment, configured: [:]),
                                       stderrLog: nil)
        let line = readLine(p.output)
        let parts = line.split(separator: " ")
        #expect(parts.first == "ready", "\(line)")
        let grandchild = pid_t(parts.last.flatMap { Int32($0) } ?? 0)
        #expect(grandchild > 0 && leftBehind(grandchild))
        let start = Date()
        let report = p.shutdown(grace: 0.5)
        #expect(report.stage == .killed)
        #expect(report.descendantsKilled >= 1)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(!leftBehind(p.pid))
        #expect(!leftBehind(grandchild))
    }

    /// When hermes dies without a shutdown (a crash, SIGKILL), the kernel takes its servers down.
    @Test func serversDieWithACrashedHost() async throws {
        let helper = try Interactive(Build.product("hermes-test-helper"), ["spawn-stdio", "sleep", "300"])
        #expect(await helper.read(until: "\n"))
        let child = pid_t(helper.output.split(separator: " ").last.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0)
        #expect(child > 0 && leftBehind(child))
        kill(helper.process.processIdentifier, SIGKILL)
        _ = await helper.finish()
        // The orphan comes to this process when it is a subreaper (any earlier spawn made it one):
        // reap it then, as the runtime does.
        try await waitUntil(timeout: 5) {
            _ = waitpid(child, nil, WNOHANG)
            return !leftBehind(child)
        }
        #expect(!leftBehind(child))
    }

    /// The suite runs beside others that open and close descriptors, so a count of this process's
    /// descriptors proves nothing: each cycle's own pipes (unique pipefs inodes) must be gone instead.
    @Test func oneHundredCyclesLeaveNoProcessesOrDescriptors() throws {
        var pids: [pid_t] = []
        var pipes: Set<String> = []
        for i in 0..<100 {
            let p = try StdioProcess.spawn(command: "sh", args: ["-c", i % 2 == 0 ? "cat" : "trap '' TERM; sleep 30 & cat; wait"],
                                           environment: ["PATH": "/usr/bin:/bin"], stderrLog: nil)
            pids.append(p.pid)
            for fd in [p.input.fileDescriptor, p.output.fileDescriptor] {
                let target = descriptorTarget(fd)
                #expect(target?.hasPrefix("pipe:") == true, "\(fd) -> \(target ?? "nothing")")
                if let target { pipes.insert(target) }
            }
            p.shutdown(grace: 0.05)
        }
        #expect(pids.allSatisfy { !leftBehind($0) })
        #expect(pipes.count == 200)
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { Int32($0).flatMap(descriptorTarget) }
        #expect(pipes.intersection(open).isEmpty, "still open: \(pipes.intersection(open).sorted())")
    }
}

/// What a descriptor of this process refers to ("pipe:[123]", a path), nil when it is closed.
private func descriptorTarget(_ fd: Int32) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
}

/// A binary resource is named in the answer, as hermes-agent names it, not read as an empty text.
@Suite struct BinaryResourceTests {
    @Test func aBlobIsNamedNotDropped() async throws {
        let (task, _) = try CancellationTests.task("command: \(try Peers.python)\nargs: [\(Peers.script("plain_stdio_server.py"))]", timeout: 20)
        #expect(await MCPOperations(task: task).readResource("hermes://logo") == #"{"result": "[binary data, 8 bytes]"}"#)
        await task.shutdown()
    }
}
