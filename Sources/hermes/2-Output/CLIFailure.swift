import ArgumentParser
import Foundation

/// Why a command failed, in one message naming what helps: printed once, on stderr, by
/// `reportingFailures` (exit code 1). Nothing else prints it, on stdout or anywhere.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, turning any error into its one-line reason on stderr and exit code 1. A
    /// command that has said everything already (a JSON answer on stdout) throws `ExitCode`.
    func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.shared.fail("\(error)")
            throw ExitCode.failure
        }
    }

    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.shared.fail("\(error)")
            throw ExitCode.failure
        }
    }
}
