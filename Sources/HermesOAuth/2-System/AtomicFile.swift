import Foundation
import SystemPackage

/// Whole-file replacement for secrets: the reader sees the old bytes or the new bytes, never a torn
/// file, and the file is never more permissive than `mode`, not even for an instant.
enum AtomicFile {
    /// Replaces `directory/name` with `data`, atomically and durably: a fresh temporary file
    /// created beside it with exactly `mode`, written, fsync'd, renamed over `name`, then the
    /// directory fsync'd. The directory is opened without following a symlink, and the rename never
    /// follows one at `name` (it replaces the link). `name` must be a single path component. On
    /// failure the target is untouched and the temporary file removed.
    static func write(_ data: Data, directory: String, name: String, mode: mode_t = 0o600) throws(Errno) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw .invalidArgument }
        let folder = try typedErrno {
            try FileDescriptor.open(directory, .readOnly, options: [.directory, .noFollow, .closeOnExec])
        }
        defer { try? folder.close() }
        let (file, temporary) = try createTemporary(in: folder, for: name, mode: mode)
        do {
            // The umask may have narrowed `mode`; the file must have exactly `mode`.
            _ = try systemCall { fchmod(file.rawValue, mode) }
            _ = try typedErrno { try data.withUnsafeBytes { try file.writeAll($0) } }
            _ = try systemCall { fsync(file.rawValue) }
        } catch {
            try? file.close()
            _ = unlinkat(folder.rawValue, temporary, 0)
            throw error
        }
        do {
            try typedErrno { try file.close() }
            _ = try systemCall { renameat(folder.rawValue, temporary, folder.rawValue, name) }
        } catch {
            _ = unlinkat(folder.rawValue, temporary, 0)
            throw error
        }
        // The new content is in place, but may not survive a power cut without this.
        _ = try systemCall { fsync(folder.rawValue) }
        sweepStaleTemporaries(directory: directory, name: name)
    }

    /// Tries at creating a temporary name before giving up: each is 64 random bits, so a second
    /// try means another writer's file happened to be there, and sixteen means something is wrong.
    static let temporaryAttempts = 16

    /// `.NAME.PID.RANDOM.tmp`: hidden (the token watcher and readers skip dot files), unique, and
    /// carrying its writer's pid so `sweepStaleTemporaries` can tell a dead writer's leftover. The
    /// name part is cut at 200 bytes so the whole stays under NAME_MAX.
    private static func createTemporary(in folder: FileDescriptor, for name: String, mode: mode_t) throws(Errno) -> (FileDescriptor, String) {
        let stem = String(decoding: name.utf8.prefix(200), as: UTF8.self)
        for _ in 0..<temporaryAttempts {
            let random = UInt64.random(in: .min ... .max)
            let hex = String(random, radix: 16)
            let temporary = ".\(stem).\(getpid()).\(String(repeating: "0", count: 16 - hex.count))\(hex).tmp"
            do {
                let fd = try systemCall { openat(folder.rawValue, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
                return (FileDescriptor(rawValue: fd), temporary)
            } catch .fileExists {
                continue
            }
        }
        throw .fileExists
    }

    /// A writer killed between creating its temporary file and renaming it (power cut, SIGKILL)
    /// leaves `.NAME.PID.RANDOM.tmp` behind. Once its process is gone it can never be renamed, so
    /// the next successful write of the same file removes it. Other processes' live temporaries
    /// are left alone.
    static func sweepStaleTemporaries(directory: String, name: String) {
        let prefix = ".\(name)."
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
            let middle = entry.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard middle.count == 2, let pid = pid_t(middle[0]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1, errno == ESRCH {
                unlink(directory + "/" + entry)
            }
        }
    }

    /// Reads a whole regular file; `nil` when it does not exist. A symlink at the final component
    /// is refused unless `followSymlink` (config.yaml and .env may be links into a dotfiles
    /// checkout; token files never are). The open never blocks and only a regular file is read, so
    /// a FIFO, a device or a directory put in its place is an error, not a hang or an endless read.
    /// `privateOnly`: a file any other user may read or write (mode & 077) is refused, as ssh
    /// refuses such a private key: whoever could read it holds the credential already.
    static func read(path: String, limit: Int = 1 << 20, followSymlink: Bool = false, privateOnly: Bool = false) throws(FileReadError) -> Data? {
        let file: FileDescriptor
        do {
            // Non-blocking, so a FIFO or a device put there cannot make the open itself wait; the
            // fstat below decides whether what was opened is acceptable.
            var options: FileDescriptor.OpenOptions = [.nonBlocking, .closeOnExec, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)]
            if !followSymlink { options.insert(.noFollow) }
            file = try typedErrno { try FileDescriptor.open(path, .readOnly, options: options) }
        } catch .noSuchFileOrDirectory {
            return nil
        } catch .tooManySymbolicLinkLevels where !followSymlink {
            throw .symbolicLink
        } catch {
            throw .system(error)
        }
        defer { try? file.close() }
        var st = stat()
        guard fstat(file.rawValue, &st) == 0 else { throw .system(Errno(rawValue: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(kind: FileReadError.kind(of: st.st_mode)) }
        if privateOnly, st.st_mode & 0o077 != 0 { throw .readableByOthers(mode: st.st_mode & 0o777) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try file.read(into: $0, retryOnInterrupt: true) }
            } catch let e as Errno {
                throw .system(e)
            } catch {
                throw .system(.ioError)
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > limit { throw .tooLarge(limit: limit) }
        }
        return data
    }
}

/// Why `AtomicFile.read` refused or failed; `description` completes "ignoring PATH: ...".
enum FileReadError: Error, CustomStringConvertible, Equatable {
    case symbolicLink
    case notARegularFile(kind: String)
    case tooLarge(limit: Int)
    case readableByOthers(mode: mode_t)
    case system(Errno)

    var description: String {
        switch self {
        case .symbolicLink: "it is a symbolic link, which hermes never follows"
        case .notARegularFile(let kind): "it is \(kind), not a regular file"
        case .tooLarge(let limit): limit >= 1 << 20 ? "it is larger than \(limit >> 20) MiB" : "it is larger than \(limit >> 10) KiB"
        case .readableByOthers(let mode): "other users may read or change it (mode 0\(String(mode, radix: 8))); chmod 600 it"
        case .system(let errno): "it could not be read: \(errno.readable)"
        }
    }

    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }
}
