import CHermesOAuthABI
import HermesOAuth

/// Live handles by id. The `hermes_oauth *` a C caller holds is not an address but an encoded id,
/// never dereferenced: an allocator hands freed memory out again, so a closed handle's address
/// would come back as someone else's handle, and a stale call or a second close would act on it.
/// Ids only grow, so no value repeats in the life of the process; every C entry point looks its
/// handle up here, and a NULL, closed or foreign value is refused, never followed.
enum OAuthHandles {
    /// Bits 56-63 of every handle. With bit 63 set and bits 62-56 not all set, the value is
    /// non-canonical on x86_64 under 4- and 5-level paging (and with LAM): no allocation can be
    /// there, and a stray dereference faults instead of reaching memory.
    static let tag: UInt = 0xA5 << 56
    private static let tagMask: UInt = 0xFF << 56
    /// Ids sit above the low four bits, so handles are as aligned as malloc's pointers would be.
    private static let idShift: UInt = 4
    private static let idLimit: UInt64 = 1 << 52

    private struct Table {
        var live: [UInt64: OAuthHandle] = [:]
        var next: UInt64 = 1
    }

    private static let table = Locked(Table())

    /// Why a value is not a live handle, as `hermes_last_error()` words it.
    enum Refusal: Error, CustomStringConvertible {
        case null, closed, foreign

        var description: String {
            switch self {
            case .null: "the handle is NULL"
            case .closed: "the handle was closed (hermes_oauth_close)"
            case .foreign: "the value is not a handle from hermes_oauth_open"
            }
        }
    }

    /// A new handle's value, or nil once 2^52 handles were opened (ids are never reused).
    static func open(_ handle: OAuthHandle) -> UnsafeMutablePointer<hermes_oauth>? {
        let id: UInt64? = table.withLock { t in
            guard t.next < idLimit else { return nil }
            let id = t.next
            t.next += 1
            t.live[id] = handle
            return id
        }
        return id.flatMap { UnsafeMutablePointer(bitPattern: tag | UInt($0) << idShift) }
    }

    static func lookup(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> Result<OAuthHandle, Refusal> {
        find(pointer, removing: false)
    }

    /// Removes the handle from the table: only one close of a handle ever gets it back.
    static func close(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> Result<OAuthHandle, Refusal> {
        find(pointer, removing: true)
    }

    private static func find(_ pointer: UnsafeMutablePointer<hermes_oauth>?, removing: Bool) -> Result<OAuthHandle, Refusal> {
        guard let pointer else { return .failure(.null) }
        let bits = UInt(bitPattern: pointer)
        guard bits & tagMask == tag, bits & (1 << idShift - 1) == 0 else { return .failure(.foreign) }
        let id = UInt64(bits & ~tagMask) >> UInt64(idShift)
        return table.withLock { t in
            let handle = removing ? t.live.removeValue(forKey: id) : t.live[id]
            if let handle { return .success(handle) }
            return .failure(id > 0 && id < t.next ? .closed : .foreign)
        }
    }
}
