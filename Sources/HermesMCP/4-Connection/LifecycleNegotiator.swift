import Foundation
import HermesOAuth
import MCP

/// What a server and hermes agreed to speak, and what the server said of itself.
public struct Negotiated: Sendable, Equatable {
    public let protocolVersion: String
    /// The server's own name (nil when a 2026-07-28 server did not give one).
    public let serverName: String?
    public let capabilities: Value?
    public var isStateless: Bool { ProtocolRevision.isStateless(protocolVersion) }

    /// Whether the server said it has tools (a server that says nothing of capabilities is asked).
    public var offersTools: Bool {
        guard case .object(let fields)? = capabilities else { return capabilities == nil }
        return fields["tools"] != nil
    }
}

/// Meets a server of unknown revision the way 2026-07-28 asks (`basic/versioning`,
/// `transports`): `server/discover` first; a result naming a stateless revision hermes speaks, or an
/// unsupported-version error naming one, means the stateless lifecycle; a result or error naming
/// only `initialize` revisions hermes speaks, `initialize` with the newest of them; one naming none
/// hermes speaks, and the other errors only a 2026-07-28 server answers with (-32020, -32021), are
/// a modern server's final word, said in a sentence. Anything else the server answers (an unknown
/// method, a 4xx without a JSON-RPC body, a reply that is no discover result, silence past the
/// probe's time) means an older server: `initialize`. What is not an answer (the server
/// unreachable, a refused token) is no verdict on the revision and is thrown as it is.
/// A pinned revision (`protocol_version:` in config) skips the guessing; a remembered one skips the
/// probe when it was an `initialize` revision, unless the server refuses it with -32022.
enum LifecycleNegotiator {
    /// The probe's own time limit: a server that sits on an unknown method is an old one (the
    /// Python SDK waits 10 s too). At most half of what the connection has left, so `initialize`
    /// always gets its chance.
    static let probeSeconds = 10.0

    /// `waiting` is told what hermes is waiting for, for the message if time runs out.
    static func negotiate(_ session: MCPSession, pinned: String?, remembered: String?, deadline: Deadline,
                          discovers: Bool = true, waiting: @Sendable (String) -> Void = { _ in },
                          onInitialized: @Sendable (String) async -> Void) async throws -> Negotiated {
        // The HTTP+SSE transport (`discovers` false) belongs to 2024-11-05: no stateless revision
        // travels over it, so there is nothing to probe for.
        if !discovers, let pinned, ProtocolRevision.isStateless(pinned) {
            throw MCPTransportError.malformed("'\(session.server)' uses transport: sse, which \(ServerText.clipped(pinned)) does not have: remove protocol_version or pin an initialize revision (\(listed(ProtocolRevision.handshake)))")
        }
        if let pinned {
            waiting(ProtocolRevision.isStateless(pinned) ? "server/discover" : "initialize")
            do {
                return ProtocolRevision.isStateless(pinned)
                    ? try await discover(session, version: pinned, deadline: deadline, probing: false)!
                    : try await initialize(session, offering: pinned, exactly: true, onInitialized: onInitialized)
            } catch let refusal as RPCError where refusal.code == RPCError.unsupportedVersion
                        || (refusal.code == RPCError.methodNotFound && ProtocolRevision.isStateless(pinned)) {
                // The server does not speak the pinned revision: every try would get the same.
                // (Any other error, a busy server's say, is what it is, and may pass.)
                throw PinnedRevisionRefused(server: session.server, pinned: pinned, refusal: refusal)
            }
        }
        if let remembered, !ProtocolRevision.isStateless(remembered) {
            waiting("initialize")
            do {
                return try await initialize(session, offering: remembered, exactly: false, onInitialized: onInitialized)
            } catch let refusal as RPCError where refusal.code == RPCError.unsupportedVersion && discovers {
                // Redeployed in another era since it was remembered ("if the cached assumption
                // later fails"): asked afresh, as a server never met.
            }
        }
        guard discovers else {
            waiting("initialize")
            return try await initialize(session, offering: ProtocolRevision.handshake[0], exactly: false, onInitialized: onInitialized)
        }
        waiting("server/discover")
        let offering: String
        switch try await probe(session, version: ProtocolRevision.stateless, deadline: deadline, probing: true) {
        case .modern(let agreed): return agreed
        case .initialize(let version): offering = version
        }
        waiting("initialize")
        do {
            return try await initialize(session, offering: offering, exactly: false, onInitialized: onInitialized)
        } catch let refusal as RPCError where refusal.code == RPCError.unsupportedVersion {
            // A stateless server that ignored the probe but names its revisions now.
            guard let version = ProtocolRevision.newestShared(refusal.supportedVersions.filter(ProtocolRevision.isStateless)) else { throw refusal }
            return try await discover(session, version: version, deadline: deadline, probing: false)!
        }
    }

