import ArgumentParser
import Foundation
import Glibc
import HermesOAuth

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an MCP server from config.yaml and delete its OAuth tokens.",
        discussion: """
            Without a terminal it asks nothing it cannot hear answered: pass --yes (an answer piped on stdin also counts; end of input is no answer). A header server's MCP_<NAME>_API_KEY goes from .env too when nothing else in config.yaml uses it (asked on a terminal).

            Examples:
              hermes mcp remove linear
              hermes mcp rm notion --yes
            """,
        aliases: ["rm"]
    )

    @Argument(help: "The server's name in config.yaml.", completion: ServerNameCompletion.kind)
    var name: String

    @Flag(name: [.short, .long], help: "Do not ask for confirmation (and remove the server's API key from .env).")
    var yes = false

    @Flag(name: .long, help: "Revoke the server's OAuth tokens at its authorization server before deleting them.")
    var revoke = false

    func run() async throws {
        try await reportingFailures {
            let context = CLIContext()
            let terminal = context.terminal
            let config = try context.loadConfig()
            guard config.rawServer(named: name) != nil else { throw context.notFound(name, in: config) }
            if !yes {
                // Ctrl-C at the question: the shell's prompt must not continue on the `^C` line.
                let interrupt = InterruptGuard {
                    FileHandle.standardOutput.write(Data("\n  Cancelled — nothing was removed.\n".utf8))
                }
                defer { interrupt.end() }
                switch terminal.answer("Remove server '\(name)'?", default: true) {
                case true?: break
                case false?:
                    terminal.info("Cancelled.")
                    return
                case nil where isatty(STDIN_FILENO) == 1:
                    terminal.info("Cancelled.")
                    return
                case nil:
                    throw CLIFailure("not removing '\(name)': there is no terminal to confirm on; pass --yes to remove it")
                }
            }
            // The header key and the client secret `add` keeps in .env for this server.
            let secretKey = HeaderKey.envName(for: name, suffix: "CLIENT_SECRET")
            var keys = [HeaderKey.envName(for: name), secretKey]
            // `add` gives a look-alike name's secret a suffixed variable (`..._CLIENT_SECRET_1A2B3C4D`).
            if case .string(let value)? = config.rawServer(named: name)?["oauth"]?["client_secret"], value.hasPrefix("${" + secretKey),
               value.hasSuffix("}") {
                keys.append(String(value.dropFirst(2).dropLast()))
            }
            let usedKeys = keys.filter { key in config.rawServer(named: name).map { HeaderKey.mentions(key, in: $0) } ?? false }
            // Tokens first, while the entry still says where to revoke them; through the manager, so a
            // provider cached in this process goes too.
            var cleanup: Result<[String], OAuthFailure>
            do {
                cleanup = .success(try await OAuthManager.shared(home: context.home).remove(name, revoke: revoke))
            } catch {
                cleanup = .failure(OAuthFailure.from(error))
            }
            let (removed, stillUsed) = try ConfigFile.update(home: context.home) { file in
                let removed = try file.removeServer(named: name)
                let text = try file.serialized()
                return (removed, Set(usedKeys.filter { text.contains($0) }))
            }
            if removed { terminal.success("Removed '\(name)' from config") }
            switch cleanup {
            case .success(let files): if !files.isEmpty { terminal.success("Cleaned up OAuth tokens") }
            case .failure(let error): terminal.warning("Could not remove the OAuth tokens: \(error)")
            }
            if removed { for key in usedKeys where !stillUsed.contains(key) { removeKey(key, context: context) } }
        }
    }

    /// The header server's key, once nothing in config.yaml refers to it any more.
    private func removeKey(_ key: String, context: CLIContext) {
        let terminal = context.terminal
        let path = context.home.envPath
        let env = "\(context.home.display())/.env"
        guard let values = try? DotEnv.fileValues(path: path), values[key] != nil else { return }
        if !yes {
            guard isatty(STDIN_FILENO) == 1, terminal.answer("Also remove \(key) from \(env)? Nothing else uses it.", default: true) == true else {
                terminal.info("Kept \(key) in \(env) (pass --yes to remove it with the server).")
                return
            }
        }
        do {
            try DotEnv.remove(path: path, key: key)
            terminal.success("Removed \(key) from \(env)")
        } catch {
            terminal.warning("Could not remove \(key) from \(env): \(error)")
        }
    }
}
