import Foundation
import Glibc

/// Starts child processes from one thread that lives as long as the process. The kernel's
/// parent-death signal fires when the *thread* that forked a child exits, not the process: spawned
/// from a pool thread that is later retired, a healthy server would be killed. From this thread,
/// children die exactly when hermes does, crash included.
final class Spawner: @unchecked Sendable {
    static let shared = Spawner()

    private let lock = NSCondition()
    private var work: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "hermes.spawner"
        thread.start()
    }

    private func loop() {
        while true {
            lock.lock()
            while work.isEmpty { lock.wait() }
            let next = work.removeFirst()
            lock.unlock()
            next()
        }
    }

    /// Runs `body` on the spawner thread and returns its result.
    func run<T>(_ body: @escaping () -> T) -> T {
        var result: T?
        let done = DispatchSemaphore(value: 0)
        lock.lock()
        work.append {
            result = body()
            done.signal()
        }
        lock.signal()
        lock.unlock()
        done.wait()
        return result!
    }
}
