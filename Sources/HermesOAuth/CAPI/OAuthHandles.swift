import CHermesShims
import Foundation

/// A C caller's `hermes_oauth *`: a manager plus the callbacks registered through this handle.
final class OAuthHandle: Sendable {
    let manager: OAuthManager
    let subscriptions = Locked<[(fn: hermes_token_event_fn, user: UInt, id: UInt64)]>([])

    init(manager: OAuthManager) { self.manager = manager }
}

/// C callback type, as `hermes_token_event_fn` in the header.
public typealias hermes_token_event_fn = @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutableRawPointer?) -> Void

/// Live handles by address. Every C entry point looks its handle up here, so NULL, closed and
/// foreign pointers are reported as errors instead of being dereferenced.
enum OAuthHandles {
    private static let live = Locked<[UInt: OAuthHandle]>([:])

    static func open(_ handle: OAuthHandle) -> UnsafeMutablePointer<hermes_oauth> {
        let pointer = UnsafeMutablePointer<hermes_oauth>.allocate(capacity: 1)
        pointer.initialize(to: hermes_oauth(reserved: 0))
        live.withLock { $0[UInt(bitPattern: pointer)] = handle }
        return pointer
    }

    static func lookup(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> OAuthHandle? {
        guard let pointer else { return nil }
        return live.withLock { $0[UInt(bitPattern: pointer)] }
    }

    /// Removes the handle; false when it was not open. The memory is released only here, once.
    static func close(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> OAuthHandle? {
        guard let pointer else { return nil }
        let handle = live.withLock { $0.removeValue(forKey: UInt(bitPattern: pointer)) }
        if handle != nil { pointer.deallocate() }
        return handle
    }
}
