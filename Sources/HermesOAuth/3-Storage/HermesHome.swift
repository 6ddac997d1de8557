import Foundation
import Glibc
import SystemPackage

/// The directory that holds `config.yaml`, `.env`, `mcp-tokens/` and `logs/`, resolved the way
/// hermes-agent does: `$HERMES_HOME` when it is non-empty after trimming, else `~/.hermes`.
public struct HermesHome: Sendable, Hashable, CustomStringConvertible {
    public let path: String

    public init(path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        self.path = (absolute as NSString).standardizingPath
    }

    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> HermesHome {
        if let value = environment["HERMES_HOME"]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
            return HermesHome(path: value)
        }
        return HermesHome(path: userHomeDirectory(environment: environment) + "/.hermes")
    }

    static func userHomeDirectory(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    public var configPath: String { path + "/config.yaml" }
    public var envPath: String { path + "/.env" }
    /// Held while config.yaml is read, changed and written (see `ConfigFile.update`); hidden, so
    /// nothing that lists the home mistakes it for a setting.
    public var configLockPath: String { path + "/.config.yaml.lock" }
    public var tokenDirectory: String { path + "/mcp-tokens" }
    public var logsDirectory: String { path + "/logs" }

    /// `~/.hermes` style for messages, the real path when it is not under the user's home.
    public func display(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = Self.userHomeDirectory(environment: environment)
        if !home.isEmpty, home != "/", path == home || path.hasPrefix(home + "/") {
            return "~" + path.dropFirst(home.count)
        }
        return path
    }

    public var description: String { path }
}

// MARK: directories

extension HermesHome {
    /// `HERMES_HOME` and `logs/`, created 0700 when missing (a stdio server's stderr lands there
    /// and may carry secrets). Existing directories are left as their owner made them.
    public func prepareLogsDirectory() throws(StorageError) {
        try Self.makePrivateDirectory(path)
        try Self.makePrivateDirectory(logsDirectory)
    }

    /// The one place hermes creates directories: `path` and any missing parent, each exactly 0700
    /// whatever the umask, so whichever code path creates `HERMES_HOME` or a folder in it first
    /// leaves it private. With `tighten`, an existing directory is made 0700 as well, and one that
    /// is a symlink, not a directory or someone else's is refused.
    public static func makePrivateDirectory(_ path: String, tighten: Bool = false) throws(StorageError) {
        let mode: mode_t = 0o700
        var st = stat()
        if lstat(path, &st) != 0 {
            guard errno == ENOENT else {
                throw .io(path: path, operation: "inspect", errno: Errno(rawValue: errno))
            }
            let parent = (path as NSString).deletingLastPathComponent
            if parent != path, !parent.isEmpty { try makePrivateDirectory(parent) }
            if mkdir(path, mode) == 0 {
                // mkdir's mode passes through the umask, which may take away the owner's bits too.
                if chmod(path, mode) != 0 {
                    throw .io(path: path, operation: "restrict permissions of", errno: Errno(rawValue: errno))
                }
            } else if errno != EEXIST {
                throw .io(path: path, operation: "create", errno: Errno(rawValue: errno))
            }
            guard lstat(path, &st) == 0 else {
                throw .io(path: path, operation: "inspect", errno: Errno(rawValue: errno))
            }
        }
        guard tighten else { return }
        if st.st_mode & S_IFMT == S_IFLNK {
            throw .unsafeDirectory(path: path, reason: "it is a symbolic link")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw .unsafeDirectory(path: path, reason: "it is not a directory")
        }
        guard st.st_uid == geteuid() else {
            throw .unsafeDirectory(path: path, reason: "it belongs to uid \(st.st_uid), not to this user")
        }
        if st.st_mode & 0o777 != mode, chmod(path, mode) != 0 {
            throw .io(path: path, operation: "restrict permissions of", errno: Errno(rawValue: errno))
        }
    }
}

// MARK: checking before use

extension HermesHome {
    /// Refuses a `HERMES_HOME` that exists but cannot be the directory hermes keeps its files in
    /// (a file, a FIFO, a dangling symlink, a path through a file), so a command stops at once
    /// with the path and the reason instead of creating over it or failing halfway through. A
    /// missing directory is fine: it is created when something is first written.
    public func checkUsable() throws(StorageError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            let error = errno
            if error == ENOENT { return }
            if error == ENOTDIR {
                throw .unsafeDirectory(path: path, reason: "a part of the path above it is not a directory")
            }
            throw .io(path: path, operation: "inspect", errno: Errno(rawValue: error))
        }
        if st.st_mode & S_IFMT == S_IFLNK {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            var followed = stat()
            guard stat(path, &followed) == 0 else {
                throw .unsafeDirectory(path: path, reason: "it is a symbolic link to \(target), which does not exist (or cannot be reached)")
            }
            guard followed.st_mode & S_IFMT == S_IFDIR else {
                throw .unsafeDirectory(path: path, reason: "it is a symbolic link to \(target), which is \(Self.kind(followed.st_mode)), not a directory")
            }
            return
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw .unsafeDirectory(path: path, reason: "it is \(Self.kind(st.st_mode)), not a directory")
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a directory"
        }
    }
}
