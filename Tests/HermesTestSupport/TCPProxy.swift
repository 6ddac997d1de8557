import Foundation

/// Tests/PythonPeers/tcp_proxy.py: forwards 127.0.0.1:port to a target, so a test can make a
/// server refuse connections (`stop()`) and come back on the same address (`start()` again).
public final class TCPProxy: @unchecked Sendable {
    public let target: String
    public private(set) var port: Int = 0
    private var child: Child?

    public init(target: String) async throws {
        self.target = target
        try await start()
    }

    deinit { stop() }

    public func start() async throws {
        let child = try Child(try Peers.python, [Peers.script("tcp_proxy.py"), "--target", target, "--port", "\(port)"],
                              stdin: .pipe, stdout: .pipe)
        let lines = LineReader(child.stdout!, owner: child)
        _ = try? await waitUntil(timeout: 20) { lines.first(where: { _ in true }) != nil || lines.ended.hasHappened }
        let text = lines.first(where: { _ in true }) ?? ""
        guard text.hasPrefix("READY "), let bound = Int(text.dropFirst(6)) else {
            child.closeStdin()
            child.kill(SIGKILL)
            await child.wait(timeout: 30)
            throw ProgramError(description: "tcp_proxy did not start: \(text)")
        }
        port = bound
        self.child = child
    }

    /// Ends the proxy: its port refuses connections until `start()`. Blocks only the moment a
    /// SIGKILLed process takes to go.
    public func stop() {
        guard let child else { return }
        child.closeStdin()
        child.kill(SIGKILL)
        child.waitUntilExit()
        self.child = nil
    }
}
