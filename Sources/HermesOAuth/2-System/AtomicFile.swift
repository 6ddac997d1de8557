import CHermesShims
import Foundation
import SystemPackage

/// Whole-file replacement for secrets: the reader sees the old bytes or the new bytes, never a torn
/// file, and the file is never more permissive than `mode`, not even for an instant.
enum AtomicFile {
    static func write(_ data: Data, directory: String, name: String, mode: mode_t = 0o600) throws(Errno) {
        let rc = data.withUnsafeBytes { raw in
            hermes_shim_write_atomic(directory, name, raw.baseAddress, raw.count, mode)
        }
        _ = try shimCall(rc)
        sweepStaleTemporaries(directory: directory, name: name)
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
    static func read(path: String, limit: Int = 1 << 20, followSymlink: Bool = false) throws(FileReadError) -> Data? {
        let fd: Int32
        do {
            fd = try shimCall(hermes_shim_open_read(path, followSymlink ? 1 : 0))
        } catch .noSuchFileOrDirectory {
            return nil
        } catch .tooManySymbolicLinkLevels where !followSymlink {
            throw .symbolicLink
        } catch {
            throw .system(error)
        }
        let file = FileDescriptor(rawValue: fd)
        defer { try? file.close() }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(Errno(rawValue: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(kind: FileReadError.kind(of: st.st_mode)) }
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
    case system(Errno)

    var description: String {
        switch self {
        case .symbolicLink: "it is a symbolic link, which hermes never follows"
        case .notARegularFile(let kind): "it is \(kind), not a regular file"
        case .tooLarge(let limit): "it is larger than \(limit >> 20) MiB"
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
