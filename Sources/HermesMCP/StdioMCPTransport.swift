import Foundation
import Glibc
import Logging
import MCP

/// MCP over a child's stdin and stdout, one JSON message per line.
public actor StdioMCPTransport: Transport {
    public nonisolated let logger = MCPLogging.quietLogger("hermes.mcp.stdio")
    public nonisolated let process: StdioProcess
    private let stream: AsyncThrowingStream<Data, Swift.Error>
    /// Signalled when the server closes its output (exit, crash): requests in flight then fail at
    /// once instead of waiting for their timeout.
    public nonisolated let closed = ClosedSignal()

    public init(process: StdioProcess) {
        self.process = process
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
        self.stream = stream
        // A thread of its own reads lines until the child closes its stdout.
        let fd = process.output.fileDescriptor
        let command = process.command
        let closed = self.closed
        Thread {
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                buffer += chunk[0..<n]
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = Array(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    if !line.isEmpty { continuation.yield(Data(line)) }
                }
            }
            continuation.finish(throwing: MCPTransportError.closed("the stdio server '\(command)' closed its output"))
            closed.fire()
        }.start()
    }

    public func connect() async throws {}

    public func disconnect() async {
        process.shutdown()
    }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream }

    public func send(_ data: Data) async throws {
        var line = data
        line.append(0x0A)
        let fd = process.input.fileDescriptor
        let ok = line.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if !ok { throw MCPTransportError.closed("the stdio server '\(process.command)' is not reading its input") }
    }
}

/// A one-shot signal that any number of tasks can wait for.
public final class ClosedSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public func fire() {
        let toResume = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            fired = true
            defer { waiters = [] }
            return waiters
        }
        toResume.forEach { $0.resume() }
    }

    public func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if fired { return true }
                waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
