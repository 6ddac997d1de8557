import Dispatch

/// An executor on a GCD queue. hermes runs its actors and the C API's work here rather than on
/// Swift's cooperative pool: a C caller blocks its own thread while it waits, and if that thread
/// belongs to the pool (a Swift task calling the C API), work that needed the pool would deadlock
/// on a small machine. Nothing here ever waits on the pool.
public final class QueueExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    let queue: DispatchQueue

    public init(label: String, concurrent: Bool = false) {
        queue = DispatchQueue(label: label, attributes: concurrent ? .concurrent : [])
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// For tasks started by blocking entry points (the C API).
    static let bridge = QueueExecutor(label: "hermes.bridge", concurrent: true)
}

/// Runs async work to completion for a caller that must block (a C function), off the
/// cooperative pool.
package enum BlockingBridge {
    package static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor.bridge) {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
