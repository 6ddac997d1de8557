import Foundation

/// Step-up after a 403 `insufficient_scope`, on whichever request the MCP server answers it: the
/// scope asked for next is the union of what the tokens hold and what the server demanded
/// (SEP-2350), and the demand is written beside the tokens (`hermes_challenged_scope` in
/// `<name>.meta.json`), so the next login in any process asks for it too instead of the scope that
/// was already refused.
extension OAuthProvider {
    /// New authorizations one request may start for more scope before hermes stops asking: a
    /// server that demands more every time must not keep a person in the browser forever (the
    /// conformance suite allows three authorizations in all, the first login included).
    public static let stepUpLimit = 2

    /// The longest scope string hermes keeps from a server, and how many scopes: the value is
    /// requested again and written to disk, and a server decides what it says.
    static let maxScopeLength = 1024
    static let maxScopes = 32

    /// Step-up after the MCP server answered 403 `insufficient_scope`. With `interaction`, a new
    /// authorization for the held, the remembered and the demanded scopes together; without one
    /// (the runtime, the C API) `.needsLogin` naming the missing scope, which is remembered for the
    /// next login. A token that already carries every demanded scope is not authorized again: the
    /// server would refuse the new one the same way.
    public func stepUp(challenge: AuthChallenge, interaction: LoginInteraction?, timeout: Double? = nil) async throws(OAuthFailure) -> OAuthTokens {
        cell.markStale()
        let held = tokens()
        let demanded = Self.scopeFromServer(challenge.scope)
        let missing = Self.missing(held?.scope, demanded)
        if let demanded, Self.alreadyCarries(held?.scope, challenge) {
            throw .denied("the MCP server '\(server.name)' still refuses the token for lack of scope '\(ServerText.clipped(demanded))', which the token already carries; authorizing again would not change that")
        }
        if held != nil { remember(challengedScope: demanded) }
        guard let interaction else {
            // This text reaches an agent's model through `needs_reauth`: a server's words, kept short.
            let reason = missing.map { "the MCP server requires the scope '\(ServerText.clipped($0))', which the stored tokens do not carry" }
                ?? "the MCP server requires more scope than the stored tokens carry (it did not say which)"
            throw .needsLogin(server: server.name, reason: reason)
        }
        interaction.say("  The server asks for more access (scope \(demanded.map { ServerText.clipped($0) } ?? "?")); authorizing again.")
        let scope = Self.union(Self.union(held?.scope, store.challengedScope()), demanded)
        return try await authorize(interaction: interaction, scope: scope, newClient: false, timeout: timeout)
    }

    /// Adds `demanded` to the scope pending in `<name>.meta.json`. Only when no login holds the
    /// server's login lock, in this process or another: a login writes that file too, and its
    /// tokens replace these anyway (a demand they do not meet comes back with the next 403).
    func remember(challengedScope demanded: String?) {
        guard let demanded else { return }
        do {
            let lock = try FileLock(path: store.loginLockPath)
            guard try lock.tryLock() else { return }
            defer { lock.unlock() }
            // Bounded as one challenge is, newest first: a server naming new scopes on every call must
            // not grow the file, or the next authorization request, without end.
            let pending = Self.scopeFromServer(Self.union(demanded, store.challengedScope()))
            if !(try store.save(challengedScope: pending)) {
                HermesLog.storage.notice("'\(server.name)' asks for scope '\(ServerText.clean(demanded))'; no metadata file to remember it in until the next login")
            }
        } catch {
            HermesLog.storage.warning("could not remember the scope '\(server.name)' asks for: \(error)")
        }
    }

    /// The scope the next authorization asks for: what the spec's strategy chose, and, while an MCP
    /// server's demand is pending, what the tokens hold and that demand as well.
    func withPendingDemand(_ chosen: String?) -> String? {
        guard let pending = store.challengedScope() else { return chosen }
        return Self.union(Self.union(chosen, tokens()?.scope), pending)
    }

    /// The pending demand to keep in the metadata a login writes: gone once `granted` covers it.
    func demandStillPending(granted: String?) -> String? {
        guard let pending = store.challengedScope(), !Self.covers(granted, pending) else { return nil }
        return pending
    }

    /// A server's scope string reduced to what may be requested again: RFC 6749 scope tokens
    /// (printable ASCII without space, `"` or `\`), each once, bounded in number and length.
    static func scopeFromServer(_ text: String?) -> String? {
        guard let text else { return nil }
        var out: [Substring] = []
        var length = 0
        for token in text.split(separator: " ") where !out.contains(token) && out.count < maxScopes {
            guard token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }) else { continue }
            guard length + token.count + 1 <= maxScopeLength else { break }
            out.append(token)
            length += token.count + 1
        }
        return out.isEmpty ? nil : out.joined(separator: " ")
    }

    /// The token's scope (as granted) holds every scope the challenge names: another authorization
    /// for them would be refused the same way. False when either is unknown or unreadable.
    static func alreadyCarries(_ held: String?, _ challenge: AuthChallenge) -> Bool {
        guard held != nil, let demanded = scopeFromServer(challenge.scope) else { return false }
        return missing(held, demanded) == nil
    }

    /// The scopes of `wanted` that `held` lacks, nil when none.
    static func missing(_ held: String?, _ wanted: String?) -> String? {
        let have = Set((held ?? "").split(separator: " "))
        let lacking = (wanted ?? "").split(separator: " ").filter { !have.contains($0) }
        return lacking.isEmpty ? nil : lacking.joined(separator: " ")
    }
}