    /// `server/discover` at `version`. Probing, nil means "an older server"; otherwise every
    /// failure is thrown.
    private static func discover(_ session: MCPSession, version: String, deadline: Deadline, probing: Bool) async throws -> Negotiated? {
        switch try await probe(session, version: version, deadline: deadline, probing: probing) {
        case .modern(let agreed): return agreed
        case .initialize: return nil
        }
    }

    /// What `server/discover` told of the server: the stateless lifecycle agreed, or `initialize`,
    /// offering that revision.
    private enum Verdict {
        case modern(Negotiated)
        case initialize(offering: String)
    }

    private static func probe(_ session: MCPSession, version: String, deadline: Deadline, probing: Bool) async throws -> Verdict {
        let requests = MCPRequests(session: session, version: version, capabilities: nil)
        let limit = Deadline(seconds: probing ? min(probeSeconds, max(deadline.remaining / 2, 0.001)) : max(deadline.remaining, 0.001))
        let older = Verdict.initialize(offering: ProtocolRevision.handshake[0])
        let found: MCPResults.Discover
        do {
            found = try await withTimeout(limit, what: "server/discover") {
                try await requests.discover()
            }
        } catch let refusal as RPCError where refusal.code == RPCError.unsupportedVersion {
            let offered = refusal.supportedVersions
            if probing, let shared = ProtocolRevision.newestShared(offered.filter(ProtocolRevision.isStateless)), shared != version {
                return try await probe(session, version: shared, deadline: deadline, probing: false)
            }
            if probing, let shared = ProtocolRevision.newestShared(offered.filter { ProtocolRevision.handshake.contains($0) }) {
                return .initialize(offering: shared)
            }
            let common = offered.filter(ProtocolRevision.all.contains)
            guard common.isEmpty else {
                // It names revisions both speak, and refuses the one hermes then asks for.
                throw MCPTransportError.malformed("'\(session.server)' refused MCP \(ServerText.clipped(version, limit: 40)), one of the revisions it had named, and now names others (\(listed(common))): it refuses whatever hermes asks for")
            }
            throw MCPTransportError.malformed("'\(session.server)' speaks none of the protocol revisions hermes speaks: it offers \(listed(offered)), hermes \(listed(ProtocolRevision.all))")
        } catch let refusal as RPCError where refusal.code == RPCError.headerMismatch || refusal.code == RPCError.missingCapability {
            // Errors only a 2026-07-28 server answers with (transports, "Backward Compatibility":
            // correct the request "rather than falling back"): what it objected to is the answer.
            throw objection(refusal, server: session.server)
        } catch {
            guard probing, isAnswer(error) else { throw error }
            return older
        }
        if let shared = ProtocolRevision.newestShared(found.supportedVersions.filter(ProtocolRevision.isStateless)) {
            if shared != version && probing { return try await probe(session, version: shared, deadline: deadline, probing: false) }
            return .modern(Negotiated(protocolVersion: version, serverName: found._meta?.serverInfo?.name, capabilities: found.capabilities?.value))
        }
        guard probing else {
            throw MCPTransportError.malformed("'\(session.server)' lists no protocol revision hermes speaks without initialize (it lists \(listed(found.supportedVersions)))")
        }
        // A discover result is a modern server's answer: `initialize` only when it lists a
        // revision of that lifecycle hermes speaks (a server of both eras), else nothing fits.
        if let shared = ProtocolRevision.newestShared(found.supportedVersions.filter { ProtocolRevision.handshake.contains($0) }) {
            return .initialize(offering: shared)
        }
        throw MCPTransportError.malformed(found.supportedVersions.isEmpty
            ? "'\(session.server)' answered server/discover naming no protocol version; hermes speaks MCP \(listed(ProtocolRevision.all))"
            : "'\(session.server)' speaks only MCP \(listed(found.supportedVersions)), hermes speaks MCP \(listed(ProtocolRevision.all))")
    }

