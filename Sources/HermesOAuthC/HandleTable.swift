import HermesOAuth

/// Live handles of one C handle type, by id. The pointer a C caller holds is not an address but an
/// encoded id, never dereferenced: an allocator hands freed memory out again, so a closed handle's
/// address would come back as someone else's handle, and a stale call or a second close would act
/// on it. Ids only grow, so no value repeats in the life of the process; every C entry point looks
/// its handle up here, and a NULL, closed or foreign value is refused, never followed. Each handle
/// type has a tag of its own, so one type's handle passed as another's is foreign.
package final class HandleTable<Handle: Sendable, Pointee>: Sendable {
    /// The tag sits in bits 56-63. With bit 63 set and bits 62-56 not all set, the value is
    /// non-canonical on x86_64 under 4- and 5-level paging (and with LAM): no allocation can be
    /// there, and a stray dereference faults instead of reaching memory.
    private let tag: UInt
    private static var tagMask: UInt { 0xFF << 56 }
    /// Ids sit above the low four bits, so handles are as aligned as malloc's pointers would be.
    private static var idShift: UInt { 4 }
    private static var idLimit: UInt64 { 1 << 52 }

    private struct Table {
        var live: [UInt64: Handle] = [:]
        var next: UInt64 = 1
    }

    private let table = Locked(Table())
    /// The function that hands these handles out, for the refusal's words.
    private let opener: String
    private let closer: String

    package init(tag: UInt8, opener: String, closer: String) {
        precondition(tag & 0x80 != 0 && tag & 0x7F != 0x7F, "a handle tag must make the value non-canonical")
        self.tag = UInt(tag) << 56
        self.opener = opener
        self.closer = closer
    }

    /// Why a value is not a live handle, as `hermes_last_error()` words it.
    package struct Refusal: Error, Equatable, CustomStringConvertible {
        package enum Kind: Sendable { case null, closed, foreign }
        package let kind: Kind
        package let description: String
    }

    package func refusal(_ kind: Refusal.Kind) -> Refusal {
        switch kind {
        case .null: Refusal(kind: kind, description: "the handle is NULL")
        case .closed: Refusal(kind: kind, description: "the handle was closed (\(closer))")
        case .foreign: Refusal(kind: kind, description: "the value is not a handle from \(opener)")
        }
    }

    /// A new handle's value, or nil once 2^52 handles were opened (ids are never reused).
    package func open(_ handle: Handle) -> UnsafeMutablePointer<Pointee>? {
        let id: UInt64? = table.withLock { t in
            guard t.next < Self.idLimit else { return nil }
            let id = t.next
            t.next += 1
            t.live[id] = handle
            return id
        }
        return id.flatMap { UnsafeMutablePointer(bitPattern: tag | UInt($0) << Self.idShift) }
    }

    package func lookup(_ pointer: UnsafeMutablePointer<Pointee>?) -> Result<Handle, Refusal> {
        find(pointer, removing: false)
    }

    /// Removes the handle from the table: only one close of a handle ever gets it back.
    package func close(_ pointer: UnsafeMutablePointer<Pointee>?) -> Result<Handle, Refusal> {
        find(pointer, removing: true)
    }

    private func find(_ pointer: UnsafeMutablePointer<Pointee>?, removing: Bool) -> Result<Handle, Refusal> {
        guard let pointer else { return .failure(refusal(.null)) }
        let bits = UInt(bitPattern: pointer)
        guard bits & Self.tagMask == tag, bits & (1 << Self.idShift - 1) == 0 else { return .failure(refusal(.foreign)) }
        let id = UInt64(bits & ~Self.tagMask) >> UInt64(Self.idShift)
        return table.withLock { t in
            let handle = removing ? t.live.removeValue(forKey: id) : t.live[id]
            if let handle { return .success(handle) }
            return .failure(refusal(id > 0 && id < t.next ? .closed : .foreign))
        }
    }
}
