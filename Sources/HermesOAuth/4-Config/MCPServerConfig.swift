import Foundation

/// One entry of `mcp_servers`, after `${VAR}` interpolation, with every key hermes-agent
/// understands given a type. `raw` keeps the whole entry, including keys hermes does not know.
public struct MCPServerConfig: Sendable, Equatable {
    public enum Transport: Sendable, Equatable {
        case http(url: String)
        case sse(url: String)
        case stdio(command: String, args: [String])
        case none
    }

    public let name: String
    public let raw: ConfigValue

    public init(name: String, raw: ConfigValue) {
        self.name = name
        self.raw = raw
    }

    public var url: String? { raw["url"]?.text.flatMap { $0.isEmpty ? nil : $0 } }
    public var command: String? { raw["command"]?.text.flatMap { $0.isEmpty ? nil : $0 } }
    public var args: [String] { raw["args"]?.stringList ?? [] }
    public var env: [String: String] { raw["env"]?.stringMap ?? [:] }
    public var headers: [String: String] { raw["headers"]?.stringMap ?? [:] }

    /// `url` wins over `command` when both are set, as in hermes-agent.
    public var transport: Transport {
        if let url {
            return raw["transport"]?.text?.lowercased() == "sse" ? .sse(url: url) : .http(url: url)
        }
        if let command { return .stdio(command: command, args: args) }
        return .none
    }

    public var hasBothURLAndCommand: Bool { url != nil && command != nil }

    /// Seconds per tool call (hermes-agent's later default of 300 s).
    public var timeout: Double { Self.seconds(raw["timeout"], default: 300) }
    /// Seconds for the initial connect.
    public var connectTimeout: Double { Self.seconds(raw["connect_timeout"], default: 60) }
    /// `protocol_version:`, the MCP revision to speak instead of asking the server (one of
    /// `ProtocolRevision.all`; `ServerEntryCheck` refuses others); nil to negotiate.
    public var protocolVersion: String? {
        raw["protocol_version"]?.text.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Seconds between keepalive pings of a server with sessions (the revisions before 2026-07-28,
    /// which has no ping and no session to keep); hermes-agent's default, 180 (its floor of 5 s is
    /// the runtime's to apply). `keepalive_interval: 0` turns them off (nil).
    public var keepaliveInterval: Double? {
        if let d = lifecycleValue("keepalive_interval")?.double, d == 0 { return nil }
        return Self.seconds(lifecycleValue("keepalive_interval"), default: 180)
    }
    /// A stdio server asked nothing for this long is stopped, and started again when next needed
    /// (`idle_timeout_seconds`, hermes-agent's key, also under `lifecycle:`); nil: never.
    public var idleTimeout: Double? { lifecycleValue("idle_timeout_seconds").map { Self.seconds($0, default: 0) }.flatMap { $0 > 0 ? $0 : nil } }
    /// A stdio server older than this is replaced by a fresh one as soon as nothing is asked of it
    /// (`max_lifetime_seconds`, also under `lifecycle:`); nil: never.
    public var maxLifetime: Double? { lifecycleValue("max_lifetime_seconds").map { Self.seconds($0, default: 0) }.flatMap { $0 > 0 ? $0 : nil } }

    /// The upkeep keys hermes-agent reads at the top of an entry or under `lifecycle:`; the top wins.
    public static let lifecycleKeys = ["keepalive_interval", "idle_timeout_seconds", "max_lifetime_seconds"]

    private func lifecycleValue(_ key: String) -> ConfigValue? {
        raw[key] ?? raw["lifecycle"]?[key]
    }

    /// A duration from the config: positive and finite, at most a day (so `1e300` or `.inf` in a
    /// hand-edited file cannot overflow the arithmetic below); anything else takes the default.
    static func seconds(_ value: ConfigValue?, default fallback: Double) -> Double {
        guard let d = value?.double, d.isFinite, d > 0 else { return fallback }
        return min(d, 86_400)
    }

    /// `auth`, lower-cased and trimmed; `oauth` turns OAuth on, `header` only guides the CLI.
    public var auth: String? {
        raw["auth"]?.text.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    }
    public var usesOAuth: Bool { auth == "oauth" }

    public var oauth: OAuthSettings { OAuthSettings(raw["oauth"] ?? .null) }

    public var sslVerify: Bool {
        sslVerifyCAPath != nil ? true : Boolish.parse(raw["ssl_verify"], default: true, what: "\(name).ssl_verify")
    }

    /// `ssl_verify: /path/ca.pem`: httpx (hermes-agent's client) takes a path there as the CA
    /// bundle to verify against. Any value with a `/` that is not a boolean counts as one.
    var sslVerifyCAPath: String? {
        guard let text = raw["ssl_verify"]?.text, Boolish.parse(text) == nil, text.contains("/") else { return nil }
        return Self.expandingTilde(text)
    }

    /// `ssl_ca:` (a PEM bundle or a hashed CA directory), else a CA path in `ssl_verify:`; with
    /// neither, SSL_CERT_FILE / SSL_CERT_DIR or the system's CAs. `ssl_verify: false` turns
    /// verification off (OAuth servers refuse it: see `OAuthServer`).
    public var tlsTrust: TLSTrust {
        let ca = raw["ssl_ca"]?.text.flatMap { $0.isEmpty ? nil : Self.expandingTilde($0) } ?? sslVerifyCAPath
        return ca.map { TLSTrust(caPath: $0, verify: sslVerify) } ?? TLSTrust(verify: sslVerify)
    }

    static func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return HermesHome.userHomeDirectory(environment: ProcessInfo.processInfo.environment) + path.dropFirst()
    }

    public var enabled: Bool { Boolish.parse(raw["enabled"], default: true, what: "\(name).enabled") }

    public var tools: ToolFilter { ToolFilter(raw["tools"] ?? .null, server: name) }
}

/// The `oauth:` block. Every key is optional.
public struct OAuthSettings: Sendable, Equatable {
    public let raw: ConfigValue

