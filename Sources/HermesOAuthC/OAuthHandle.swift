import HermesOAuth

/// C callback type, as `hermes_token_event_fn` in the header.
public typealias hermes_token_event_fn = @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutableRawPointer?) -> Void

/// A C caller's `hermes_oauth *`: a manager plus the callbacks registered through this handle.
final class OAuthHandle: Sendable {
    let manager: OAuthManager

    private struct Registration {
        let fn: hermes_token_event_fn
        let user: UInt
        let subscription: UInt64
        let liveness: CallbackLiveness

        func matches(_ fn: hermes_token_event_fn, _ user: UInt) -> Bool {
            unsafeBitCast(self.fn, to: UInt.self) == unsafeBitCast(fn, to: UInt.self) && self.user == user
        }
    }

    /// nil once the handle is closed, so a watch racing the close cannot add a callback that
    /// outlives it.
    private let registrations = Locked<[Registration]?>([])
    private let gate = CallbackGate()

    init(manager: OAuthManager) { self.manager = manager }

    enum WatchOutcome { case added, duplicate, closed }

    /// Registers (fn, user) once: a second registration of the pair would call it twice per event
    /// and leave one behind after an unwatch.
    func watch(_ fn: @escaping hermes_token_event_fn, user: UnsafeMutableRawPointer?) -> WatchOutcome {
        let userBits = UInt(bitPattern: user)
        return registrations.withLock { registrations -> WatchOutcome in
            guard registrations != nil else { return .closed }
            if registrations!.contains(where: { $0.matches(fn, userBits) }) { return .duplicate }
            let liveness = CallbackLiveness()
            let gate = self.gate
            let subscription = manager.subscribe { event in
                gate.deliver(liveness) {
                    event.server.withCString { fn($0, event.kind.rawValue, UnsafeMutableRawPointer(bitPattern: userBits)) }
                }
            }
            registrations!.append(Registration(fn: fn, user: userBits, subscription: subscription, liveness: liveness))
            return .added
        }
    }

    enum UnwatchOutcome { case removed, notFound, closed }

    /// Removes exactly the registration of (fn, user) and returns once its callback is not running.
    func unwatch(_ fn: hermes_token_event_fn?, user: UnsafeMutableRawPointer?) -> UnwatchOutcome {
        let userBits = UInt(bitPattern: user)
        let (outcome, removed) = registrations.withLock { registrations -> (UnwatchOutcome, Registration?) in
            guard registrations != nil else { return (.closed, nil) }
            guard let fn, let index = registrations!.firstIndex(where: { $0.matches(fn, userBits) }) else {
                return (.notFound, nil)
            }
            let removed = registrations!.remove(at: index)
            // Ended inside the lock: a close that takes the lock after this cannot return while
            // this callback may still start.
            removed.liveness.end()
            return (.removed, removed)
        }
        if let removed {
            manager.unsubscribe(removed.subscription)
            gate.drain()
        }
        return outcome
    }

    /// Removes every callback and returns once none of them is running.
    func close() {
        let all = registrations.withLock { registrations -> [Registration] in
            let all = registrations ?? []
            registrations = nil
            for registration in all { registration.liveness.end() }
            return all
        }
        for registration in all { manager.unsubscribe(registration.subscription) }
        gate.drain()
    }
}
