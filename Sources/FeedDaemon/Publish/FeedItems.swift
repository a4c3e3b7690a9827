import Foundation
import FeedModel
import FeedParse
import FeedDiff
import FeedRender
import FeedStore
import Synchronization

/// The items feeds show, each entry read and rendered at most once a run.
///
/// Rendered items are cached here and nowhere else, in two layers keyed
/// alike, by fingerprint (an edited entry is never served stale) and by
/// what the HTML was rendered for (base URL, renderer version): this
/// process's memory (`ItemMemory`: a daemon's runs show mostly the same
/// entries again), then the state's payloads (every entry a feed shows, with
/// its HTML). An entry in neither is read from its source file and
/// rendered, on every core when there are many; a source that no longer
/// parses falls back to the entry as last published.
struct FeedItems {
    let store: StateStore
    let tree: SourceTree
    let baseURL: String
    let memory: ItemMemory
    /// The items built this run, by key.
    private var built: [EntryKey: FeedItem] = [:]
    /// Entries rendered this run (not taken from the cache): saved by `save`.
    private var rendered: [EntryKey] = []

    init(store: StateStore, tree: SourceTree, baseURL: String, memory: ItemMemory) {
        self.store = store
        self.tree = tree
        self.baseURL = baseURL
        self.memory = memory
    }

    /// What cached HTML was rendered for: it is reused only for the same.
    var htmlBase: String { baseURL + "|" + AtomWriter.generatorVersion }

    /// The entries each feed shows, newest first: its newest live entries
    /// and, in a feed with a `closed_days` window, the entries that closed
    /// (or left) within it, marked closed.
    ///
    /// - Parameter archiveCandidates: by feed with archives, the entries
    ///   that may have had news since they were archived (nil: any).
    mutating func items(for feeds: [FeedSpec], at now: Timestamp,
                        archiveCandidates: [String: Set<EntryKey>?] = [:]) throws -> [[FeedItem]] {
        // Per-category feeds of one kind come from one pass over its entries.
        var byFacet: [EntryKind: [Facet: [StoredEntry]]] = [:]
        var closed: [EntryKind: [StoredEntry]] = [:]
        for kind in EntryKind.allCases {
            let ofKind = feeds.filter { $0.kind == kind }
            if let days = ofKind.map(\.closedDays).max(), days > 0 {
                closed[kind] = try store.closed(kind: kind, since: Timestamp(seconds: now.seconds - Int64(days) * 86_400))
            }
            let categories = ofKind.filter { $0.facet != nil }
            guard let cap = categories.map(\.cap).max() else { continue }
            byFacet[kind] = try store.newest(kind: kind, facets: Set(categories.compactMap(\.facet)), limit: cap)
        }
        var newest: [[StoredEntry]] = []
        for feed in feeds {
            var rows: [StoredEntry]
            if let facet = feed.facet {
                rows = Array((byFacet[feed.kind]?[facet] ?? []).prefix(feed.cap))
            } else {
                rows = try store.newest(kind: feed.kind, limit: feed.cap)
            }
            let since = Timestamp(seconds: now.seconds - Int64(feed.closedDays) * 86_400)
            let shownClosed = (closed[feed.kind] ?? []).filter { row in
                feed.closedDays > 0 && (row.removedAt ?? now) >= since && feed.facet.map { row.facets.contains($0) } ?? true
            }
            if !shownClosed.isEmpty {
                // In the feed's order (the state's): published, newest first, then key.
                rows = Array((rows + shownClosed).sorted { ($1.published, $0.key) < ($0.published, $1.key) }.prefix(feed.cap))
            }
            if feed.archive {
                // Archived entries with news since are shown again (RFC 5005 §4.1), up to a cap's worth.
                let shown = Set(rows.map(\.key))
                let candidates = archiveCandidates[feed.name] ?? nil
                rows += try store.revisedSinceArchived(feed: feed.name, among: candidates, limit: feed.cap).filter { !shown.contains($0.key) }
            }
            newest.append(rows)
        }
        var needed: [EntryKey: StoredEntry] = [:]
        for row in newest.joined() where built[row.key] == nil { needed[row.key] = row }
        try build(needed.values.sorted { $0.key < $1.key })
        return newest.map { rows in rows.compactMap { built[$0.key] }.sorted(by: FeedItem.feedOrder) }
    }

    /// The items of each document's `rows` (archive documents'), newest
    /// first; all of them built at once, on every core.
    mutating func items(of documents: [[StoredEntry]]) throws -> [[FeedItem]] {
        try build(documents.joined().filter { built[$0.key] == nil }.sorted { $0.key < $1.key })
        return documents.map { rows in rows.compactMap { built[$0.key] }.sorted(by: FeedItem.feedOrder) }
    }

    /// Keeps the payloads of the entries rendered this run.
    func save() throws {
        let entries = rendered.compactMap { key in built[key].flatMap { item in item.contentHTML.map { (item.entry, $0) } } }
        try store.savePayloads(concurrentMap(entries) { StateStore.Payload(entry: $0.0, html: $0.1) }, htmlBase: htmlBase)
    }

