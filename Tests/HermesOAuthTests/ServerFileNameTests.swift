import Foundation
import Testing
@testable import HermesOAuth
import HermesTestSupport

@Suite struct ServerFileNameTests {
    /// hermes-behaviour.md section (j), computed from the reference's `_safe_filename`.
    @Test(arguments: [
        ("../../../etc/passwd", "etc_passwd"),
        ("../../.ssh/config", "ssh_config"),
        ("server@host:8080/path", "server_host_8080_path"),
        ("my-mcp-server", "my-mcp-server"),
        ("..", "default"), ("", "default"), ("___", "default"),
        ("a.b", "a_b"), ("_a_", "a"), ("naïve-ü", "naïve-ü"),
    ])
    func referenceSanitisingIsReproduced(name: String, expected: String) {
        #expect(ServerFileName.referenceStem(for: name) == expected)
    }

    @Test func referenceTruncatesAt128CodePoints() {
        #expect(ServerFileName.referenceStem(for: String(repeating: "x", count: 200)) == String(repeating: "x", count: 128))
    }

    @Test func namesTheReferenceLeavesAloneKeepTheirFiles() {
        for name in ["my-mcp-server", "linear", "notion_2", "naïve-ü", "Büro"] {
            #expect(ServerFileName.stem(for: name) == name)
        }
    }

    static let hostile = ["../../.ssh/config", "a/b", "a_b", "a.b", "..", ".", "", "default", "_a_", "a",
                          String(repeating: "n", count: 300), String(repeating: "é", count: 300),
                          String(repeating: "𝔘", count: 128), "日本語のサーバー", "srv\u{0}x", "srv\nx", "a b", "a~b",
                          "ssh_config", "a_b~0123456789ab", "-rf", "CON", "x/../../y"]

    @Test func hostileNamesNeverCollideAndStayInsideTheDirectory() throws {
        let stems = Self.hostile.map(ServerFileName.stem(for:))
        #expect(Set(stems).count == stems.count, "two names share a stem: \(stems)")
        for stem in stems {
            #expect(!stem.contains("/") && stem != "." && stem != ".." && !stem.isEmpty && !stem.contains("\u{0}"))
            #expect((stem + ".client.json.bak").utf8.count <= 255)
        }

        let dir = TemporaryDirectory()
        let home = HermesHome(path: dir.path + "/home")
        for (i, name) in Self.hostile.enumerated() {
            try TokenStore(home: home, serverName: name).save(tokens: OAuthTokens(accessToken: "token-\(i)"))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: home.tokenDirectory)
        #expect(files.count == Self.hostile.count)
        // Nothing escaped: the only entries under the temp dir are the home itself.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["home"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.path) == ["mcp-tokens"])
        for (i, name) in Self.hostile.enumerated() {
            #expect(TokenStore(home: home, serverName: name).tokens()?.accessToken == "token-\(i)")
        }
    }
}
