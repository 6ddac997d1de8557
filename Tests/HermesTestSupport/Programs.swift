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
/// if it outlives `timeout`, so a hung program fails the test instead of hanging the suite.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: String? = nil, timeout: Double = 60) throws -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
    try? inp.fileHandleForWriting.close()
    // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
    let collected = Collected()
    let group = DispatchGroup()
    for (index, pipe) in [out, err].enumerated() {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(index, data)
            group.leave()
        }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(5_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        group.wait()
        throw ProgramError(description: "\(executable) \(arguments) timed out after \(timeout)s")
    }
    process.waitUntilExit()
    group.wait()
    return ProgramResult(status: process.terminationStatus,
                         stdout: String(decoding: collected.get(0), as: UTF8.self),
                         stderr: String(decoding: collected.get(1), as: UTF8.self))
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Int: Data] = [:]
    func set(_ i: Int, _ d: Data) { lock.withLock { data[i] = d } }
    func get(_ i: Int) -> Data { lock.withLock { data[i] ?? Data() } }
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

/// A program driven line by line: read its output up to a marker, answer on its stdin.
public final class Interactive: @unchecked Sendable {
    public let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private var buffer: [UInt8] = []
    public private(set) var output = ""

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// Reads until `marker` appears in the output (true) or `timeout` passes or output ends (false).
    public func read(until marker: String, timeout: Double = 60) -> Bool {
        let fd = stdout.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while !output.contains(marker), Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            buffer += chunk[0..<n]
            output = String(decoding: buffer, as: UTF8.self)
        }
        return output.contains(marker)
    }

    /// A program that already exited makes this a no-op, not a crash (EPIPE).
    public func send(_ line: String) {
        try? stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes stdin and waits (killing the program after `timeout`); returns exit status and the
    /// rest of stdout and all of stderr.
    public func finish(timeout: Double = 120) -> (status: Int32, stdout: String, stderr: String) {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { _ = read(until: "\u{0}never", timeout: 0.2) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let rest = stdout.fileHandleForReading.readDataToEndOfFile()
        buffer += rest
        output = String(decoding: buffer, as: UTF8.self)
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, output, err)
    }
}

/// Set by scripts/sanitizers.sh. The C programs the tests compile are then built with the same
/// sanitizer (`CCompiler`), which takes valgrind's place.
public enum Sanitizer {
    public static var active: Bool { kind != nil }
    /// "address" or "thread" when the suite runs under that sanitizer.
    public static var kind: String? { ProcessInfo.processInfo.environment["HERMES_SANITIZER"] }
}
