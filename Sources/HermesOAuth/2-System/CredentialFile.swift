import Foundation

/// A credential hermes reads from a file the user names: a private key, a workload token, an
/// identity token. Read whole at each use (Kubernetes and CI rotate tokens in place; a symlink is
/// followed, as their mounts are made of them), bounded, and never a FIFO or a device.
public enum CredentialFile {
    public static let limit = 64 * 1024

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The file's text, trimmed. `privateOnly` refuses a file others may read (a private key);
    /// `what` names the setting in errors ("oauth.private_key").
    public static func read(_ path: String, what: String, privateOnly: Bool) throws(Problem) -> String {
        let data: Data?
        do { data = try AtomicFile.read(path: path, limit: limit, followSymlink: true, privateOnly: privateOnly) } catch {
            throw Problem(description: "\(what) \(path): \(error)")
        }
        guard let data else { throw Problem(description: "\(what) \(path) does not exist") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Problem(description: "\(what) \(path) is empty") }
        return text
    }
}
