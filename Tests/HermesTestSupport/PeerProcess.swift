import Foundation

/// Any peer script under Tests/PythonPeers that binds loopback, prints one line `READY {json}` and
/// exits when its stdin closes (the hostile peers all follow that contract). `info` is the JSON.
/// Stopped by `stop()` or when released, so a failed test leaves nothing behind.
public final class PeerProcess: @unchecked Sendable {
    public let info: [String: Any]
    private let process: Process
    private let stdin: Pipe

    public init(script: String, arguments: [String] = [], python: String? = nil, readyTimeout: Double = 30) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python ?? Peers.python)
        process.arguments = [Peers.script(script)] + arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        self.stdin = input

        var pending: [UInt8] = []
        var ready = ""
        let fd = out.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(readyTimeout)
        while ready.isEmpty, Date() < deadline, process.isRunning {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { break }
            if byte == 0x0A {
                let text = String(decoding: pending, as: UTF8.self)
                if text.hasPrefix("READY ") { ready = text }
                pending = []
            } else {
                pending.append(byte)
            }
        }
        guard ready.hasPrefix("READY "),
              let info = try? JSONSerialization.jsonObject(with: Data(ready.dropFirst(6).utf8)) as? [String: Any] else {
            process.terminate()
            process.waitUntilExit()
            throw ProgramError(description: "\(script) did not start (\(ready))")
        }
        self.info = info
    }

    deinit { stop() }

    /// A string field of the READY line.
    public subscript(_ key: String) -> String { info[key] as? String ?? "" }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Closes stdin (the peer exits on EOF), then SIGTERM, then SIGKILL, each with a deadline.
    public func stop() {
        try? stdin.fileHandleForWriting.close()
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        for (signal, wait) in [(Int32(0), 2.0), (SIGTERM, 2.0), (SIGKILL, 2.0)] {
            if signal != 0 { kill(pid, signal) }
            let deadline = Date().addingTimeInterval(wait)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if !process.isRunning { break }
        }
        process.waitUntilExit()
    }
}
