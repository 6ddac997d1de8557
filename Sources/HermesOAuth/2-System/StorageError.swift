import SystemPackage

/// A file hermes keeps could not be used; said with its path and the operation that failed.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    case unsafeDirectory(path: String, reason: String)
    case io(path: String, operation: String, errno: Errno)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsafeDirectory(let path, let reason): "refusing to use \(path): \(reason)"
        case .io(let path, let operation, let errno): "could not \(operation) \(path): \(errno.readable)"
        case .unreadable(let path, let reason): "could not read \(path): \(reason)"
        }
    }
}
