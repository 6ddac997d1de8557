import Foundation
import Glibc
import SystemPackage

/// What reading one of a server's files found. A corrupt file is reported, never repaired or
/// removed by the read: the person may want to look at it, and another process may be mid-write.
public enum ReadOutcome<Value: Sendable>: Sendable {
    case missing
    case corrupt(path: String, reason: String)
    case value(Value)

    public var value: Value? { if case .value(let v) = self { v } else { nil } }
}

/// The files of one server under `$HERMES_HOME/mcp-tokens/`, in hermes-agent's layout:
/// `<stem>.json` (tokens), `<stem>.client.json` (registration), `<stem>.meta.json` (authorization
/// server metadata), `<stem>.client.json.bak` (the registration replaced last), and hermes' own
/// `<stem>.verdict.json` (the servers' last refusal, see `TokenVerdict`). A stem never contains a
/// dot, so no name here can be another server's tokens file.
///
/// The directory is 0700 and every file 0600, written only by whole-file atomic replacement; no
/// path is ever followed through a symlink at the file itself.
public struct TokenStore: Sendable {
    public let home: HermesHome
    public let serverName: String
    public let stem: String

    /// The largest token, registration or metadata file hermes reads (larger ones are refused as
    /// corrupt); what a server sends is checked against it before it is stored.
    public static let maxFileSize = 1 << 20

    public init(home: HermesHome, serverName: String) {
        self.home = home
        self.serverName = serverName
        self.stem = ServerFileName.stem(for: serverName)
    }

    public var directory: String { home.tokenDirectory }
    public var tokensFileName: String { FileKind.tokens.fileName(stem: stem) }
    public var clientFileName: String { FileKind.client.fileName(stem: stem) }
    public var metadataFileName: String { FileKind.metadata.fileName(stem: stem) }
    public var clientBackupFileName: String { FileKind.clientBackup.fileName(stem: stem) }
    public var verdictFileName: String { FileKind.verdict.fileName(stem: stem) }
    public var dpopKeyFileName: String { FileKind.dpopKey.fileName(stem: stem) }
    public var identityFileName: String { FileKind.identity.fileName(stem: stem) }
    /// Hidden, so nothing that lists token files mistakes it for one.
    public var lockFileName: String { "." + stem + ".lock" }
    /// Held for the whole of a login, so two processes logging in to one server take turns.
    public var loginLockFileName: String { "." + stem + ".login.lock" }

    public var tokensPath: String { directory + "/" + tokensFileName }
    public var clientPath: String { directory + "/" + clientFileName }
    public var metadataPath: String { directory + "/" + metadataFileName }
    public var clientBackupPath: String { directory + "/" + clientBackupFileName }
    public var verdictPath: String { directory + "/" + verdictFileName }
    /// The private key DPoP-bound tokens are bound to (RFC 9449): PKCS#8 PEM, 0600, never logged.
    public var dpopKeyPath: String { directory + "/" + dpopKeyFileName }
    /// The identity token (and refresh token) of a login at an enterprise identity provider.
    public var identityPath: String { directory + "/" + identityFileName }
    public var lockPath: String { directory + "/" + lockFileName }
    public var loginLockPath: String { directory + "/" + loginLockFileName }

    /// What a file in `mcp-tokens/` is, told from its name alone (the watcher sees names only).
    public enum FileKind: Sendable, CaseIterable {
        case tokens, client, metadata, clientBackup, verdict, dpopKey, identity

        var suffix: String {
            switch self {
            case .tokens: ".json"
            case .client: ".client.json"
            case .metadata: ".meta.json"
            case .clientBackup: ".client.json.bak"
            case .verdict: ".verdict.json"
            case .dpopKey: ".dpop.pem"
            case .identity: ".idp.json"
            }
        }

        func fileName(stem: String) -> String { stem + suffix }
    }

    /// The stem and kind of a server's file, nil for anything else: hidden names (locks, the
    /// temporary files of atomic writes), hermes-agent's `.tmp` files, strangers. The longest
    /// matching suffix wins, so `srv.client.json` is a registration, not tokens of `srv.client`.
    public static func classify(fileName name: String) -> (stem: String, kind: FileKind)? {
        guard !name.isEmpty, !name.hasPrefix(".") else { return nil }
        let kinds = FileKind.allCases.sorted { $0.suffix.count > $1.suffix.count }
        guard let kind = kinds.first(where: { name.hasSuffix($0.suffix) && name.count > $0.suffix.count }) else { return nil }
        return (String(name.dropLast(kind.suffix.count)), kind)
    }

    // MARK: tokens

    public func readTokens(now: Double = Date().timeIntervalSince1970) -> ReadOutcome<OAuthTokens> {
        read(tokensPath) { object, mtime throws(OAuthTokens.Invalid) in
            // hermes-agent files older than expires_at carried only expires_in, relative to the write.
            try OAuthTokens(json: object, issuedAt: mtime ?? now)
        }
    }

