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

    /// Reads a file without following a symlink at its final component. `nil` when it does not
    /// exist. Throws `.tooManySymbolicLinkLevels` (ELOOP) for a symlink and `.fileTooLarge` past `limit`.
    static func read(path: String, limit: Int = 1 << 20) throws(Errno) -> Data? {
        let fd: Int32
        do {
            fd = try shimCall(hermes_shim_open_read_nofollow(path))
        } catch .noSuchFileOrDirectory {
            return nil
        }
        let file = FileDescriptor(rawValue: fd)
        defer { try? file.close() }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try file.read(into: $0, retryOnInterrupt: true) }
            } catch let e as Errno {
                throw e
            } catch {
                throw .ioError
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > limit { throw .fileTooLarge }
        }
        return data
    }
}
