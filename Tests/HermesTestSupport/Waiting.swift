import Foundation
import SystemPackage

/// Something that happens once (a child's exit, a pipe's end), awaited without parking a thread of
/// Swift's cooperative pool: the pool has one thread per core (two here), and a test that blocks
/// one while its child runs starves every other test running beside it.
public final class Occurrence: @unchecked Sendable {
    private let lock = NSLock()
    private var happened = false
    private var waiters: [UUID: CheckedContinuation<Bool, Never>] = [:]

    public init() {}

    public var hasHappened: Bool { lock.withLock { happened } }

    public func signal() {
        let woken = lock.withLock { () -> [CheckedContinuation<Bool, Never>] in
            happened = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume(returning: true) }
    }

    /// True once it happened, false if `timeout` seconds passed first. The deadline is a timer on a
    /// dispatch queue, so nothing sleeps while waiting.
    @discardableResult
    public func wait(timeout: Double) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = UUID()
            let already = lock.withLock { () -> Bool in
                if happened { return true }
                waiters[id] = continuation
                return false
            }
            if already { continuation.resume(returning: true); return }
            guard timeout < 1e6 else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                if let late = lock.withLock({ waiters.removeValue(forKey: id) }) { late.resume(returning: false) }
            }
        }
    }
}

/// Polls `condition` every `poll` seconds until it holds (true) or `timeout` passes (false, after
/// one last look). Sleeps with `Task.sleep`, so other tests run meanwhile.
@discardableResult
public func waitUntil(timeout: Double, poll: Double = 0.02,
                      _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .seconds(poll))
    }
    return try condition()
}

/// The async form, for conditions that themselves await.
@discardableResult
public func waitUntil(timeout: Double, poll: Double = 0.02,
                      _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .seconds(poll))
    }
    return try await condition()
}

/// Runs blocking work (reading a pipe to its end) on a thread of its own, never on the pool.
func onOwnThread(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.stackSize = 1 << 20
    thread.start()
}

/// A pipe read to its end on its own thread. `owner` (the `Child` or `FileHandle` holding the
/// descriptor) is kept alive until then, so the descriptor is not closed under the reader.
final class Drain: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    let ended = Occurrence()

    init(_ descriptor: FileDescriptor, owner: AnyObject) {
        let fd = descriptor.rawValue
        nonisolated(unsafe) let owner = owner
        onOwnThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                lock.withLock { bytes += chunk[0..<n] }
            }
            withExtendedLifetime(owner) {}
            ended.signal()
        }
    }

    var data: [UInt8] { lock.withLock { bytes } }
    var text: String { String(decoding: data, as: UTF8.self) }
}

/// A pipe read to its end on a thread of its own (a test holding a raw `Pipe`).
public func readToEnd(_ handle: FileHandle) async -> Data {
    let drain = Drain(FileDescriptor(rawValue: handle.fileDescriptor), owner: handle)
    await drain.ended.wait(timeout: .infinity)
    return Data(drain.data)
}

/// Waits for a `Child` a test started itself; true once it exited (and was reaped, so
/// `terminationStatus` is valid), false after `timeout`.
@discardableResult
public func waitForExit(_ child: Child, timeout: Double = 300) async throws -> Bool {
    await child.wait(timeout: timeout)
}
