import Foundation
import HermesOAuth

/// What an `add` writes before it knows whether the server will be saved: the header key in
/// `.env` (written before connecting, so the probe can use it) and the OAuth files of its login.
/// When the server is then not saved they are removed again; what was there before the add
/// started is never touched.
struct AddLeftovers: Sendable {
    let home: HermesHome
    let name: String
    /// The `.env` key this add wrote; nil when it found the key already there.
    var addedKey: String?
    /// The value the `.env` key had before this add replaced it (a `--header` key, a client secret).
    var replacedValue: String?
    /// That key's name, when it is not `MCP_<NAME>_API_KEY`.
    var addedKeyName: String?
    /// Whether this add made `.env` to write the key: emptied again, the file goes too.
    var createdEnvFile: Bool
    private let oauthFilesBefore: Set<String>

    init(home: HermesHome, name: String, addedKey: String?, replacedValue: String? = nil, createdEnvFile: Bool = false,
         addedKeyName: String? = nil) {
        self.addedKeyName = addedKeyName
        self.home = home
        self.name = name
        self.addedKey = addedKey
        self.replacedValue = replacedValue
        self.createdEnvFile = createdEnvFile
        oauthFilesBefore = Set(Self.oauthFiles(home: home, name: name).filter { FileManager.default.fileExists(atPath: $0) })
    }

    private static func oauthFiles(home: HermesHome, name: String) -> [String] {
        let store = TokenStore(home: home, serverName: name)
        return [store.tokensPath, store.clientPath, store.metadataPath, store.verdictPath, store.dpopKeyPath, store.identityPath]
    }

    /// Removes what this add wrote, saying what went.
    func clean(terminal: Terminal) {
        if let addedKey {
            do {
                if try DotEnv.remove(path: home.envPath, key: addedKey) {
                    terminal.info("Removed \(addedKey) from \(home.display())/.env again (the server was not saved).")
                }
            } catch {
                terminal.warning("Could not remove \(addedKey) from \(home.display())/.env: \(error)")
            }
        }
        if let replacedValue, let key = addedKeyName ?? Optional(HeaderKey.envName(for: name)) {
            do {
                try DotEnv.set(path: home.envPath, key: key, value: replacedValue)
                terminal.info("Put the previous \(key) back in \(home.display())/.env (the server was not saved).")
            } catch {
                terminal.warning("Could not put the previous \(key) back in \(home.display())/.env: \(error)")
            }
        }
        if createdEnvFile, addedKey != nil, let data = FileManager.default.contents(atPath: home.envPath),
           String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try? FileManager.default.removeItem(atPath: home.envPath)
        }
        let created = Self.oauthFiles(home: home, name: name)
            .filter { !oauthFilesBefore.contains($0) && FileManager.default.fileExists(atPath: $0) }
        guard !created.isEmpty else { return }
        var failed = false
        for path in created {
            do { try FileManager.default.removeItem(atPath: path) } catch { failed = true }
        }
        if failed {
            terminal.warning("Could not remove all OAuth files of this login; `hermes mcp logout \(ShellWord.quote(name))` deletes them.")
        } else {
            terminal.info("Removed the OAuth tokens this login stored for '\(name)' (the server was not saved).")
        }
    }
}