    /// A -32020 or -32021 refusing the probe, as a sentence: the server's words cleaned and
    /// clipped, and for -32021 the capabilities it wants (at most 8 named).
    private static func objection(_ refusal: RPCError, server: String) -> MCPTransportError {
        let words = ServerText.clipped(ServerText.clean(refusal.message), limit: 200)
        if refusal.code == RPCError.headerMismatch {
            return .malformed("'\(server)' speaks MCP 2026-07-28 but refused the HTTP headers of hermes' server/discover (-32020 header mismatch: \(words)); a proxy on the way may have changed them")
        }
        var wanted: [String] = []
        if case .object(let data)? = refusal.data, case .object(let required)? = data["requiredCapabilities"] {
            wanted = required.keys.sorted().prefix(8).map { ServerText.clipped(ServerText.clean($0), limit: 40) }
        }
        let named = wanted.isEmpty ? "" : " (\(wanted.joined(separator: ", ")))"
        return .malformed("'\(server)' speaks MCP 2026-07-28 but requires client capabilities hermes does not offer it\(named): -32021 \(words)")
    }

    /// Whether `error` is the server answering (so: an older server), not a failure to reach it.
    private static func isAnswer(_ error: any Error) -> Bool {
        switch error {
        case is RPCError, is MCPErrors.TimedOut: return true
        case MCPTransportError.malformed: return true
        case MCPTransportError.http(let status, _): return (400..<500).contains(status)
        case MCPTransportError.sessionExpired: return true
        default: return false
        }
    }

    private static func initialize(_ session: MCPSession, offering version: String, exactly: Bool,
                                   onInitialized: @Sendable (String) async -> Void) async throws -> Negotiated {
        var capabilities: [String: Value] = [:]
        if session.canElicit {
            // 2025-06-18 knew elicitation without modes; later revisions name the ones the client takes.
            capabilities["elicitation"] = version >= "2025-11-25" ? .object(["form": .object([:]), "url": .object([:])]) : .object([:])
        }
        let params: [String: Value] = [
            "protocolVersion": .string(version),
            "capabilities": .object(capabilities),
            "clientInfo": .object(["name": .string("hermes"), "version": .string(HermesVersion.string)]),
        ]
        let reply = try await session.request("initialize", params: params)
        let result = try ResultDecoding.decode(MCPResults.Initialize.self, from: reply, method: "initialize")
        let agreed = result.protocolVersion
        guard ProtocolRevision.handshake.contains(agreed), !exactly || agreed == version else {
            let wanted = exactly ? "the pinned \(version)" : "one of \(listed(ProtocolRevision.handshake))"
            throw MCPTransportError.malformed("'\(session.server)' answered initialize with protocol revision '\(ServerText.clipped(agreed))', not \(wanted)")
        }
        await onInitialized(agreed)
        try await session.notify("notifications/initialized")
        return Negotiated(protocolVersion: agreed, serverName: result.serverInfo?.name, capabilities: result.capabilities?.value)
    }

    private static func listed(_ versions: [String]) -> String {
        versions.isEmpty ? "none" : versions.prefix(8).map { ServerText.clipped($0) }.joined(separator: ", ")
    }
}
