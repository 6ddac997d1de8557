import Foundation
import Yams

/// What is wrong with one `mcp_servers` entry, with the line of the offending node, so a typo in
/// config.yaml is reported at once (`path:line`) instead of being tried as a connection.
public struct ServerEntryProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let server: String
    /// The key at fault; nil when the entry itself is not a mapping.
    public let key: String?
    public let expected: String
    public let found: String

    public var description: String {
        let place = line.map { "\(path):\($0)" } ?? path
        let subject = "mcp_servers.\(server)" + (key.map { ".\($0)" } ?? "")
        return "\(place): \(subject) must be \(expected), not \(found)"
    }
}

/// The one set of rules for a server entry's shape, used by the CLI (before connecting), the
/// OAuth manager and the MCP runtime (which skip an entry that breaks them).
public enum ServerEntryCheck {
    /// The `--auth` values `hermes mcp add` accepts.
    public static let authValues = ["oauth", "header"]
    /// The `auth:` values an entry may hold: hermes-agent turns OAuth on for `oauth` only and
    /// treats anything else as none, so a typo (`basic`, `oath`) would silently mean no login.
    public static let entryAuthValues = ["oauth", "header", "none"]

    /// Why `url` cannot be used for OAuth (https, or plain http on loopback only), nil when it can.
    /// A `${VAR}` URL is judged only after interpolation.
    public static func oauthURLProblem(_ url: String) -> String? {
        if url.contains("${") { return nil }
        do { _ = try URLPolicy.check(url, what: "the url") } catch { return error.description }
        return nil
    }

