import CHermesProcess
import Foundation
import SystemPackage

/// One Tests/PythonPeers/zygote.py per test process: it imports the MCP SDK once and forks a peer
/// per request, so a peer costs a fork instead of the SDK's 1.5 s of import (the suite starts over a
/// hundred, and on two cores their imports were most of its run time). Started by the first peer
/// and kept until the test process ends, when its stdin closes and it exits.
enum PeerZygote {
    static let disabled = ProcessInfo.processInfo.environment["HERMES_TEST_NO_ZYGOTE"] == "1"

    /// The zygote's socket. A static `let` is initialised once, whichever test gets there first;
    /// a start that failed is not retried (every peer would fail the same way).
    private static let socketPath: Task<String, Error> = Task { try await start() }

    /// The command line (after the interpreter) of a stdio server hermes itself starts, run by the
    /// zygote through Tests/PythonPeers/zygote_exec.py; nil when the zygote is off.
    static func launcher(_ script: String, _ arguments: [String]) async throws -> [String]? {
        guard !disabled else { return nil }
        return [Peers.script("zygote_exec.py"), try await socketPath.value, script] + arguments
    }

    /// Starts `script` (a path) with `arguments` as a peer re-parented to this process.
    static func spawn(_ script: String, _ arguments: [String]) async throws -> Child {
        let path = try await socketPath.value
        let request = try JSONSerialization.data(withJSONObject: ["argv": [script] + arguments]) + Data("\n".utf8)
        return try await withCheckedThrowingContinuation { continuation in
            // connect and the first line are quick, but they block: not on a cooperative thread.
            onOwnThread {
                continuation.resume(with: Result { try adopt(path: path, request: Array(request)) })
            }
        }
    }

    private static func start() async throws -> String {
        // Peers forked by the zygote are re-parented here and waited for like children.
        let status = hermes_shim_become_subreaper()
        guard status == 0 else { throw ProgramError(description: "PR_SET_CHILD_SUBREAPER: \(Errno(rawValue: -status))") }
        let directory = TemporaryDirectory("hermes-zygote")
        let path = directory.path + "/peers.sock"
        let child = try Child(try Peers.python, [Peers.script("zygote.py"), path], stdin: .pipe, stdout: .pipe, stderr: .inherit)
        let lines = LineReader(child.stdout!, owner: child)
        _ = try? await waitUntil(timeout: 60) { lines.first(where: { $0 == "READY" }) != nil || child.exited.hasHappened }
        guard lines.first(where: { $0 == "READY" }) != nil else {
            child.kill(SIGKILL)
            throw ProgramError(description: "the peer zygote did not start")
        }
        // Both live as long as the process: the zygote ends with our stdin pipe, at exit.
        keep = (child, directory)
        return path
    }

    nonisolated(unsafe) private static var keep: (Child, TemporaryDirectory)?

    private static func adopt(path: String, request: [UInt8]) throws -> Child {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProgramError(description: "socket: \(Errno(rawValue: errno))") }
        let connection = FileDescriptor(rawValue: fd)
        do {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                throw ProgramError(description: "socket path too long: \(path)")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else { throw ProgramError(description: "connect \(path): \(Errno(rawValue: errno))") }
            try connection.writeAll(request)
            // The first line is `PID n`, byte by byte so nothing of the peer's own output is consumed.
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while line.count < 64 {
                let n = read(fd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                if n <= 0 || byte == 0x0A { break }
                line.append(byte)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("PID "), let pid = pid_t(text.dropFirst(4)), pid > 0 else {
                throw ProgramError(description: "the peer zygote did not start the peer (\(text))")
            }
            return try Child(adopting: pid, socket: connection)
        } catch {
            try? connection.close()
            throw error
        }
    }
}
