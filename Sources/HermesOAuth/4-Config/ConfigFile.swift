import Foundation
import Glibc
import Yams

public enum ConfigError: Error, CustomStringConvertible, Sendable {
    /// The YAML does not parse; `line` and `column` count from 1.
    case malformed(path: String, line: Int?, column: Int?, problem: String)
    /// A key that must hold a mapping holds something else, so editing it would destroy data.
    case notAMapping(path: String, key: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let path, let line, let column, let problem):
            if let line, let column { return "\(path):\(line):\(column): invalid YAML: \(problem)" }
            return "\(path): invalid YAML: \(problem)"
        case .notAMapping(let path, let key):
            return "\(path): '\(key)' must be a mapping of names to settings; fix it by hand first"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

/// `$HERMES_HOME/config.yaml`, edited at the level of YAML nodes so that key order and every key
/// hermes does not understand survive a rewrite (comments do not: libyaml drops them). A file
/// that does not parse is reported with its line and column and is never written.
public struct ConfigFile {
    public let path: String
    /// The document's top-level mapping.
    public private(set) var root: Node.Mapping
    public let existed: Bool

    private static let serversKey = "mcp_servers"
    /// Far beyond any real config, small enough that a runaway file cannot exhaust memory.
    static let maxSize = 16 << 20