    /// `http://` or `https://` with a host: the only URLs hermes can speak MCP to.
    public static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return false }
        return true
    }

    /// The first problem of `entry` (the value node of `mcp_servers.<server>`), nil when its shape
    /// is sound. Values holding `${VAR}` are checked for their kind only: their text is known
    /// only after interpolation.
    public static func problem(server: String, entry: Node, path: String) -> ServerEntryProblem? {
        func problem(_ key: String?, _ node: Node, _ expected: String) -> ServerEntryProblem {
            ServerEntryProblem(path: path, line: node.mark?.line, server: server, key: key,
                               expected: expected, found: describe(node))
        }
        guard case .mapping(let mapping) = entry else {
            return problem(nil, entry, "a mapping of settings (url: … or command: …)")
        }
        func value(_ key: String) -> Node? {
            guard let node = mapping.first(where: { $0.key.string == key })?.value, !isNull(node) else { return nil }
            return node
        }
        /// `${VAR}` is judged only later, once interpolated.
        func durationProblem(_ key: String, _ node: Node, zeroAllowed: Bool = false) -> ServerEntryProblem? {
            guard node.string?.contains("${") != true else { return nil }
            guard isScalar(node), let seconds = Double((node.string ?? "").trimmingCharacters(in: .whitespaces)),
                  seconds.isFinite, seconds > 0 || (zeroAllowed && seconds == 0) else {
                return problem(key, node, zeroAllowed ? "a number of seconds (0: off)" : "a positive number of seconds")
            }
            return nil
        }
        if let url = value("url") {
            guard isString(url), let text = url.string else { return problem("url", url, "an http:// or https:// URL") }
            // `${VAR}` is judged only later, once interpolated.
            if !text.contains("${"), !isHTTPURL(text) { return problem("url", url, "an http:// or https:// URL") }
        }
        if let command = value("command") {
            guard isString(command) else { return problem("command", command, "a string (the program; its arguments go in args:)") }
            if (command.string ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                return problem("command", command, "the program to run")
            }
        }
        if let auth = value("auth") {
            let text = (auth.string ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard isScalar(auth), entryAuthValues.contains(text) || text.contains("${") else {
                return problem("auth", auth, "oauth, header or none")
            }
            // OAuth speaks to a remote host over https only: said now, not after the retries.
            if text == "oauth", let url = value("url"), let address = url.string, oauthURLProblem(address) != nil {
                return problem("url", url, "an https:// URL for auth: oauth (plain http is allowed on loopback only)")
            }
        }
        if let args = value("args") {
            guard case .sequence(let items) = args else { return problem("args", args, "a list of strings") }
            if let bad = items.first(where: { !isScalar($0) }) { return problem("args", bad, "a list of strings") }
        }
        for key in ["env", "headers"] {
            guard let node = value(key) else { continue }
            guard case .mapping(let pairs) = node else { return problem(key, node, "a mapping of names to strings") }
            if let bad = pairs.first(where: { !isScalar($0.value) })?.value {
                return problem(key, bad, "a mapping of names to strings")
            }
        }
        if let enabled = value("enabled") {
            guard isScalar(enabled), Boolish.parse(enabled.string) != nil || enabled.string?.contains("${") == true else {
                return problem("enabled", enabled, "true or false")
            }
        }
        for key in ["timeout", "connect_timeout"] {
            guard let node = value(key) else { continue }
            if let bad = durationProblem(key, node) { return bad }
        }
        if let lifecycle = value("lifecycle") {
            guard case .mapping(let pairs) = lifecycle else { return problem("lifecycle", lifecycle, "a mapping of settings") }
            for pair in pairs {
                guard let key = pair.key.string, MCPServerConfig.lifecycleKeys.contains(key) else {
                    return problem("lifecycle", pair.key, "one of the keys " + MCPServerConfig.lifecycleKeys.joined(separator: ", "))
                }
                if let bad = durationProblem("lifecycle.\(key)", pair.value, zeroAllowed: true) { return bad }
                // Set twice, differently: the top-level one wins (as in hermes-agent), which the
                // person who wrote both cannot know.
                if let top = value(key), top.string != pair.value.string {
                    return problem(key, top, "one setting: \(key) is also under lifecycle: with another value; keep one")
                }
            }
        }
        for key in MCPServerConfig.lifecycleKeys {
            guard let node = value(key) else { continue }
            if let bad = durationProblem(key, node, zeroAllowed: true) { return bad }
        }
        if let version = value("protocol_version"), version.string?.contains("${") != true {
            let text = (version.string ?? "").trimmingCharacters(in: .whitespaces)
            guard isScalar(version), ProtocolRevision.all.contains(text) else {
                return problem("protocol_version", version, "one of " + ProtocolRevision.all.joined(separator: ", "))
            }
        }
        for key in ["oauth", "tools"] {
            guard let node = value(key) else { continue }
            guard case .mapping = node else { return problem(key, node, "a mapping of settings") }
        }
        if let oauth = value("oauth"), let bad = grantProblem(oauth, problem) { return bad }
        return nil
    }

    /// The keys `oauth.grant` needs, said when the entry is read rather than at the first call.
    private static func grantProblem(_ oauth: Node, _ problem: (String?, Node, String) -> ServerEntryProblem) -> ServerEntryProblem? {
        guard case .mapping(let pairs) = oauth else { return nil }
        func node(_ key: String, in pairs: Node.Mapping) -> Node? {
            guard let node = pairs.first(where: { $0.key.string == key })?.value, !isNull(node) else { return nil }
            return node
        }
        let grantNode = node("grant", in: pairs)
        let grantText = grantNode?.string ?? ""
        if let grantNode, grantText.contains("${") { return nil }
        let grant: GrantKind
        if let grantNode {
            guard isScalar(grantNode), let parsed = GrantKind(config: grantText) else {
                return problem("oauth.grant", grantNode, "one of " + GrantKind.configValues)
            }
            grant = parsed
        } else {
            grant = .authorizationCode
        }
        if let alg = node("private_key_alg", in: pairs), !(alg.string ?? "").contains("${"),
           SigningKey.Algorithm(rawValue: (alg.string ?? "").uppercased()) == nil {
            return problem("oauth.private_key_alg", alg, "ES256 or RS256")
        }
        if let dpop = node("dpop", in: pairs), !(dpop.string ?? "").contains("${"),
           !isScalar(dpop) || !((dpop.string ?? "").lowercased() == "auto" || Boolish.parse(dpop.string) != nil) {
            return problem("oauth.dpop", dpop, "auto, true or false")
        }
        let missing = "absent"
        switch grant {
        case .authorizationCode:
            return nil
        case .clientCredentials:
            guard node("client_id", in: pairs) != nil else {
                return problem("oauth.client_id", grantNode ?? oauth, "the client id for grant: client_credentials (\(missing))")
            }
            if node("client_secret", in: pairs) == nil, node("private_key", in: pairs) == nil {
                return problem("oauth.client_secret", grantNode ?? oauth, "client_secret: ${VAR} (from .env) or private_key: FILE for grant: client_credentials (both \(missing))")
            }
        case .jwtBearer:
            if node("assertion_file", in: pairs) == nil, node("assertion_env", in: pairs) == nil {
                return problem("oauth.assertion_file", grantNode ?? oauth, "assertion_file: FILE or assertion_env: VAR, where the workload token is, for grant: jwt_bearer (both \(missing))")
            }
        case .identityAssertion:
            guard node("client_id", in: pairs) != nil else {
                return problem("oauth.client_id", grantNode ?? oauth, "hermes' client id at the MCP server's authorization server, for grant: identity_assertion (\(missing))")
            }
            guard let idp = node("idp", in: pairs), case .mapping(let idpPairs) = idp else {
                return problem("oauth.idp", node("idp", in: pairs) ?? grantNode ?? oauth, "a mapping with the identity provider's token_endpoint or issuer, client_id and id_token_file or id_token_env")
            }
            if node("token_endpoint", in: idpPairs) == nil, node("issuer", in: idpPairs) == nil {
                return problem("oauth.idp.token_endpoint", idp, "the identity provider's token_endpoint or issuer (both \(missing))")
            }
            // Without a file or a variable, the token comes from a login at the identity provider,
            // which needs its issuer (for its authorization endpoint) and hermes' client there.
            if node("id_token_file", in: idpPairs) == nil, node("id_token_env", in: idpPairs) == nil {
                if node("issuer", in: idpPairs) == nil || node("client_id", in: idpPairs) == nil {
                    return problem("oauth.idp.issuer", idp, "issuer and client_id, for hermes to log in at the identity provider (or id_token_file: FILE or id_token_env: VAR, where the user's identity token is)")
                }
            }
        }
        return nil
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    private static func isScalar(_ node: Node) -> Bool {
        if case .scalar = node { return true }
        return false
    }

    private static func isString(_ node: Node) -> Bool {
        isScalar(node) && node.tag.rawValue == Tag.Name.str.rawValue
    }

    /// The offending value in a few words, never more than a short excerpt (it may be a secret).
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let kind: String
            switch node.tag.rawValue {
            case Tag.Name.str.rawValue: kind = "the string"
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: kind = "the number"
            case Tag.Name.bool.rawValue: kind = "the boolean"
            case Tag.Name.null.rawValue: return "empty"
            default: kind = "the value"
            }
            return "\(kind) '\(excerpt(scalar.string))'"
        }
    }

    /// A value of an entry with a problem, as any output shows it: short enough that a secret
    /// typed in the wrong place is never printed whole.
    public static func excerpt(_ text: String) -> String {
        text.count > 16 ? String(text.prefix(12)) + "…" : text
    }
}

