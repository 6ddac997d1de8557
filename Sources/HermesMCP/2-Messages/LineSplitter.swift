import Foundation
import HermesOAuth

/// A byte stream cut into lines, in time linear in its length and memory bounded by `limit`: each
/// byte is looked at once (the part after the last newline is never scanned again) and the
/// pending line is moved at most once per chunk. A line longer than `limit` is refused: a peer that
/// never sends a newline must not make hermes hold (and rescan) everything it ever sent.
struct LineSplitter {
    let limit: Int
    private var pending: [UInt8] = []

    struct TooLong: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "a line longer than \(limit >> 20) MiB (\(limit) bytes) with no newline" }
    }

    init(limit: Int) { self.limit = limit }

    /// Bytes received so far that end no line yet.
    var pendingCount: Int { pending.count }

    /// The lines `chunk` completes, without their "\n" (a "\r" before it is kept; JSON ignores it).
    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws -> [Data] {
        let bytes = chunk.bindMemory(to: UInt8.self)
        var lines: [Data] = []
        var start = 0
        while start < bytes.count, let found = memchr(chunk.baseAddress! + start, 0x0A, bytes.count - start) {
            let newline = chunk.baseAddress!.distance(to: UnsafeRawPointer(found))
            if pending.isEmpty {
                lines.append(Data(bytes[start..<newline]))
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                lines.append(Data(pending))
                pending.removeAll(keepingCapacity: false)
            }
            start = newline + 1
        }
        if pending.count + (bytes.count - start) > limit {
            pending.removeAll()
            throw TooLong(limit: limit)
        }
        pending.append(contentsOf: bytes[start...])
        return lines
    }

    mutating func feed(_ data: Data) throws -> [Data] {
        try data.withUnsafeBytes { try feed($0) }
    }
}

/// Server-sent events read as they arrive: the joined `data:` lines of each event that has any,
/// once the blank line ending it is in, with the event's name (`event:`, "message" when it names
/// none, as the EventSource rules say). Lines end with "\n", "\r\n" or "\r" (one split across two
/// chunks included); a line longer than `lineLimit`, or an event whose data passes `eventLimit`, is
/// refused (several `data:` lines each under the line limit must not add up without bound).
struct SSEParser {
    struct Event: Equatable {
        let name: String
        let data: Data
    }

    struct EventTooLarge: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "an event larger than \(limit >> 20) MiB (\(limit) bytes)" }
    }

    private var lines: LineSplitter
    private let eventLimit: Int
    private var data: [Substring] = []
    private var dataBytes = 0
    private var name: Substring?
    private var lastWasCR = false
    private var idBuffer: String?
    /// The id of the last event dispatched (`id:`, kept across events as EventSource does, also
    /// for events without data such as a server's priming event): where a resumed stream starts.
    private(set) var lastEventID: String?
    /// The reconnection time the server asked for (`retry:`, milliseconds), if it did.
    private(set) var retry: Int?

    init(lineLimit: Int, eventLimit: Int = .max) {
        lines = LineSplitter(limit: lineLimit)
        self.eventLimit = eventLimit
    }

    /// The data of the events `chunk` completes, whatever their names (an MCP reply stream names
    /// none, or "message").
    mutating func feed(_ chunk: Data) throws -> [Data] {
        try events(chunk).map(\.data)
    }

    /// The events `chunk` completes.
    mutating func events(_ chunk: Data) throws -> [Event] {
        // "\r" and "\r\n" become "\n" (a "\n" right after a "\r" that ended the last chunk is dropped).
        if !lastWasCR, !chunk.contains(0x0D) {
            return try chunk.withUnsafeBytes { try lines.feed($0) }.compactMap { try take(String(decoding: $0, as: UTF8.self)) }
        }
        var normalized = [UInt8]()
        normalized.reserveCapacity(chunk.count)
        for byte in chunk {
            if byte == 0x0D {
                normalized.append(0x0A)
                lastWasCR = true
            } else {
                if !(byte == 0x0A && lastWasCR) { normalized.append(byte) }
                lastWasCR = false
            }
        }
        var events: [Event] = []
        for line in try normalized.withUnsafeBytes({ try lines.feed($0) }) {
            if let event = try take(String(decoding: line, as: UTF8.self)) { events.append(event) }
        }
        return events
    }

    /// The event the stream ended in the middle of, if it had data.
    mutating func finish() -> [Data] {
        var tail: [Data] = []
        if lines.pendingCount > 0, let event = try? feed(Data([0x0A])).first { tail.append(event) }
        if !data.isEmpty { tail.append(Data(data.joined(separator: "\n").utf8)); data = []; dataBytes = 0 }
        return tail
    }

    private mutating func take(_ line: String) throws -> Event? {
        if line.isEmpty {
            lastEventID = idBuffer
            defer { data = []; dataBytes = 0; name = nil }
            return data.isEmpty ? nil : Event(name: name.map(String.init) ?? "message", data: Data(data.joined(separator: "\n").utf8))
        }
        if line.hasPrefix("data:") {
            var value = line.dropFirst(5)
            if value.first == " " { value = value.dropFirst() }
            dataBytes += value.utf8.count + 1
            if dataBytes > eventLimit {
                data = []
                dataBytes = 0
                throw EventTooLarge(limit: eventLimit)
            }
            data.append(value)
        } else if line.hasPrefix("event:") {
            var value = line.dropFirst(6)
            if value.first == " " { value = value.dropFirst() }
            name = value
        } else if line.hasPrefix("id:") {
            var value = line.dropFirst(3)
            if value.first == " " { value = value.dropFirst() }
            // Sent back in a header: an id that could not be is not kept (EventSource drops NUL too).
            if value.utf8.count <= 256, HeaderSyntax.isVisibleASCII(String(value)) || value.isEmpty {
                idBuffer = value.isEmpty ? nil : String(value)
            }
        } else if line.hasPrefix("retry:") {
            var value = line.dropFirst(6)
            if value.first == " " { value = value.dropFirst() }
            if !value.isEmpty, value.count <= 9, value.allSatisfy({ ("0"..."9").contains($0) }) { retry = Int(value) }
        }
        return nil
    }
}
