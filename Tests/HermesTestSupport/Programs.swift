import Foundation

public struct ProgramResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public struct ProgramError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Runs a program to completion with a deadline, feeding `input` to its stdin. The child is killed
/// if it outlives `timeout`, so a hung program fails the test instead of hanging the suite. Waits
/// without holding a thread of the cooperative pool (see `Occurrence`), so tests run side by side.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: String? = nil, timeout: Double = 60) async throws -> ProgramResult {
    let child = try Child(executable, arguments, environment: environment, stdin: .pipe, stdout: .pipe, stderr: .pipe)
    // Both pipes drain on threads of their own so a chatty child never blocks on a full pipe, and
    // the input is written on another so a child that does not read it blocks no one.
    let stdout = Drain(child.stdout!, owner: child), stderr = Drain(child.stderr!, owner: child)
    onOwnThread {
        if let input { child.write(input) }
        child.closeStdin()
    }
    guard await child.wait(timeout: timeout) else {
        child.kill(SIGKILL)
        await child.wait(timeout: 30)
        await stdout.ended.wait(timeout: 30)
        await stderr.ended.wait(timeout: 30)
        throw ProgramError(description: "\(executable) \(arguments) timed out after \(timeout)s")
    }
    await stdout.ended.wait(timeout: .infinity)
    await stderr.ended.wait(timeout: .infinity)
    return ProgramResult(status: child.terminationStatus, stdout: stdout.text, stderr: stderr.text)
}

/// Where SwiftPM put this build's products (the directory holding libhermesoauth.so and the
/// executables), and the package's root.
public enum Build {
    public static let productsDirectory: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<8 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/libhermesoauth.so") { return url.path }
        }
        fatalError("libhermesoauth.so not found above \(CommandLine.arguments[0])")
    }()

    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    public static func product(_ name: String) -> String { productsDirectory + "/" + name }

    /// The generated `<Module>-Swift.h` directory for a module of this build.
    public static func generatedHeaderDirectory(module: String) -> String {
        productsDirectory + "/\(module).build/include"
    }

    /// An environment for running the CLI against `home`, without the caller's HERMES_HOME or
    /// colour settings leaking in.
    public static func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HERMES_HOME"] = home
        env["HOME"] = home + "/user-home"
        env.removeValue(forKey: "NO_COLOR")
        for (k, v) in extra { env[k] = v }
        return env
    }
}

/// The Python peers venv that scripts/peers.sh makes (the official MCP SDK from PyPI).
public enum Peers {
    public static var python: String {
        get throws {
            let path = Build.packageRoot + "/.peers/venv/bin/python"
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ProgramError(description: "\(path) is missing: run scripts/peers.sh (scripts/test.sh does)")
            }
            return path
        }
    }

    public static func script(_ name: String) -> String { Build.packageRoot + "/Tests/PythonPeers/" + name }
}

/// A program driven line by line: read its output up to a marker, answer on its stdin. Its
/// stdout and stderr drain on threads of their own; the waits here poll with `Task.sleep`.
public final class Interactive: @unchecked Sendable {
    /// The program itself, for its pid and whether it still runs.
    public let process: Child
    private let stdout: Drain
    private let stderr: Drain

    public var output: String { stdout.text }

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process = try Child(executable, arguments, environment: environment, stdin: .pipe, stdout: .pipe, stderr: .pipe)
        stdout = Drain(process.stdout!, owner: process)
        stderr = Drain(process.stderr!, owner: process)
    }

    /// Reads until `marker` appears in the output (true) or `timeout` passes or output ends (false).
    public func read(until marker: String, timeout: Double = 60) async -> Bool {
        let ended = stdout.ended
        _ = try? await waitUntil(timeout: timeout) { self.output.contains(marker) || ended.hasHappened }
        return output.contains(marker)
    }

    /// A program that already exited makes this a no-op, not a crash (EPIPE).
    public func send(_ line: String) {
        process.write(line + "\n")
    }

    /// Closes stdin and waits (killing the program after `timeout`); returns exit status and the
    /// rest of stdout and all of stderr.
    public func finish(timeout: Double = 120) async -> (status: Int32, stdout: String, stderr: String) {
        process.closeStdin()
        if await !process.wait(timeout: timeout) { process.kill(SIGKILL) }
        await process.wait()
        await stdout.ended.wait(timeout: .infinity)
        await stderr.ended.wait(timeout: .infinity)
        return (process.terminationStatus, stdout.text, stderr.text)
    }
}

/// Set by scripts/sanitizers.sh. The C programs the tests compile are then built with the same
/// sanitizer (`CCompiler`), which takes valgrind's place.
public enum Sanitizer {
    public static var active: Bool { kind != nil }
    /// "address" or "thread" when the suite runs under that sanitizer.
    public static var kind: String? { ProcessInfo.processInfo.environment["HERMES_SANITIZER"] }
}