extension ServerEntryCheck {
    /// What is odd but still usable in an entry, as hermes-agent takes it: nil when nothing is.
    public static func warning(server: String, entry: Node, path: String) -> String? {
        guard case .mapping(let mapping) = entry else { return nil }
        func node(_ key: String) -> Node? { mapping.first(where: { $0.key.string == key })?.value }
        // hermes-agent uses the url and logs a warning; refusing would stop a shared config.yaml
        // working here that works there.
        guard let url = node("url"), !isNull(url), let command = node("command"), !isNull(command) else { return nil }
        let place = command.mark.map { "\(path):\($0.line)" } ?? path
        return "\(place): mcp_servers.\(server) has both url: and command:; the url is used (HTTP) and the command is ignored: remove one of them"
    }
}

extension ConfigFile {
    /// The warning for the named entry, if it has one (see `ServerEntryCheck.warning`).
    public func warning(forServer name: String) -> String? {
        guard case .mapping(let servers)? = root["mcp_servers"], let key = Self.key(named: name, in: servers),
              let entry = servers[key] else { return nil }
        return ServerEntryCheck.warning(server: name, entry: entry, path: path)
    }

    /// The problem of the named entry, if it has one.
    public func problem(forServer name: String) -> ServerEntryProblem? {
        guard case .mapping(let servers)? = root["mcp_servers"], let key = Self.key(named: name, in: servers),
              let entry = servers[key] else { return nil }
        return ServerEntryCheck.problem(server: name, entry: entry, path: path)
    }

    /// Every entry's problem, in file order.
    public var serverProblems: [ServerEntryProblem] {
        serverNames.compactMap { problem(forServer: $0) }
    }
}
