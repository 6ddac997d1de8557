import CHermesOAuthABI
import Foundation
import HermesOAuth

// The manager's C API (include/hermesoauth.h). Each function converts its arguments, calls
// OAuthManager, and converts the result; slow paths run through BlockingBridge, off Swift's
// cooperative pool, so these may be called from any thread.

private func text(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

private func fail(_ failure: OAuthFailure) -> Int32 { LastError.fail(failure.status, failure.description) }

/// Runs `body` with the live handle, or returns the status for a NULL, closed or foreign handle.
private func withHandle(_ h: UnsafeMutablePointer<hermes_oauth>?, _ function: String, _ body: (OAuthHandle) -> Int32) -> Int32 {
    switch OAuthHandles.lookup(h) {
    case .success(let handle): return body(handle)
    case .failure(let refusal): return LastError.fail(.invalidArgument, "\(function): \(refusal)")
    }
}

/// Runs `body` with the live handle and the server name, or returns the status for a NULL, closed
/// or foreign handle or a missing name.
private func withServer(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?, _ function: String,
                        _ body: (OAuthHandle, String) -> Int32) -> Int32 {
    withHandle(h, function) { handle in
        guard let name = text(server), !name.isEmpty else {
            return LastError.fail(.invalidArgument, "\(function): the server name is NULL or empty")
        }
        return body(handle, name)
    }
}

@c public func hermes_oauth_open(_ hermesHome: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<hermes_oauth>?>?) -> Int32 {
    guard let out else { return LastError.fail(.invalidArgument, "hermes_oauth_open: out must not be NULL") }
    HostLog.install()
    out.pointee = nil
    let home: HermesHome
    if let path = text(hermesHome) {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            return LastError.fail(.invalidArgument, "hermes_oauth_open: hermes_home is empty (pass NULL for the default)")
        }
        home = HermesHome(path: path)
    } else {
        home = HermesHome.resolve()
    }
    let manager = OAuthManager.shared(home: home)
    manager.startWatching()
    guard let handle = OAuthHandles.open(OAuthHandle(manager: manager)) else {
        return LastError.fail(.io, "hermes_oauth_open: this process has used up its handle values")
    }
    out.pointee = handle
    return HermesStatus.ok.rawValue
}

@c @discardableResult
public func hermes_oauth_close(_ h: UnsafeMutablePointer<hermes_oauth>?) -> Int32 {
    guard h != nil else { return HermesStatus.ok.rawValue }
    switch OAuthHandles.close(h) {
    case .success(let handle):
        handle.close()
        return HermesStatus.ok.rawValue
    case .failure(let refusal):
        return LastError.fail(.invalidArgument, "hermes_oauth_close: \(refusal); nothing was closed")
    }
}

@c public func hermes_oauth_access_token(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?,
                                         _ token: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    token?.pointee = nil
    guard let token else { return LastError.fail(.invalidArgument, "hermes_oauth_access_token: token must not be NULL") }
    return withServer(h, server, "hermes_oauth_access_token") { handle, name in
        let manager = handle.manager
        if let cached = manager.cachedAccessToken(for: name) {
            token.pointee = strdup(cached)
            return HermesStatus.ok.rawValue
        }
        let result: Result<String, OAuthFailure> = BlockingBridge.wait {
            do { return .success(try await manager.accessToken(for: name)) } catch { return .failure(OAuthFailure.from(error)) }
        }
        switch result {
        case .success(let value):
            token.pointee = strdup(value)
            return HermesStatus.ok.rawValue
        case .failure(let failure):
            return fail(failure)
        }
    }
}

