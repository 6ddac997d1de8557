import Foundation
import Testing
import HermesTestSupport

/// The folders of HermesOAuth, HermesMCP and the hermes CLI are numbered in dependency order (README, Layout): a
/// file may use what folders with a lower number (or the same number) declare, never a higher one.
/// The compiler cannot see this inside one module, so this test reads the sources: every top-level
/// type or function a numbered folder declares, and every use of that name in a lower folder.
@Suite struct LayerOrderTests {
    @Test(arguments: ["HermesOAuth", "HermesMCP", "hermes"])
    func noFolderUsesAHigherOne(module: String) throws {
        let layers = try LayerCheck(root: Build.packageRoot + "/Sources/" + module)
        #expect(layers.folders.count >= 4, "\(layers.folders)")
        #expect(layers.violations.isEmpty, "\(module): \(layers.violations.joined(separator: "\n"))")
    }

    /// The check itself can fail: a core file that names a manager type is caught, a string or a
    /// comment that mentions it is not, and neither is a use from above.
    @Test func aUseFromBelowIsCaught() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("1-Core"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("3-Manager"), withIntermediateDirectories: true)
        try """
        public struct Token {}
        func helper() -> Manager? { nil }
        // Manager is above us: this comment may say so.
        let text = "Manager"
        """.write(toFile: dir.file("1-Core/Token.swift"), atomically: true, encoding: .utf8)
        try """
        public final class Manager {
            struct Entry {}
            let token = Token()
        }
        """.write(toFile: dir.file("3-Manager/Manager.swift"), atomically: true, encoding: .utf8)
        let layers = try LayerCheck(root: dir.path)
        #expect(layers.violations == ["1-Core/Token.swift uses Manager (3-Manager/Manager.swift)"])
    }
}

private struct LayerCheck {
    let folders: [String]
    let violations: [String]

    init(root: String) throws {
        let fm = FileManager.default
        let numbered = try fm.contentsOfDirectory(atPath: root).filter { $0.first?.isNumber == true }.sorted()
        var files: [(folder: String, level: Int, name: String, text: String)] = []
        for folder in numbered {
            let level = Int(folder.prefix { $0.isNumber })!
            for name in try fm.contentsOfDirectory(atPath: root + "/" + folder).sorted() where name.hasSuffix(".swift") {
                let text = try String(contentsOfFile: root + "/" + folder + "/" + name, encoding: .utf8)
                files.append((folder, level, name, Self.code(text)))
            }
        }
        // Top level only (no indentation): nested names such as `Entry` or `State` are not owned
        // by the folder and recur everywhere.
        let declaration = try Regex(#"(?m)^(?:@\w+(?:\([^)\n]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|open|indirect|nonisolated)\s+)*(?:struct|enum|class|actor|protocol|typealias|func)\s+([A-Za-z_]\w*)"#)
        var owners: [String: (folder: String, level: Int, file: String)] = [:]
        for file in files {
            for match in file.text.matches(of: declaration) {
                guard let name = match.output[1].substring.map(String.init) else { continue }
                owners[name] = owners[name] ?? (file.folder, file.level, file.folder + "/" + file.name)
            }
        }
        var found: [String] = []
        for file in files {
            let words = Set(file.text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            for (name, owner) in owners.sorted(by: { $0.key < $1.key })
            where owner.level > file.level && words.contains(name) {
                found.append("\(file.folder)/\(file.name) uses \(name) (\(owner.file))")
            }
        }
        folders = numbered
        violations = found
    }

    /// The source without comments and string literals, where names are only mentioned.
    private static func code(_ text: String) -> String {
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var kept = ""
            var inString = false
            var previous: Character = " "
            var chars = line.makeIterator()
            while let c = chars.next() {
                if !inString, c == "/", previous == "/" { kept.removeLast(); break }
                if c == "\"", previous != "\\" { inString.toggle(); previous = c; continue }
                if !inString { kept.append(c) }
                previous = c
            }
            out += kept + "\n"
        }
        return out
    }
}