    /// The stored tokens, or nil when there are none or the file is unusable (which is logged).
    public func tokens() -> OAuthTokens? { warnIfCorrupt(readTokens()) }

    public func save(tokens: OAuthTokens, now: Double = Date().timeIntervalSince1970) throws(StorageError) {
        try write(JSONObject.encode(tokens.json(now: now)), name: tokensFileName)
    }

    public var hasTokensFile: Bool {
        var st = stat()
        return lstat(tokensPath, &st) == 0
    }

    // MARK: client registration

    public func readClient() -> ReadOutcome<ClientRegistration> {
        read(clientPath) { object, _ throws(ClientRegistration.Invalid) in try ClientRegistration(json: object) }
    }

    /// The stored registration if it may be used with `issuer`. A registration recorded for another
    /// authorization server is not returned. One without a recorded issuer (hermes-agent wrote it)
    /// is accepted when the stored metadata names the same issuer, or when there is no metadata.
    public func client(forIssuer issuer: String?) -> ClientRegistration? {
        guard let client = warnIfCorrupt(readClient()) else { return nil }
        guard let issuer else { return client }
        let bound = client.issuer ?? metadata()?.issuer
        if let bound, bound != issuer {
            HermesLog.storage.notice(
                "ignoring the client registration in \(clientPath): it belongs to \(bound), not \(issuer)")
            return nil
        }
        return client
    }

    public func save(client: ClientRegistration) throws(StorageError) {
        try write(JSONObject.encode(client.fields), name: clientFileName)
    }

    /// Copies the current registration to `<stem>.client.json.bak` before it is replaced, so a
    /// registration replaced by mistake can be restored by hand.
    public func backupClient() throws(StorageError) {
        let data: Data?
        do { data = try AtomicFile.read(path: clientPath) } catch {
            throw .unreadable(path: clientPath, reason: error.description)
        }
        guard let data else { return }
        try write(data, name: clientBackupFileName)
    }

    // MARK: authorization server metadata

    public func readMetadata() -> ReadOutcome<AuthorizationServerMetadata> {
        read(metadataPath) { object, _ throws(AuthorizationServerMetadata.Invalid) in
            try AuthorizationServerMetadata(json: object)
        }
    }

    public func metadata() -> AuthorizationServerMetadata? { warnIfCorrupt(readMetadata()) }

    public func save(metadata: AuthorizationServerMetadata) throws(StorageError) {
        try write(JSONObject.encode(metadata.fields), name: metadataFileName)
    }

    // MARK: the scope an MCP server demanded

    /// The scope `save(challengedScope:)` recorded, nil when none is pending.
    public func challengedScope() -> String? { readMetadata().value?.challengedScope }

    /// Records (nil: forgets) the scope in `<stem>.meta.json`, beside the login it adds to. Returns
    /// false when there is no usable metadata file to keep it in (tokens hermes-agent stored before
    /// it wrote one, or a corrupt file, which is left as it is). The caller serialises this
    /// read-modify-write with logins (see `OAuthProvider.remember(challengedScope:)`).
    @discardableResult
    public func save(challengedScope: String?) throws(StorageError) -> Bool {
        guard var metadata = readMetadata().value else { return false }
        guard metadata.challengedScope != challengedScope else { return true }
        metadata.challengedScope = challengedScope
        try save(metadata: metadata)
        return true
    }

    // MARK: the servers' last verdict

    public func readVerdict() -> ReadOutcome<TokenVerdict> {
        read(verdictPath) { object, _ throws(TokenVerdict.Invalid) in try TokenVerdict(json: object) }
    }

    /// The recorded refusal when it is about `tokens` (the ones stored now); nil otherwise.
    public func verdict(about tokens: OAuthTokens?) -> TokenVerdict? {
        guard let verdict = readVerdict().value, verdict.applies(to: tokens) else { return nil }
        return verdict
    }

    public func save(verdict: TokenVerdict) throws(StorageError) {
        try write(JSONObject.encode(verdict.json), name: verdictFileName)
    }

    /// Called on every successful refresh and login; without a file it costs one failed unlink.
    @discardableResult
    public func removeVerdict() throws(StorageError) -> [String] {
        if unlink(verdictPath) == 0 { return [verdictPath] }
        if errno == ENOENT { return [] }
        throw .io(path: verdictPath, operation: "remove", errno: Errno(rawValue: errno))
    }

    // MARK: removal

    /// Deletes tokens, registration and metadata (and the backup when `includingBackup`). Returns
    /// the paths that existed and were removed.
    @discardableResult
    public func removeAll(includingBackup: Bool = false) throws(StorageError) -> [String] {
        var paths = [tokensPath, clientPath, metadataPath, verdictPath, dpopKeyPath, identityPath]
        if includingBackup { paths.append(clientBackupPath) }
        var removed: [String] = []
        for path in paths {
            if unlink(path) == 0 {
                removed.append(path)
            } else if errno != ENOENT {
                throw .io(path: path, operation: "remove", errno: Errno(rawValue: errno))
            }
        }
        return removed
    }