/// The credential of `name` for a request to `url`, which must be on the origin of the server's
/// bound URL: a C program is never handed a way to send the token elsewhere.
private func credential(_ manager: OAuthManager, _ name: String, _ url: String) -> Result<(Credential, URL), OAuthFailure> {
    BlockingBridge.wait {
        do {
            // Only a plain absolute URL: no user info (it would end up in a DPoP proof, and
            // parsers disagree about where such a host ends), no backslash, nothing a parser had
            // to re-encode (a CR LF, a space).
            guard let target = URL(string: url), let scheme = target.scheme?.lowercased(), scheme == "https" || scheme == "http",
                  target.host != nil, target.user == nil, target.password == nil, !url.contains("\\"), !url.contains("@"),
                  target.absoluteString == url else {
                return .failure(.configuration("\(ServerText.clean(url.prefix(200))) is not a plain absolute http(s) URL (no user info, no backslash, nothing to re-encode)"))
            }
            guard let provider = try manager.provider(named: name) else { return .failure(.unknownServer(name)) }
            let bound = try await provider.boundURL()
            guard URLPolicy.origin(target) == URLPolicy.origin(bound) else {
                return .failure(.configuration("\(ServerText.clean(url.prefix(200))) is not on the origin of '\(name)' (\(URLPolicy.origin(bound))): its credentials go nowhere else"))
            }
            return .success((try await manager.credential(for: name), target))
        } catch {
            return .failure(OAuthFailure.from(error))
        }
    }
}

@c public func hermes_oauth_request_headers(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?,
                                            _ method: UnsafePointer<CChar>?, _ url: UnsafePointer<CChar>?,
                                            _ headers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    headers?.pointee = nil
    guard let headers else { return LastError.fail(.invalidArgument, "hermes_oauth_request_headers: headers must not be NULL") }
    guard let method = text(method), !method.isEmpty, method.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
        return LastError.fail(.invalidArgument, "hermes_oauth_request_headers: the method must be an HTTP method name (GET, POST, ...)")
    }
    guard let url = text(url) else { return LastError.fail(.invalidArgument, "hermes_oauth_request_headers: url must not be NULL") }
    return withServer(h, server, "hermes_oauth_request_headers") { handle, name in
        switch credential(handle.manager, name, url) {
        case .success(let (presented, target)):
            let lines = presented.headers(method: method, url: target).sorted { $0.key < $1.key }
            headers.pointee = strdup(lines.map { "\($0.key): \($0.value)\r\n" }.joined())
            return HermesStatus.ok.rawValue
        case .failure(.configuration(let reason)):
            return LastError.fail(.invalidArgument, "hermes_oauth_request_headers: \(reason)")
        case .failure(let failure):
            return fail(failure)
        }
    }
}

@c public func hermes_oauth_dpop_nonce(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?,
                                       _ url: UnsafePointer<CChar>?, _ nonce: UnsafePointer<CChar>?,
                                       _ fresh: UnsafeMutablePointer<Int32>?) -> Int32 {
    fresh?.pointee = 0
    guard let url = text(url), let nonce = text(nonce) else {
        return LastError.fail(.invalidArgument, "hermes_oauth_dpop_nonce: url and nonce must not be NULL")
    }
    guard DPoPNonce.parse(nonce) != nil else {
        return LastError.fail(.invalidArgument, "hermes_oauth_dpop_nonce: not a nonce RFC 9449 allows (1 to \(DPoPNonce.maxLength) visible ASCII characters, no quote or backslash)")
    }
    return withServer(h, server, "hermes_oauth_dpop_nonce") { handle, name in
        switch credential(handle.manager, name, url) {
        case .success(let (presented, target)):
            if presented.prover?.remember(nonce: nonce, for: target) == true { fresh?.pointee = 1 }
            return HermesStatus.ok.rawValue
        case .failure(.configuration(let reason)):
            return LastError.fail(.invalidArgument, "hermes_oauth_dpop_nonce: \(reason)")
        case .failure(let failure):
            return fail(failure)
        }
    }
}

@c public func hermes_oauth_server_url(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?,
                                       _ url: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    url?.pointee = nil
    guard let url else { return LastError.fail(.invalidArgument, "hermes_oauth_server_url: url must not be NULL") }
    return withServer(h, server, "hermes_oauth_server_url") { handle, name in
        let manager = handle.manager
        let result: Result<URL, OAuthFailure> = BlockingBridge.wait {
            do {
                guard let provider = try manager.provider(named: name) else { return .failure(.unknownServer(name)) }
                return .success(try await provider.boundURL())
            } catch {
                return .failure(OAuthFailure.from(error))
            }
        }
        switch result {
        case .success(let bound):
            url.pointee = strdup(bound.absoluteString)
            return HermesStatus.ok.rawValue
        case .failure(let failure):
            return fail(failure)
        }
    }
}

