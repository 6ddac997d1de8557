import Foundation
import HermesTestSupport

/// A throw-away `HERMES_HOME` with a config.yaml, and the built `hermes` run against it: what every
/// attack starts from.
final class HostileHome: @unchecked Sendable {
    let dir = TemporaryDirectory("hermes-hostile")
    var path: String { dir.path }
    var tokenDirectory: String { path + "/mcp-tokens" }

    func config(_ yaml: String) throws {
        try dir.write("config.yaml", yaml)
    }

    /// `hermes ARGS` with this home, the test browser as `$BROWSER`, and a deadline.
    func hermes(_ args: [String], env: [String: String] = [:], input: String? = nil, timeout: Double = 60) async throws -> ProgramResult {
        var all = Peers.browser(record: dir.file("browser.log"))
        for (k, v) in env { all[k] = v }
        return try await run(Build.product("hermes"), args, environment: Build.environment(home: path, extra: all),
                       input: input, timeout: timeout)
    }
}
