import Foundation

/// Opens the authorization URL for a person. An explicitly set `$BROWSER` is always used (that is
/// how a person or a test picks the browser, display or not); otherwise `xdg-open`, but not over
/// SSH and not without `DISPLAY`/`WAYLAND_DISPLAY`. Programs are started directly, never through a
/// shell, and only for URLs that pass `URLPolicy` and hold no control character.
public struct BrowserLauncher: Sendable {
    public enum Outcome: Sendable, Equatable {
        case opened(String)
        case failed(String)
        case remoteSession
        case headless
    }

    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public var isRemoteSession: Bool {
        !(environment["SSH_CLIENT"] ?? "").isEmpty || !(environment["SSH_TTY"] ?? "").isEmpty
            || !(environment["SSH_CONNECTION"] ?? "").isEmpty
    }

    /// The command lines to try, most preferred first. `$BROWSER` may list several, separated by
    /// ':', each with an optional `%s` for the URL (the Python `webbrowser` convention).
    public func commands(for url: String) -> [[String]] {
        if let browser = environment["BROWSER"], !browser.trimmingCharacters(in: .whitespaces).isEmpty {
            return browser.split(separator: ":").compactMap { entry in
                var argv = entry.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard !argv.isEmpty else { return nil }
                if argv.contains(where: { $0.contains("%s") }) {
                    argv = argv.map { $0.replacingOccurrences(of: "%s", with: url) }
                } else {
                    argv.append(url)
                }
                return argv
            }
        }
        if isRemoteSession { return [] }
        let display = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        return display ? [["xdg-open", url]] : []
    }

    public func open(_ url: String) -> Outcome {
        guard (try? URLPolicy.check(url, what: "the authorization URL")) != nil else {
            return .failed("refusing to open a URL that is not https (or http on loopback)")
        }
        // A browser command line is no place for escape sequences (xdg-open and browsers echo
        // their arguments); `ServerText.url` encodes them, so a URL still holding one is refused.
        guard ServerText.isClean(url) else {
            return .failed("refusing to open a URL that contains control characters")
        }
        let candidates = commands(for: url)
        if candidates.isEmpty { return isRemoteSession ? .remoteSession : .headless }
        var problems: [String] = []
        for argv in candidates {
            guard let executable = Self.resolve(argv[0], path: environment["PATH"]) else {
                problems.append(Self.unusable(argv[0], fromBrowserVariable: !(environment["BROWSER"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty))
                continue
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(argv.dropFirst())
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // Reaped when it exits, so a browser helper never lingers as a zombie.
            process.terminationHandler = { _ in }
            do {
                try process.run()
                return .opened(argv[0])
            } catch {
                problems.append("\(argv[0]): \(error.localizedDescription)")
            }
        }
        return .failed(problems.joined(separator: "; "))
    }

    /// Why `name` cannot be started, in words that point at the setting to fix.
    static func unusable(_ name: String, fromBrowserVariable: Bool) -> String {
        let origin = fromBrowserVariable ? "$BROWSER names \(ServerText.clean(name))" : ServerText.clean(name)
        guard name.contains("/") else { return "\(origin), which is not on PATH" }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) else { return "\(origin), which does not exist" }
        return isDirectory.boolValue ? "\(origin), which is a directory" : "\(origin), which is not executable"
    }

    static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
