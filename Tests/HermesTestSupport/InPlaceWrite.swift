import Glibc

/// Rewrites `path` through the same inode (O_TRUNC, then write), as editors that save in place do:
/// a watcher that only follows renames misses this kind of change.
public func writeInPlace(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return }
    _ = text.withCString { write(fd, $0, strlen($0)) }
    close(fd)
}