    /// Deletes only the tokens file (and the verdict about them); returns its path when it existed.
    @discardableResult
    public func removeTokensOnly() throws(StorageError) -> [String] {
        try removeVerdict()
        var removed: [String] = []
        // The DPoP key goes with the tokens bound to it: the next login binds new ones to a new key.
        for path in [tokensPath, dpopKeyPath, identityPath] {
            if unlink(path) == 0 {
                removed.append(path)
            } else if errno != ENOENT {
                throw .io(path: path, operation: "remove", errno: Errno(rawValue: errno))
            }
        }
        return removed
    }

    // MARK: identity provider login

    public func identityTokens() -> IdentityTokens? {
        warnIfCorrupt(read(identityPath) { object, _ throws(IdentityTokens.Invalid) in try IdentityTokens(json: object) })
    }

    public func save(identityTokens: IdentityTokens) throws(StorageError) {
        try write(JSONObject.encode(identityTokens.json), name: identityFileName)
    }

    // MARK: DPoP key

    /// The server's DPoP key; with `create`, one is made when none exists. Created exclusively (a
    /// link of a complete temporary file, never a rename over another), so two processes creating
    /// it at once both end up with the one that landed first, and tokens are never bound to a key
    /// that another process then replaced.
    public func dpopKey(create: Bool) throws(StorageError) -> SigningKey? {
        if let existing = try readDPoPKey() { return existing }
        guard create else { return nil }
        try prepareDirectory()
        let key: SigningKey
        let pem: String
        do {
            key = try SigningKey.generateP256()
            pem = try key.pem()
        } catch {
            throw .io(path: dpopKeyPath, operation: "generate", errno: .ioError)
        }
        let temporary = directory + "/." + dpopKeyFileName + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        do {
            try AtomicFile.write(Data(pem.utf8), directory: directory, name: String(temporary.dropFirst(directory.count + 1)), mode: 0o600)
        } catch {
            throw .io(path: dpopKeyPath, operation: "write", errno: error)
        }
        defer { unlink(temporary) }
        if link(temporary, dpopKeyPath) != 0, errno != EEXIST {
            throw .io(path: dpopKeyPath, operation: "create", errno: Errno(rawValue: errno))
        }
        return try readDPoPKey() ?? key
    }

    private func readDPoPKey() throws(StorageError) -> SigningKey? {
        let data: Data?
        do { data = try AtomicFile.read(path: dpopKeyPath, limit: 64 * 1024, privateOnly: true) } catch {
            throw .unreadable(path: dpopKeyPath, reason: error.description)
        }
        guard let data else { return nil }
        do { return try SigningKey(pem: String(decoding: data, as: UTF8.self), what: "the DPoP key") } catch {
            throw .unreadable(path: dpopKeyPath, reason: error.description)
        }
    }

    // MARK: directory

    /// Creates `mcp-tokens/` (and `HERMES_HOME` when missing) as 0700, tightens an existing one
    /// that others could read, and refuses one that is a symlink or belongs to someone else.
    public func prepareDirectory() throws(StorageError) {
        try HermesHome.makePrivateDirectory(home.path)
        try HermesHome.makePrivateDirectory(directory, tighten: true)
    }

    // MARK: plumbing

    private func write(_ data: Data, name: String) throws(StorageError) {
        try prepareDirectory()
        do {
            try AtomicFile.write(data, directory: directory, name: name, mode: 0o600)
        } catch {
            throw .io(path: directory + "/" + name, operation: "write", errno: error)
        }
    }

    private func read<Value, Failure: Error & CustomStringConvertible>(
        _ path: String, _ make: ([String: JSONValue], Double?) throws(Failure) -> Value
    ) -> ReadOutcome<Value> {
        let data: Data?
        do {
            data = try AtomicFile.read(path: path, limit: Self.maxFileSize)
        } catch {
            return .corrupt(path: path, reason: error.description)
        }
        guard let data else { return .missing }
        let object: [String: JSONValue]
        do { object = try JSONObject.decode(data) } catch {
            return .corrupt(path: path, reason: "\(error)")
        }
        var st = stat()
        let mtime: Double? = stat(path, &st) == 0
            ? Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 : nil
        do {
            return .value(try make(object, mtime))
        } catch {
            return .corrupt(path: path, reason: error.description)
        }
    }

    private func warnIfCorrupt<Value>(_ outcome: ReadOutcome<Value>) -> Value? {
        if case .corrupt(let path, let reason) = outcome {
            HermesLog.storage.warning("ignoring \(path) (left as it is): \(reason)")
        }
        return outcome.value
    }
}
