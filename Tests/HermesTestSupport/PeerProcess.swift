import Foundation
import SystemPackage

/// Any peer script under Tests/PythonPeers that binds loopback, prints one line `READY {json}` and
/// exits when its stdin closes (the hostile peers all follow that contract). `info` is the JSON.
/// Stopped by `stop()` or when released, so a failed test leaves nothing behind. With the peers'
/// own Python (no `python` given) the peer is forked by `PeerZygote`, its stdin and stdout one
/// socket, instead of starting a new interpreter (`HERMES_TEST_NO_ZYGOTE=1` starts one per peer,
/// to tell a peer's fault from the zygote's).
public final class PeerProcess: @unchecked Sendable {
    public let info: [String: Any]
    private let child: Child

    public init(script: String, arguments: [String] = [], python: String? = nil, readyTimeout: Double = 30) async throws {
        let child = if python != nil || PeerZygote.disabled {
            try Child(try python ?? Peers.python, [Peers.script(script)] + arguments, stdin: .pipe, stdout: .pipe, stderr: .inherit)
        } else {
            try await PeerZygote.spawn(Peers.script(script), arguments)
        }
        self.child = child
        let exited = child.exited
        let lines = LineReader(child.stdout!, owner: child)
        _ = try? await waitUntil(timeout: readyTimeout) {
            lines.first(where: { $0.hasPrefix("READY ") }) != nil || lines.ended.hasHappened || exited.hasHappened
        }
        let ready = lines.first(where: { $0.hasPrefix("READY ") }) ?? ""
        guard ready.hasPrefix("READY "),
              let info = try? JSONSerialization.jsonObject(with: Data(ready.dropFirst(6).utf8)) as? [String: Any] else {
            child.closeStdin()
            child.kill(SIGTERM)
            await exited.wait(timeout: .infinity)
            throw ProgramError(description: "\(script) did not start (\(ready))")
        }
        self.info = info
    }

    deinit { stop() }

    /// A string field of the READY line.
    public subscript(_ key: String) -> String { info[key] as? String ?? "" }

    public var pid: Int32 { child.pid }
    public var isRunning: Bool { child.isRunning }

    /// Closes stdin (the peer exits on EOF), then SIGTERM, then SIGKILL, each with a deadline of 2 s,
    /// and returns once the peer is gone.
    public func stopAndWait() async {
        await Self.escalate(child)
    }

    /// The same escalation for `defer` and `deinit`, which cannot await: it goes on in a task of its
    /// own (holding the child, not this object) and this returns at once.
    public func stop() {
        guard child.isRunning else { child.closeStdin(); return }
        let child = child
        Task { await Self.escalate(child) }
    }

    static func escalate(_ child: Child) async {
        child.closeStdin()
        for signal in [Int32(0), SIGTERM, SIGKILL] {
            if signal != 0 { child.kill(signal) }
            if await child.wait(timeout: 2) { return }
        }
        await child.wait(timeout: 10)
    }
}

/// A pipe's lines, read on a thread of its own until the pipe ends. `owner` (holding the
/// descriptor) is kept alive until then.
final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    let ended = Occurrence()

    init(_ descriptor: FileDescriptor, owner: AnyObject) {
        let fd = descriptor.rawValue
        nonisolated(unsafe) let owner = owner
        onOwnThread { [self] in
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
            withExtendedLifetime(owner) {}
            ended.signal()
        }
    }

    func first(where predicate: (String) -> Bool) -> String? { lock.withLock { lines.first(where: predicate) } }
}
