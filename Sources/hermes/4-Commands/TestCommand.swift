import ArgumentParser
import Foundation
import HermesMCP
import HermesOAuth

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Connect to an MCP server and list its tools.",
        discussion: """
            Uses the stored OAuth tokens (refreshing them when needed) but never starts a login: a server that needs one is reported, with the command to run.

            Examples:
              hermes mcp test linear
              hermes mcp test time --json
            """
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            let server = try context.server(named: name, in: config)
            let manager = OAuthManager.shared(home: context.home)
            let task = MCPServerTask(config: server, manager: manager, environment: context.environment)
            let transportText: String
            switch server.transport {
            case .http(let url): transportText = "HTTP → \(url)"
            case .sse(let url): transportText = "SSE → \(url)"
            case .stdio(let command, _): transportText = "stdio → \(command)"
            case .none: transportText = "none"
            }
            let grant = server.oauth.grant
            let auth = server.usesOAuth ? (grant.isMachine ? "OAuth 2.1 (\(grant.rawValue))" : "OAuth 2.1 PKCE") : (server.headers.isEmpty ? "none" : "headers")
            if !json {
                terminal.line()
                terminal.line("  Testing '\(name)'...", .cyan)
                terminal.info("Transport: \(transportText)")
                if server.usesOAuth || server.headers.isEmpty {
                    terminal.info("Auth: \(auth)")
                } else {
                    for (key, value) in server.headers.sorted(by: { $0.key < $1.key })
                    where key.lowercased().contains("key") || key.lowercased().contains("auth") {
                        terminal.line("    \(key): \(HeaderKey.masked(value))")
                    }
                }
            }
            let start = Date()
            do {
                let connection = try await Spinner.around("Connecting to '\(name)'…") { spinner in
                    await ServerProbe.showTries(of: task, on: spinner, "Connecting to '\(name)'…")
                    return try await ServerProbe.connect(task)
                }
                await task.shutdown()
                let ms = Date().timeIntervalSince(start) * 1000
                if json {
                    let tools: [JSONValue] = connection.tools.map { .object(["name": .string($0.name), "description": .string($0.description ?? "")]) }
                    print(JSONValue.object(["server": .string(name), "transport": .string(transportText), "auth": .string(auth),
                                            "connected": .bool(true), "connect_ms": .int(Int64(ms.rounded())), "tries": .int(Int64(await task.connectionAttempts)),
                                            "protocol_version": .string(connection.protocolVersion),
                                            "protocol_lifecycle": .string(Self.lifecycle(connection.protocolVersion)),
                                            "protocol_pinned": .bool(connection.pinned), "tools": .array(tools)]).serialized(pretty: true))
                    return
                }
                terminal.success("Connected (\(Int(ms.rounded()))ms)")
                let pinned = connection.pinned ? ", pinned by protocol_version in config" : ""
                terminal.info("Protocol: MCP \(connection.protocolVersion) (\(Self.lifecycle(connection.protocolVersion))\(pinned))")
                terminal.success("Tools discovered: \(connection.tools.count)")
                if !connection.tools.isEmpty {
                    terminal.line()
                    for tool in connection.tools {
                        terminal.line([("    ", nil), (ServerListing.pad(TerminalText.clean(tool.name), 36), .green),
                                       (" " + TerminalText.short(tool.description ?? "", 55), nil)])
                    }
                }
                terminal.line()
                ServerSwitch.remindIfDisabled(server, terminal: terminal)
            } catch {
                await task.shutdown()
                let ms = Date().timeIntervalSince(start) * 1000
                let reason = await Advice.connectionFailure(error, server: server, home: context.home)
                if json {
                    print(JSONValue.object(["server": .string(name), "transport": .string(transportText), "auth": .string(auth),
                                            "connected": .bool(false), "connect_ms": .int(Int64(ms.rounded())),
                                            "tries": .int(Int64(await task.connectionAttempts)), "error": .string(reason)]).serialized(pretty: true))
                    throw ExitCode.failure
                }
                throw CLIFailure(reason)
            }
        }
    }

    /// How the revision in use works, in a word: 2026-07-28 has no session, the earlier ones open
    /// one with `initialize`.
    static func lifecycle(_ version: String) -> String {
        ProtocolRevision.isStateless(version) ? "stateless" : "initialize"
    }
}
