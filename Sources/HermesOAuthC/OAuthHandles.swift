import CHermesOAuthABI
import HermesOAuth

/// Live `hermes_oauth` handles: encoded ids that never repeat, never addresses (see `HandleTable`).
enum OAuthHandles {
    private static let table = HandleTable<OAuthHandle, hermes_oauth>(tag: 0xA5, opener: "hermes_oauth_open", closer: "hermes_oauth_close")

    typealias Refusal = HandleTable<OAuthHandle, hermes_oauth>.Refusal

    static var closedRefusal: Refusal { table.refusal(.closed) }

    /// A new handle's value, or nil once 2^52 handles were opened (ids are never reused).
    static func open(_ handle: OAuthHandle) -> UnsafeMutablePointer<hermes_oauth>? { table.open(handle) }

    static func lookup(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> Result<OAuthHandle, Refusal> { table.lookup(pointer) }

    /// Removes the handle from the table: only one close of a handle ever gets it back.
    static func close(_ pointer: UnsafeMutablePointer<hermes_oauth>?) -> Result<OAuthHandle, Refusal> { table.close(pointer) }
}
