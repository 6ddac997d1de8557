import Foundation

/// Bounds on one paginated listing (tools/list, resources/list, prompts/list). The server decides
/// how many pages there are: one that always answers with a fresh `nextCursor` was followed
/// forever, every page kept in memory. Each limit is far above what a huge but legitimate server
/// needs, and going past one is an error naming it, not a silent truncation: a listing cut short
/// would hide tools from the agent without anyone knowing why. The listing also runs inside the
/// deadline of the operation it belongs to (connect or call).
public enum Pagination {
    /// Pages of one listing: `maxItems` at 20 a page, a smaller page than servers use (50 to 1,000).
    public static let maxPages = 500
    /// Items of one listing. Every tool goes into the model's context, and no model takes 10,000
    /// (the largest tool limits in use are around a hundred).
    public static let maxItems = 10_000
    /// Bytes of one listing's items and cursors, as JSON: 10,000 tools with 3 KiB schemas each.
    public static let maxBytes = 32 << 20

    /// The listing went past a limit, or the server repeated a cursor (an endless loop).
    public struct LimitExceeded: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Bytes a transport has received from its server: what a listing costs, measured where it
    /// arrives (the items' own encoding would cost a second pass over them).
    public final class ReceivedBytes: @unchecked Sendable {
        private let lock = NSLock()
        private var total = 0

        public init() {}
        public func add(_ count: Int) { lock.withLock { total += count } }
        public var value: Int { lock.withLock { total } }
    }

    /// How far a listing got, for the error when its deadline passes first: a server still paging
    /// then is not retried (the next try would page as long).
    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var pages = 0, items = 0

        func add(items count: Int) { lock.withLock { pages += 1; items += count } }

        /// Nil before the first page is in: then the server may simply be unreachable.
        func stall(_ what: String) -> String? {
            lock.withLock { pages == 0 ? nil : "\(what) was still paging (\(pages) pages, \(items) items so far)" }
        }
    }
}

/// Every item of a paginated MCP list, following `nextCursor` to the end, within `Pagination`'s
/// limits; `received` counts the bytes the transport has received. Before 2026-07-28 an empty
/// cursor ends the listing too (servers that always send the field send ""); from then on `""` is
/// a cursor like any other (`emptyCursorEnds: false`).
func allPages<Item>(_ what: String, received: Pagination.ReceivedBytes, progress: Pagination.Progress? = nil,
                    emptyCursorEnds: Bool = true,
                    _ fetch: (String?) async throws -> ([Item], String?)) async throws -> [Item] {
    var all: [Item] = []
    var cursor: String?
    var seen: Set<String> = []
    var pages = 0, bytes = 0
    let start = received.value
    func exceeded(_ text: String) -> Pagination.LimitExceeded {
        Pagination.LimitExceeded(description: "\(what): \(text) (after \(pages) pages, \(all.count) items)")
    }
    repeat {
        let (items, next) = try await fetch(cursor)
        pages += 1
        all += items
        progress?.add(items: items.count)
        // The cursors are kept (to see one come back) and count too.
        bytes = received.value - start + seen.reduce(next?.utf8.count ?? 0) { $0 + $1.utf8.count }
        if all.count > Pagination.maxItems {
            throw exceeded("the server listed more than \(Pagination.maxItems) items, hermes' limit (Pagination.maxItems)")
        }
        if bytes > Pagination.maxBytes {
            throw exceeded("the listing exceeded \(Pagination.maxBytes >> 20) MiB, hermes' limit (Pagination.maxBytes)")
        }
        guard let next, !(emptyCursorEnds && next.isEmpty) else { break }
        if seen.contains(next) {
            throw exceeded("the server sent the same nextCursor again, so the listing would never end")
        }
        if pages >= Pagination.maxPages {
            throw exceeded("the server kept sending a nextCursor past \(Pagination.maxPages) pages, hermes' limit (Pagination.maxPages)")
        }
        seen.insert(next)
        cursor = next
    } while true
    return all
}