@c public func hermes_oauth_handle_401(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?,
                                       _ failedToken: UnsafePointer<CChar>?, _ retry: UnsafeMutablePointer<Int32>?) -> Int32 {
    retry?.pointee = 0
    return withServer(h, server, "hermes_oauth_handle_401") { handle, name in
        let failed = text(failedToken)
        let manager = handle.manager
        let answer = BlockingBridge.wait { await manager.handle401(server: name, failedToken: failed) }
        if answer.retry {
            retry?.pointee = 1
            return HermesStatus.ok.rawValue
        }
        return fail(answer.failure ?? .needsLogin(server: name, reason: "no recovery is possible"))
    }
}

/// Flags of hermes_oauth_login.
private let loginNewClient: UInt32 = 0x1
private let loginNoTerminal: UInt32 = 0x2
/// Flags of hermes_oauth_logout.
private let logoutKeepRegistration: UInt32 = 0x1

@c public func hermes_oauth_login(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?, _ flags: UInt32) -> Int32 {
    return withServer(h, server, "hermes_oauth_login") { handle, name in
        var terminal = LoginInteraction.terminal()
        if flags & loginNoTerminal != 0 { terminal.pasteFromTerminal = false }
        let interaction = terminal
        let manager = handle.manager
        let newClient = flags & loginNewClient != 0
        let result: Result<Void, OAuthFailure> = BlockingBridge.wait {
            do {
                _ = try await manager.login(name, interaction: interaction, newClient: newClient)
                return .success(())
            } catch {
                return .failure(OAuthFailure.from(error))
            }
        }
        if case .failure(let failure) = result { return fail(failure) }
        return HermesStatus.ok.rawValue
    }
}

@c public func hermes_oauth_logout(_ h: UnsafeMutablePointer<hermes_oauth>?, _ server: UnsafePointer<CChar>?, _ flags: UInt32) -> Int32 {
    return withServer(h, server, "hermes_oauth_logout") { handle, name in
        let manager = handle.manager
        let keep = flags & logoutKeepRegistration != 0
        let result: Result<OAuthProvider.LogoutReport, OAuthFailure> = BlockingBridge.wait {
            do { return .success(try await manager.logout(name, keepRegistration: keep)) } catch { return .failure(OAuthFailure.from(error)) }
        }
        switch result {
        case .failure(let failure): return fail(failure)
        case .success(let report):
            // The local state is gone either way; a revocation problem is still worth a message.
            if !report.problems.isEmpty { _ = LastError.fail(.network, report.problems.joined(separator: "; ")) }
            return HermesStatus.ok.rawValue
        }
    }
}

@c public func hermes_oauth_watch(_ h: UnsafeMutablePointer<hermes_oauth>?, _ fn: hermes_token_event_fn?,
                                  _ user: UnsafeMutableRawPointer?) -> Int32 {
    withHandle(h, "hermes_oauth_watch") { handle in
        guard let fn else { return LastError.fail(.invalidArgument, "hermes_oauth_watch: the callback must not be NULL") }
        switch handle.watch(fn, user: user) {
        case .added: return HermesStatus.ok.rawValue
        case .duplicate:
            return LastError.fail(.invalidArgument, "hermes_oauth_watch: this callback is already registered with this user pointer on this handle")
        case .closed: return LastError.fail(.invalidArgument, "hermes_oauth_watch: \(OAuthHandles.closedRefusal)")
        }
    }
}

@c public func hermes_oauth_unwatch(_ h: UnsafeMutablePointer<hermes_oauth>?, _ fn: hermes_token_event_fn?,
                                    _ user: UnsafeMutableRawPointer?) -> Int32 {
    withHandle(h, "hermes_oauth_unwatch") { handle in
        switch handle.unwatch(fn, user: user) {
        case .removed: return HermesStatus.ok.rawValue
        case .notFound: return LastError.fail(.notFound, "hermes_oauth_unwatch: no such callback and user pointer on this handle")
        case .closed: return LastError.fail(.invalidArgument, "hermes_oauth_unwatch: \(OAuthHandles.closedRefusal)")
        }
    }
}
