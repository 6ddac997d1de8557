import Foundation

/// Any peer script under Tests/PythonPeers that binds loopback, prints one line `READY {json}` and
/// exits when its stdin closes (the hostile peers all follow that contract). `info` is the JSON.
/// Stopped by `stop()` or when released, so a failed test leaves nothing behind.
public final class PeerProcess: @unchecked Sendable {
    public let info: [String: Any]
    private let process: Process
    private let stdin: Pipe
    private let exited: Occurrence

    public init(script: String, arguments: [String] = [], python: String? = nil, readyTimeout: Double = 30) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python ?? Peers.python)
        process.arguments = [Peers.script(script)] + arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.standardError
        let exited = exitOccurrence(of: process)
        try process.run()
        self.process = process
        self.stdin = input
        self.exited = exited

        let lines = LineReader(out.fileHandleForReading)
        _ = try? await waitUntil(timeout: readyTimeout) {
            lines.first(where: { $0.hasPrefix("READY ") }) != nil || lines.ended.hasHappened || exited.hasHappened
        }
        let ready = lines.first(where: { $0.hasPrefix("READY ") }) ?? ""
        guard ready.hasPrefix("READY "),
              let info = try? JSONSerialization.jsonObject(with: Data(ready.dropFirst(6).utf8)) as? [String: Any] else {
            process.terminate()
            await exited.wait(timeout: .infinity)
            throw ProgramError(description: "\(script) did not start (\(ready))")
        }
        self.info = info
    }

    deinit { stop() }

    /// A string field of the READY line.
    public subscript(_ key: String) -> String { info[key] as? String ?? "" }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Closes stdin (the peer exits on EOF), then SIGTERM, then SIGKILL, each with a deadline of 2 s,
    /// and returns once the peer is gone.
    public func stopAndWait() async {
        await Self.escalate(process, stdin.fileHandleForWriting, exited)
    }

    /// The same escalation for `defer` and `deinit`, which cannot await: it goes on in a task of its
    /// own (holding the process and pipe, not this object) and this returns at once.
    public func stop() {
        guard !exited.hasHappened else { try? stdin.fileHandleForWriting.close(); return }
        let process = process, input = stdin.fileHandleForWriting, exited = exited
        Task { await Self.escalate(process, input, exited) }
    }

    static func escalate(_ process: Process, _ input: FileHandle, _ exited: Occurrence) async {
        try? input.close()
        let pid = process.processIdentifier
        for signal in [Int32(0), SIGTERM, SIGKILL] {
            if signal != 0, !exited.hasHappened { kill(pid, signal) }
            if await exited.wait(timeout: 2) { return }
        }
        await exited.wait(timeout: 10)
    }
}

/// A pipe's lines, read on a thread of its own until the pipe ends.
final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    let ended = Occurrence()

    init(_ handle: FileHandle) {
        onOwnThread { [self] in
            let fd = handle.fileDescriptor
            var pending: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                let n = read(fd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                if byte == 0x0A {
                    let line = String(decoding: pending, as: UTF8.self)
                    lock.withLock { lines.append(line) }
                    pending = []
                } else {
                    pending.append(byte)
                }
            }
            ended.signal()
        }
    }

    func first(where predicate: (String) -> Bool) -> String? { lock.withLock { lines.first(where: predicate) } }
}