    public init(path: String, text: String?) throws(ConfigError) {
        self.path = path
        self.existed = text != nil
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            root = Node.Mapping([])
            return
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, path: path)
        } catch {
            throw .malformed(path: path, line: nil, column: nil, problem: "\(error)")
        }
        switch node {
        case .none: root = Node.Mapping([])
        case .some(.mapping(let mapping)): root = mapping
        case .some(.scalar(let s)) where s.string.isEmpty || node?.tag.rawValue == Tag.Name.null.rawValue: root = Node.Mapping([])
        case .some(let other):
            throw .malformed(path: path, line: other.mark.map { $0.line }, column: other.mark.map { $0.column },
                             problem: "the top level must be a mapping of settings")
        }
    }

    public static func load(home: HermesHome) throws(ConfigError) -> ConfigFile {
        try load(path: home.configPath)
    }

    /// A config.yaml that is a FIFO or a device (or a symlink to one) is an error, never a hang.
    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        let read: Data?
        do { read = try AtomicFile.read(path: path, limit: maxSize, followSymlink: true) } catch {
            throw .io(path: path, reason: "not read: \(error)")
        }
        guard let data = read else { return try ConfigFile(path: path, text: nil) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformed(path: path, line: nil, column: nil, problem: "the file is not UTF-8 text")
        }
        return try ConfigFile(path: path, text: text)
    }

    // MARK: servers

    /// The `mcp_servers` mapping; empty when the key is absent. A non-mapping value is treated as
    /// empty for reading (with a warning), as hermes-agent does, and refused for writing.
    private var serversMapping: Node.Mapping? {
        guard let value = root[Self.serversKey] else { return Node.Mapping([]) }
        if case .mapping(let m) = value { return m }
        if value.tag.rawValue == Tag.Name.null.rawValue { return Node.Mapping([]) }
        return nil
    }

    public var serverNames: [String] {
        guard let mapping = serversMapping else {
            HermesLog.config.warning("\(path): '\(Self.serversKey)' is not a mapping; no MCP servers are loaded")
            return []
        }
        return mapping.keys.compactMap { $0.string }
    }

    /// The entry as written, without interpolation.
    public func rawServer(named name: String) -> ConfigValue? {
        guard let mapping = serversMapping, let key = Self.key(named: name, in: mapping) else { return nil }
        return mapping[key].map(ConfigValue.init)
    }

    /// The key node spelled `name`, whatever its tag or quoting: `"a"`, `a` and `!tag a` all name
    /// server `a`, as `serverNames` lists them.
    static func key(named name: String, in mapping: Node.Mapping) -> Node? {
        mapping.keys.first { $0.string == name }
    }

    /// The entry with `${VAR}` references expanded from `environment` (for config.yaml as hermes
    /// reads it, `ServerCatalogue` supplies the process environment with `.env` over it).
    public func server(named name: String, environment: [String: String]) -> MCPServerConfig? {
        guard let raw = rawServer(named: name) else { return nil }
        return MCPServerConfig(name: name, raw: Interpolation.expand(raw, environment: environment))
    }

    /// The entries that can be used; one whose shape is wrong (see `ServerEntryCheck`) is skipped
    /// with a warning naming its line, so one typo never takes the other servers down with it.
    public func servers(environment: [String: String]) -> [MCPServerConfig] {
        serverNames.compactMap { name in
            if let problem = problem(forServer: name) {
                HermesLog.config.warning("\(problem); server '\(name)' is skipped")
                return nil
            }
            return server(named: name, environment: environment)
        }
    }

    /// Adds or replaces an entry, keeping its position when it exists.
    public mutating func setServer(named name: String, _ value: ConfigValue) throws(ConfigError) {
        guard var mapping = serversMapping else { throw .notAMapping(path: path, key: Self.serversKey) }
        mapping[Self.key(named: name, in: mapping) ?? Node(name, Tag(.str))] = value.node
        root[Self.serversKey] = .mapping(mapping)
    }

    /// Removes an entry; the `mcp_servers` key goes too once it is empty. Returns false when absent.
    @discardableResult
    public mutating func removeServer(named name: String) throws(ConfigError) -> Bool {
        guard var mapping = serversMapping else { throw .notAMapping(path: path, key: Self.serversKey) }
        guard let key = Self.key(named: name, in: mapping) else { return false }
        mapping[key] = nil
        root[Self.serversKey] = mapping.isEmpty ? nil : .mapping(mapping)
        return true
    }

    // MARK: writing

    public func serialized() throws(ConfigError) -> String {
        do {
            return try Yams.serialize(node: .mapping(root), indent: 2, width: -1, allowUnicode: true)
        } catch {
            throw .io(path: path, reason: "could not be serialised: \(error)")
        }
    }

    /// Writes the file atomically. A symlinked config.yaml (a dotfiles checkout, say) is written
    /// through to its target rather than replaced. An existing file keeps its mode; a new one is
    /// 0600 because it may hold a client secret.
    /// The text `save()` writes: serialised, then loaded again to prove it reads back with the
    /// same keys. Some YAML (complex keys, unusual tags, keys that serialise alike) cannot be
    /// written back as it was read; writing it anyway could leave a file hermes itself can no
    /// longer load, so such a file is refused instead.
    public func rewrittenText() throws(ConfigError) -> String {
        let text = try serialized()
        let reread: ConfigFile
        do {
            reread = try ConfigFile(path: path, text: text)
        } catch {
            throw .io(path: path, reason: "not rewritten: hermes cannot write this file back faithfully (\(error.description)); edit it by hand")
        }
        guard reread.root.keys.count == root.keys.count, reread.serverNames == serverNames else {
            throw .io(path: path, reason: "not rewritten: hermes cannot write this file back faithfully (its keys would change); edit it by hand")
        }
        return text
    }

    public func save() throws(ConfigError) {
        let text = try rewrittenText()
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { dest in
            dest.hasPrefix("/") ? dest : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dest)
        } ?? path
        var st = stat()
        let mode: mode_t = stat(target, &st) == 0 ? st.st_mode & 0o777 : 0o600
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try HermesHome.makePrivateDirectory(directory)
            try AtomicFile.write(Data(text.utf8), directory: directory, name: (target as NSString).lastPathComponent, mode: mode)
        } catch let error as StorageError {
            throw .io(path: path, reason: error.description)
        } catch {
            throw .io(path: path, reason: "could not be written: \(error)")
        }
    }

    /// Read, change and write the file under an exclusive lock, so two hermes processes editing
    /// the config at once never lose each other's change.
    @discardableResult
    public static func update<T>(home: HermesHome, _ change: (inout ConfigFile) throws -> T) throws -> T {
        try HermesHome.makePrivateDirectory(home.path)
        let lock = try FileLock(path: home.configLockPath)
        try lock.lock(timeout: 10)
        defer { lock.unlock() }
        var file = try load(home: home)
        let result = try change(&file)
        try file.save()
        return result
    }

    private static func describe(_ error: YamlError, path: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return .malformed(path: path, line: mark.line, column: mark.column, problem: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .malformed(path: path, line: context.mark.line, column: context.mark.column,
                              problem: "duplicate keys: \(duplicates.joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return .malformed(path: path, line: nil, column: nil, problem: problem)
        default:
            return .malformed(path: path, line: nil, column: nil, problem: "\(error)")
        }
    }
}
