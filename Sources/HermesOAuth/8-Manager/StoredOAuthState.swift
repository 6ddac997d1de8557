import Foundation

/// A server's OAuth files as they are on disk, for reports (`status`, advice after a failure),
/// never for a request: requests take tokens from the manager's cell, which may be newer than
/// anything read here and is checked against the entry's URL.
public struct StoredOAuthState: Sendable {
    public let tokens: ReadOutcome<OAuthTokens>
    /// The servers' last refusal of these very tokens, from any process.
    public let verdict: TokenVerdict?
    public let metadata: AuthorizationServerMetadata?
    public let client: ClientRegistration?
}

extension OAuthManager {
    /// What the files of `name` say now, read in one go (tokens first, so the verdict read is about them).
    public func storedState(of name: String) -> StoredOAuthState {
        let store = TokenStore(home: home, serverName: name)
        let tokens = store.readTokens()
        let verdict = store.verdict(about: tokens.value)
        return StoredOAuthState(tokens: tokens, verdict: verdict, metadata: store.readMetadata().value, client: store.readClient().value)
    }

    /// The tokens stored for `name`, or nil when there are none or the file is unusable (logged).
    public func storedTokens(of name: String) -> OAuthTokens? {
        TokenStore(home: home, serverName: name).tokens()
    }
}
