import Foundation

/// Enough of a file's `stat` to tell one version from another: the one way hermes decides whether
/// a file it read before is still the file it read.
public struct FileIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int64

    /// nil when the path does not exist. Token files are never followed through a symlink (they
    /// are never one); config.yaml and .env are (a dotfiles checkout), so a change to the file the
    /// link points at counts.
    public static func of(_ path: String, followingSymlinks: Bool = false) -> FileIdentity? {
        var st = stat()
        guard (followingSymlinks ? stat(path, &st) : lstat(path, &st)) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                            modified: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }
}
