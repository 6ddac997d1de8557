import Foundation
import Testing
@testable import HermesMCP

/// How hermes cuts a peer's bytes into messages (stdio lines, server-sent events): whatever the
/// chunking, the same messages; a line past the limit refused; the cost linear in the input.
@Suite(.timeLimit(.minutes(1))) struct MCPFramingTests {
    /// `text` fed in chunks of `size` bytes.
    static func chunks(_ text: String, _ size: Int) -> [Data] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { Data(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    @Test(arguments: [1, 2, 3, 7, 1024])
    func linesComeOutWholeWhateverTheChunking(size: Int) throws {
        var splitter = LineSplitter(limit: 1024)
        var lines: [String] = []
        for chunk in Self.chunks("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":\n", size) {
            lines += try splitter.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == ["{\"a\":1}", "", "{\"b\":2}\r", "{\"c\":"])
        #expect(splitter.pendingCount == 0)
    }

    @Test func aLineWithoutEndIsRefusedAtTheLimitInLinearTime() throws {
        var splitter = LineSplitter(limit: 16 << 20)
        let chunk = Data(repeating: 0x78, count: 4096)
        let started = Date()
        var fed = 0
        #expect(throws: LineSplitter.TooLong.self) {
            while true {
                _ = try splitter.feed(chunk)
                fed += chunk.count
            }
        }
        // 4,096 chunks: rescanning what was pending each time would read 32 GiB.
        #expect(fed <= 16 << 20)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test(arguments: [1, 2, 5, 64])
    func eventsComeOutWholeWhateverTheChunkingAndLineEnds(size: Int) async throws {
        let stream = ": ping\r\n\r\nevent: message\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata: two\rdata: lines\r\rid: 3\n\ndata: tail"
        var parser = SSEParser(lineLimit: 1024)
        var events: [String] = []
        for chunk in Self.chunks(stream, size) {
            events += try parser.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
        }
        events += await parser.finish().map { String(decoding: $0, as: UTF8.self) }
        #expect(events == ["{\"a\":\n1}", "two\nlines", "tail"])
    }
}
