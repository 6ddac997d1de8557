import Foundation

/// The start of a streamed body, kept for a message while libcurl hands the body over piece by
/// piece on its own thread; the rest is not read.
public final class BodyHead: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    public init() {}

    /// Keeps up to `keeping` bytes; true (end the transfer) once they are in, at once when 0.
    public func take(_ chunk: Data, keeping: Int) -> Bool {
        lock.withLock {
            bytes.append(chunk.prefix(max(keeping - bytes.count, 0)))
            return bytes.count >= keeping
        }
    }

    public var data: Data { lock.withLock { bytes } }
}
