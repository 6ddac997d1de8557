import Foundation

/// One trip through the browser: builds the authorization request (PKCE S256, `state` from the
/// CSPRNG, `resource`, `scope`), shows and opens it, and waits for the one authorization response
/// that carries the right `state` and `iss`, from the loopback listener or pasted by the person.
struct AuthorizationAttempt {
    enum Outcome: Sendable {
        case code(String)
        /// The authorization server answered with an OAuth error for this very request.
        case refused(error: String, description: String?)
    }

    let serverName: String
    let metadata: AuthorizationServerMetadata
    let client: ClientRegistration
    let redirectURI: String
    /// RFC 8707's `resource`; none for a login at an identity provider, which names no resource.
    let resource: String?
    let scope: String?
    let extraParameters: [String: String]
    let listener: CallbackListener
    let timeout: Double
    let interaction: LoginInteraction

    /// Parameters that the configuration may not override.
    static let reserved: Set<String> = ["response_type", "client_id", "redirect_uri", "state", "code_challenge",
                                        "code_challenge_method", "resource", "scope"]

    func run(pkce: PKCEPair) async throws(OAuthFailure) -> Outcome {
        let state: String
        do { state = Base64URL.encode(try Crypto.randomBytes(32)) } catch { throw .storage("the secure random generator failed") }
        let url = try authorizationURL(state: state, pkce: pkce)

        interaction.say("")
        interaction.say("  MCP OAuth: authorization required for '\(serverName)'.")
        interaction.say("  Open this URL in your browser:")
        interaction.say("")
        interaction.say("    \(url)")
        interaction.say("")
        switch interaction.browser.open(url) {
        case .opened: interaction.say("  (Browser opened automatically.)")
        case .failed(let why): interaction.say("  (Could not open a browser: \(why). Open the URL above manually.)")
        case .remoteSession:
            interaction.say("  (Remote session detected. Open the URL on your own machine, then paste the address")
            interaction.say("   the browser ends on, or forward the port first: ssh -N -L \(listener.port):127.0.0.1:\(listener.port) <this-host>)")
        case .headless: interaction.say("  (No display found: open the URL manually.)")
        }

        let rendezvous = Rendezvous<Result<Outcome, OAuthFailure>>()
        let decide: @Sendable (CallbackParameters) -> CallbackListener.Verdict = { parameters in
            let (verdict, result) = Self.judge(parameters, expectedState: state, metadata: metadata)
            if let result { rendezvous.finish(result) }
            return verdict
        }
        let deadline = Date().addingTimeInterval(timeout)
        let listener = self.listener
        let listenerThread = Thread { listener.serve(until: deadline, decide: decide) }
        listenerThread.start()

        var paste: PasteReader?
        if interaction.pasteFromTerminal {
            interaction.say("  Or paste the address your browser ends on (or its code=...&state=... part) and press Enter;")
            interaction.say("  type skip to cancel the login:")
            let reader = PasteReader()
            paste = reader
            let say = interaction.say
            Thread {
                reader.run { line in
                    let trimmed = line.trimmingCharacters(in: .whitespaces).lowercased()
                    if ["skip", "cancel", "q", "quit"].contains(trimmed) {
                        rendezvous.finish(.failure(.cancelled("login cancelled")))
                        return true
                    }
                    guard let parameters = CallbackParameters(pasted: line) else {
                        if !trimmed.isEmpty { say("  That does not look like a redirect address; paste the whole address, or type skip to cancel the login.") }
                        return false
                    }
                    let verdict = decide(parameters)
                    if !verdict.done { say("  Not accepted: that response does not belong to this login (state mismatch).") }
                    return verdict.done
                }
            }.start()
        }

        interaction.waiting(.started(readingPaste: paste != nil))
        let result = await rendezvous.wait(timeout: timeout)
        listener.stop()
        paste?.stop()
        interaction.waiting(.ended)
        switch result {
        case .none:
            // Said after the wait is over, so no "complete it in the browser" or "paste": only what
            // helps on the next try.
            throw .loginTimedOut("no authorization response arrived within \(Int(timeout)) s (if the browser showed an error such as 'client not found', run `hermes mcp login \(ShellWord.quote(serverName)) --new-client`)")
        case .some(.success(let outcome)): return outcome
        case .some(.failure(let failure)): throw failure
        }
    }

