import Foundation

/// Tests/PythonPeers/tcp_proxy.py: forwards 127.0.0.1:port to a target, so a test can make a
/// server refuse connections (`stop()`) and come back on the same address (`start()` again).
public final class TCPProxy: @unchecked Sendable {
    public let target: String
    public private(set) var port: Int = 0
    private var process: Process?
    private var stdin: Pipe?

    public init(target: String) throws {
        self.target = target
        try start()
    }

    deinit { stop() }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Peers.python)
        process.arguments = [Peers.script("tcp_proxy.py"), "--target", target, "--port", "\(port)"]
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        let fd = out.fileHandleForReading.fileDescriptor
        var line: [UInt8] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1, byte != 0x0A else { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let bound = Int(text.dropFirst(6)) else {
            process.terminate()
            throw ProgramError(description: "tcp_proxy did not start: \(text)")
        }
        port = bound
        self.process = process
        stdin = input
    }

    /// Ends the proxy: its port refuses connections until `start()`.
    public func stop() {
        guard let process else { return }
        try? stdin?.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}
