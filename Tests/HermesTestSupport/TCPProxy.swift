import Foundation

/// Tests/PythonPeers/tcp_proxy.py: forwards 127.0.0.1:port to a target, so a test can make a
/// server refuse connections (`stop()`) and come back on the same address (`start()` again).
public final class TCPProxy: @unchecked Sendable {
    public let target: String
    public private(set) var port: Int = 0
    private var process: Process?
    private var stdin: Pipe?

    public init(target: String) async throws {
        self.target = target
        try await start()
    }

    deinit { stop() }

    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Peers.python)
        process.arguments = [Peers.script("tcp_proxy.py"), "--target", target, "--port", "\(port)"]
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        let lines = LineReader(out.fileHandleForReading)
        _ = try? await waitUntil(timeout: 20) { lines.first(where: { _ in true }) != nil || lines.ended.hasHappened }
        let text = lines.first(where: { _ in true }) ?? ""
        guard text.hasPrefix("READY "), let bound = Int(text.dropFirst(6)) else {
            process.terminate()
            throw ProgramError(description: "tcp_proxy did not start: \(text)")
        }
        port = bound
        self.process = process
        stdin = input
    }

    /// Ends the proxy: its port refuses connections until `start()`. Blocks only the moment a
    /// SIGKILLed process takes to go.
    public func stop() {
        guard let process else { return }
        try? stdin?.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}