    func authorizationURL(state: String, pkce: PKCEPair) throws(OAuthFailure) -> String {
        guard let endpoint = metadata.authorizationEndpoint else {
            throw .protocolViolation("the authorization server has no authorization_endpoint")
        }
        // Percent-encoding it would send the person somewhere the server did not name; a URL with
        // raw control characters is no URL (RFC 3986), so there is nothing to open.
        guard ServerText.isClean(endpoint) else {
            throw .protocolViolation("the authorization_endpoint contains control or invisible formatting characters: \(ServerText.clean(endpoint.prefix(200)))")
        }
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", redirectURI),
            ("state", state), ("code_challenge", pkce.challenge), ("code_challenge_method", PKCEPair.method),
        ]
        if let resource { parameters.append(("resource", resource)) }
        if let scope, !scope.isEmpty { parameters.append(("scope", scope)) }
        for (name, value) in extraParameters.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(name) {
            parameters.append((name, value))
        }
        let joined = endpoint + (endpoint.contains("?") ? "&" : "?") + FormEncoding.encode(parameters)
        _ = try URLPolicy.check(joined, what: "the authorization URL")
        // Printed for the person and handed to $BROWSER: whatever a parameter held, only
        // percent-encoded, still working, text leaves.
        return ServerText.url(joined)
    }

    /// The decision on one authorization response. A wrong `state` is someone else's (or a stale)
    /// response: refused, and the wait goes on. With the right `state`, RFC 9207 `iss` must match
    /// when present, and be present when the server advertises it; on a mismatch the response's
    /// error fields are not acted on.
    static func judge(_ p: CallbackParameters, expectedState: String, metadata: AuthorizationServerMetadata)
        -> (CallbackListener.Verdict, Result<Outcome, OAuthFailure>?) {
        guard let state = p.state, constantTimeEquals(state, expectedState) else {
            return (.init(status: 400, page: CallbackListener.page("Not accepted", "This response does not belong to the login in progress."), done: false), nil)
        }
        if let iss = p.iss {
            if iss != metadata.issuer {
                return (.init(status: 400, page: CallbackListener.page("Authorization failed", "The response came from an unexpected issuer. Return to the terminal."), done: true),
                        .failure(.protocolViolation("the authorization response names issuer '\(ServerText.clean(iss.prefix(200)))', not '\(ServerText.clean(metadata.issuer))' (possible mix-up attack); not using it")))
            }
        } else if metadata.authorizationResponseIssParameterSupported {
            return (.init(status: 400, page: CallbackListener.page("Authorization failed", "The response lacks the issuer it must carry. Return to the terminal."), done: true),
                    .failure(.protocolViolation("the authorization response has no 'iss' although \(ServerText.clean(metadata.issuer)) advertises it (RFC 9207); not using it")))
        }
        if let error = p.error {
            let description = p.errorDescription.map { ServerText.clean($0.prefix(300)) }
            return (.init(status: 200, page: CallbackListener.page("Authorization failed", "The authorization server answered: \(error). You can close this tab."), done: true),
                    .success(.refused(error: ServerText.clean(error.prefix(100)), description: description)))
        }
        guard let code = p.code, !code.isEmpty else {
            return (.init(status: 400, page: CallbackListener.page("Authorization failed", "The response carries no code."), done: true),
                    .failure(.protocolViolation("the authorization response carries neither a code nor an error")))
        }
        return (.init(status: 200, page: CallbackListener.page("Authorization successful", "You can close this tab and return to hermes."), done: true),
                .success(.code(code)))
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}

/// Hands one value from whichever thread produces it first to one waiter, with a timeout.
final class Rendezvous<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?
    private var finished = false
    private var continuation: CheckedContinuation<Value?, Never>?

    func finish(_ v: Value?) {
        let waiter: CheckedContinuation<Value?, Never>? = lock.withLock {
            guard !finished else { return nil }
            finished = true
            value = v
            defer { continuation = nil }
            return continuation
        }
        waiter?.resume(returning: v)
    }

    func wait(timeout: Double) async -> Value? {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in self?.finish(nil) }
        return await withCheckedContinuation { c in
            let ready: (Bool, Value?) = lock.withLock {
                if finished { return (true, value) }
                continuation = c
                return (false, nil)
            }
            if ready.0 { c.resume(returning: ready.1) }
        }
    }
}