    /// Builds the items of `rows`: from the cache, else from their sources.
    private mutating func build(_ rows: [StoredEntry]) throws {
        var toRender: [(row: StoredEntry, entry: Entry)] = []
        var fromSource: [String: [StoredEntry]] = [:]
        for row in rows {
            if let item = memory.item(for: row, htmlBase: htmlBase) {
                built[row.key] = item
            } else if let (entry, html) = try store.payload(key: row.key, fingerprint: row.fingerprint, htmlBase: htmlBase) {
                if let html {
                    var item = FeedItem(entry: entry, published: row.published, updated: row.updated,
                                        contentHTML: html, summary: Summary.paragraph(markdown: entry.body))
                    item.date(by: row)
                    built[row.key] = item
                } else {
                    toRender.append((row, entry))
                }
            } else {
                fromSource[row.source, default: []].append(row)
            }
        }
        // Items keyed by content (listing pages, id-less JSON items) need the
        // state to tell them apart: read here, on the state's thread.
        var files: [(source: String, rows: [StoredEntry])] = []
        for (source, rows) in fromSource.sorted(by: { $0.key < $1.key }) {
            if rows.contains(where: { $0.sketch != nil }) {
                let entries = try listingEntries(source)
                for row in rows {
                    if let entry = entries[row.key] { toRender.append((row, entry)) } else { try fallBack(row, into: &toRender) }
                }
            } else {
                files.append((source, rows))
            }
        }
        // Other files are read and parsed on every core.
        let tree = self.tree
        let loaded = concurrentMap(files) { file -> [(StoredEntry, Entry?)] in
            guard case let .bytes(bytes, _) = tree.read(file.source) else { return file.rows.map { ($0, nil) } }
            let entries = SourceFile.parse(bytes: bytes, path: file.source).entries
            return file.rows.map { row in (row, entries.first(where: { $0.key == row.key })) }
        }
        for (row, entry) in loaded.joined() {
            if let entry { toRender.append((row, entry)) } else { try fallBack(row, into: &toRender) }
        }
        let baseURL = self.baseURL
        let items = concurrentMap(toRender) { pair in
            var item = FeedItem(entry: pair.entry, published: pair.row.published, updated: pair.row.updated,
                                contentHTML: HTMLContent.render(markdown: pair.entry.body, baseURL: baseURL),
                                summary: Summary.paragraph(markdown: pair.entry.body))
            item.date(by: pair.row)
            return item
        }
        for item in items {
            built[item.entry.key] = item
            rendered.append(item.entry.key)
        }
        for row in rows { if let item = built[row.key] { memory.keep(item, for: row, htmlBase: htmlBase) } }
    }

    /// The source no longer parses (or no longer holds the entry): show what was last published.
    private func fallBack(_ row: StoredEntry, into list: inout [(row: StoredEntry, entry: Entry)]) throws {
        if let entry = try store.lastPublished(key: row.key) { list.append((row, entry)) }
    }

    /// A file's entries (a listing page's, a JSON array's), with the keys the state gave its items.
    private func listingEntries(_ source: String) throws -> [EntryKey: Entry] {
        guard case let .bytes(bytes, _) = tree.read(source) else { return [:] }
        let file = SourceFile.parse(bytes: bytes, path: source)
        let previous = try store.entries(source: source).compactMap(KnownListingEntry.init)
        let entries = file.entries + ListingIdentity.resolve(items: file.listingItems, previous: previous)
        return Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Items built in this process, by key, with what they were built for.
///
/// Used on the pipeline's thread only. Bounded: past `limit` items (far
/// more than the feeds of a site show) it starts again empty.
final class ItemMemory {
    private struct Kept {
        var fingerprint: Fingerprint
        var htmlBase: String
        var item: FeedItem
    }
    private var kept: [EntryKey: Kept] = [:]
    static let limit = 20_000

    /// The item of `row` when it was built for the same content and base; dated as the row is.
    func item(for row: StoredEntry, htmlBase: String) -> FeedItem? {
        guard let k = kept[row.key], k.fingerprint == row.fingerprint, k.htmlBase == htmlBase else { return nil }
        var item = k.item
        item.date(by: row)
        return item
    }

    func keep(_ item: FeedItem, for row: StoredEntry, htmlBase: String) {
        if kept.count >= Self.limit { kept.removeAll(keepingCapacity: true) }
        kept[row.key] = Kept(fingerprint: row.fingerprint, htmlBase: htmlBase, item: item)
    }
}

/// `items.map(transform)`, on every core when there are more than a few.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
    guard items.count > 8 else { return items.map(transform) }
    let results = Mutex([R?](repeating: nil, count: items.count))
    DispatchQueue.concurrentPerform(iterations: items.count) { i in
        let value = transform(items[i])
        results.withLock { $0[i] = value }
    }
    return results.withLock { $0.compactMap { $0 } }
}
