import CHermesShims
import Glibc
import SystemPackage

/// One decoded inotify event, copied out of the kernel buffer so it can outlive it.
public struct InotifyEvent: Sendable, Equatable {
    public let watch: Int32
    public let mask: UInt32
    public let cookie: UInt32
    /// The file name inside the watched directory; empty for events on the directory itself.
    public let name: String

    public func has(_ flag: UInt32) -> Bool { mask & flag != 0 }
}

/// A non-blocking inotify instance. Not thread-safe: one owner reads it.
public final class Inotify {
    public static let closeWrite = UInt32(IN_CLOSE_WRITE)
    public static let movedTo = UInt32(IN_MOVED_TO)
    public static let movedFrom = UInt32(IN_MOVED_FROM)
    public static let create = UInt32(IN_CREATE)
    public static let delete = UInt32(IN_DELETE)
    public static let modify = UInt32(IN_MODIFY)
    public static let deleteSelf = UInt32(IN_DELETE_SELF)
    public static let moveSelf = UInt32(IN_MOVE_SELF)
    public static let ignored = UInt32(IN_IGNORED)
    public static let overflow = UInt32(IN_Q_OVERFLOW)
    public static let isDirectory = UInt32(IN_ISDIR)
    public static let onlyDirectory = UInt32(IN_ONLYDIR)

    public let fileDescriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    public init() throws(Errno) {
        // Non-blocking so `drain` can read until the queue is empty without ever waiting.
        fileDescriptor = try systemCall { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
    }

    deinit { close(fileDescriptor) }

    @discardableResult
    public func addWatch(_ path: String, mask: UInt32) throws(Errno) -> Int32 {
        try systemCall { inotify_add_watch(fileDescriptor, path, mask) }
    }

    public func removeWatch(_ wd: Int32) throws(Errno) {
        _ = try systemCall { inotify_rm_watch(fileDescriptor, wd) }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for events and returns all that are queued,
    /// or an empty array on timeout.
    public func read(timeoutMilliseconds: Int32) throws(Errno) -> [InotifyEvent] {
        guard try Poll.waitReadable(fileDescriptor, milliseconds: timeoutMilliseconds) else { return [] }
        return try drain()
    }

    /// Returns the events already queued without waiting.
    public func drain() throws(Errno) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        while true {
            let count: Int
            do {
                count = try typedErrno {
                    try buffer.withUnsafeMutableBytes { try FileDescriptor(rawValue: fileDescriptor).read(into: $0, retryOnInterrupt: true) }
                }
            } catch .wouldBlock {
                return events
            }
            if count == 0 { return events }
            let decoded: Bool = buffer.withUnsafeBytes { raw in
                var offset = 0
                var ev = hermes_shim_inotify_event()
                while true {
                    let step = hermes_shim_inotify_next(raw.baseAddress, count, &offset, &ev)
                    if step < 0 { return false }
                    if step == 0 { return true }
                    let name: String
                    if ev.name_len > 0, let base = ev.name {
                        name = base.withMemoryRebound(to: UInt8.self, capacity: ev.name_len) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: ev.name_len), as: UTF8.self)
                        }
                    } else {
                        name = ""
                    }
                    events.append(InotifyEvent(watch: ev.wd, mask: ev.mask, cookie: ev.cookie, name: name))
                }
            }
            // The kernel never writes a partial record; a malformed one means the buffer is wrong.
            if !decoded { throw .invalidArgument }
        }
    }
}
