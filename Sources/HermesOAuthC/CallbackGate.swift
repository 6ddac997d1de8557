import Glibc
import HermesOAuth
import Synchronization

/// Whether one C callback registration may still be called. Cleared, under the handle's lock, by
/// the unwatch or close that removes it.
package final class CallbackLiveness: Sendable {
    private let active = Atomic<Bool>(true)

    package init() {}

    package var isActive: Bool { active.load(ordering: .sequentiallyConsistent) }
    package func end() { active.store(false, ordering: .sequentiallyConsistent) }
}

/// The calls into one handle's C callbacks, and the wait for them. A callback runs holding the
/// gate, so hermes_oauth_unwatch and hermes_oauth_close can promise that once they return, no
/// callback they removed is running or will run: they clear its liveness, then pass through the
/// gate. A callback that removes itself (or closes its handle) holds the gate already, on the same
/// thread: that one call does not wait, or it would wait for itself forever.
package final class CallbackGate: Sendable {
    private let lock = Locked(())
    /// The thread inside a callback of this gate (pthread_self), 0 when none. A thread only ever
    /// finds its own value here while it is the one inside.
    private let runner = Atomic<UInt>(0)

    package init() {}

    package func deliver(_ liveness: CallbackLiveness, _ call: () -> Void) {
        lock.withLock { _ in
            guard liveness.isActive else { return }
            runner.store(UInt(pthread_self()), ordering: .relaxed)
            defer { runner.store(0, ordering: .relaxed) }
            call()
        }
    }

    /// Returns once no callback is running here, except one running on the calling thread.
    package func drain() {
        if runner.load(ordering: .relaxed) == UInt(pthread_self()) { return }
        lock.withLock { _ in }
    }
}
