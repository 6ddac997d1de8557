import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "hermes-test") {
        let template = NSTemporaryDirectory() + "/\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { fatalError("mkdtemp failed for \(template)") }
        path = (String(cString: made) as NSString).standardizingPath
    }

    deinit {
        // Restore write permission first so that tests that tightened modes do not leave litter.
        Self.makeOwnerAccessible(path)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `chmod -R u+rwx` without a process: each directory is opened up before it is listed;
    /// symbolic links are neither followed nor changed.
    static func makeOwnerAccessible(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT != S_IFLNK else { return }
        chmod(path, (st.st_mode & 0o7777) | 0o700)
        guard st.st_mode & S_IFMT == S_IFDIR else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            makeOwnerAccessible(path + "/" + name)
        }
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ text: String, mode: Int = 0o600) throws {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, mode_t(mode))
    }
}