    init(_ raw: ConfigValue) { self.raw = raw }

    private func text(_ key: String) -> String? { raw[key]?.text.flatMap { $0.isEmpty ? nil : $0 } }

    public var clientID: String? { text("client_id") }
    public var clientSecret: String? { text("client_secret") }
    /// The authorization server a pre-registered client belongs to. Without it, the issuer of the
    /// first login with the client is kept, and a server naming another one is refused.
    public var issuer: String? { text("issuer") }
    public var scope: String? { text("scope") }
    /// 0 or absent: chosen automatically (a number past 65535 is refused when the login binds).
    public var redirectPort: Int? { raw["redirect_port"]?.int.flatMap { $0 > 0 ? $0 : nil } }
    public var clientName: String { text("client_name") ?? "Hermes Agent" }
    /// Seconds to wait for the browser callback.
    public var timeout: Double { MCPServerConfig.seconds(raw["timeout"], default: 300) }
    public var redirectURI: String? { text("redirect_uri") }
    public var redirectHost: String? { text("redirect_host") }
    /// The URL of a Client ID Metadata Document this client is published under, when there is one.
    public var clientMetadataURL: String? { text("cimd") ?? text("client_metadata_url") }
    public var flow: String? { text("flow") }
    /// The same settings with another callback timeout (the CLI's `--timeout`).
    public func with(timeout: Double) -> OAuthSettings {
        var pairs = raw.pairs ?? []
        pairs.removeAll { $0.key == "timeout" }
        pairs.append(ConfigPair(key: "timeout", value: .scalar(String(timeout))))
        return OAuthSettings(.map(pairs))
    }

    /// Extra authorization-request parameters (for example `access_type: offline`).
    public var authorizationParameters: [String: String] { raw["authorization_params"]?.stringMap ?? [:] }
}

/// The `tools:` block: which tools to register and whether the resource and prompt utilities are.
public struct ToolFilter: Sendable, Equatable {
    public let include: [String]?
    public let exclude: [String]?
    public let resources: Bool
    public let prompts: Bool

    init(_ raw: ConfigValue, server: String) {
        include = raw["include"]?.stringList
        exclude = raw["exclude"]?.stringList
        resources = Boolish.parse(raw["resources"], default: true, what: "\(server).tools.resources")
        prompts = Boolish.parse(raw["prompts"], default: true, what: "\(server).tools.prompts")
    }

    /// `include` takes precedence over `exclude`; with neither, every tool is registered.
    public func allows(_ tool: String) -> Bool {
        if let include { return include.contains(tool) }
        if let exclude { return !exclude.contains(tool) }
        return true
    }
}
