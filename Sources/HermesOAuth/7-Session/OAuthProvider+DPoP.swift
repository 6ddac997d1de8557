import Foundation

/// DPoP (RFC 9449) for one server: whether token requests carry proofs (`oauth.dpop` and what the
/// authorization server advertises decide), and the key bound tokens are presented with.
extension OAuthProvider {
    /// The algorithm hermes signs proofs with (a P-256 key kept in OpenSSL).
    static let dpopAlgorithm = SigningKey.Algorithm.es256.rawValue

    /// The prover for a token request to the server `metadata` describes, nil for none: with
    /// `oauth.dpop: auto` only when the server advertises ES256 in
    /// `dpop_signing_alg_values_supported`; `true` insists, and a server that does not advertise
    /// it is an error naming what it offers; `false` never.
    func dpopForTokenRequest(_ metadata: AuthorizationServerMetadata) throws(OAuthFailure) -> DPoPProver? {
        let offered = metadata.fields["dpop_signing_alg_values_supported"]?.stringArray
        switch server.settings.dpop {
        case .off:
            return nil
        case .auto:
            guard offered?.contains(Self.dpopAlgorithm) == true else { return nil }
        case .required:
            guard offered?.contains(Self.dpopAlgorithm) == true else {
                let list = ServerText.clean((offered ?? []).joined(separator: ", ").prefix(200))
                throw .configuration("server '\(server.name)' sets oauth.dpop: true, but the authorization server \(ServerText.clean(metadata.issuer.prefix(200))) does not accept \(Self.dpopAlgorithm) DPoP proofs (it offers: \(list.isEmpty ? "none" : list))")
            }
        }
        return try prover(create: true)
    }

    /// The prover of the server's key (made when `create` and there is none yet), cached while the
    /// key file stays the same file.
    nonisolated func prover(create: Bool) throws(OAuthFailure) -> DPoPProver? {
        let path = store.dpopKeyPath
        let identity = FileIdentity.of(path)
        if let identity, let cached = dpopCache.get(identity) { return cached }
        let key: SigningKey?
        do { key = try store.dpopKey(create: create) } catch {
            throw .storage("the DPoP key of '\(server.name)': \(error); tokens bound to it cannot be used: `hermes mcp logout \(ShellWord.quote(server.name))` removes both, and the next login makes a new key")
        }
        guard let key else { return nil }
        let prover = DPoPProver(key: key)
        if let now = FileIdentity.of(path) { dpopCache.set(prover, now) }
        return prover
    }

    /// How `tokens` are presented: Bearer, or DPoP with the key they are bound to. Bound tokens
    /// whose key is gone cannot be used by anyone: that takes a login.
    public nonisolated func credential(for tokens: OAuthTokens) throws(OAuthFailure) -> Credential {
        guard tokens.isDPoPBound else { return Credential(token: tokens.accessToken) }
        guard let prover = try prover(create: false) else {
            throw .needsLogin(server: server.name, reason: "the tokens are bound to a DPoP key that is no longer in \(store.dpopKeyPath)")
        }
        return Credential(token: tokens.accessToken, prover: prover)
    }

    /// The credential for `token` (the access token a caller got from `accessToken()`).
    public nonisolated func credential(forToken token: String) throws(OAuthFailure) -> Credential {
        let (held, _) = cell.snapshot()
        if let held, held.accessToken == token { return try credential(for: held) }
        if let stored = store.tokens(), stored.accessToken == token { return try credential(for: stored) }
        return Credential(token: token)
    }
}

/// The last DPoP key loaded, with the identity of the file it came from.
final class DPoPCache: Sendable {
    private let state = Locked<(prover: DPoPProver, file: FileIdentity)?>(nil)

    func get(_ file: FileIdentity) -> DPoPProver? {
        state.withLock { $0.flatMap { $0.file == file ? $0.prover : nil } }
    }

    func set(_ prover: DPoPProver, _ file: FileIdentity) {
        state.withLock { $0 = (prover, file) }
    }
}
