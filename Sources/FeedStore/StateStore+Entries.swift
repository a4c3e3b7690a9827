import FeedModel

/// Counts for `feedd state` and the daemon's status line.
public struct StateSummary: Sendable, Equatable {
    public var files = 0
    public var rejectedFiles = 0
    public var live: [EntryKind: Int] = [:]
    public var removed = 0
}

extension StateStore {
    static let entryColumns = "key, kind, source, title, fingerprint, published, updated, first_seen, last_changed, removed_at, sketch, facets, closes, digests, shown"
    // Made once: a statement is found by its text, and the hot ones run 100,000 times a first run.
    private static let selectAll = "SELECT \(entryColumns) FROM entries"
    private static let selectByKey = "SELECT \(entryColumns) FROM entries WHERE key = ?"
    private static let selectBySource = "SELECT \(entryColumns) FROM entries WHERE source = ?"
    private static let upsert = "INSERT OR REPLACE INTO entries(\(entryColumns)) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

    func entry(_ row: Row) -> StoredEntry {
        StoredEntry(key: EntryKey(rawValue: row.text(0)), kind: EntryKind(rawValue: row.text(1)) ?? .publication,
                    source: row.text(2), title: row.text(3), fingerprint: row.fingerprint(4),
                    published: Timestamp(seconds: row.int(5)), updated: Timestamp(seconds: row.int(6)),
                    firstSeen: Timestamp(seconds: row.int(7)), lastChanged: Timestamp(seconds: row.int(8)),
                    removedAt: row.isNull(9) ? nil : Timestamp(seconds: row.int(9)),
                    sketch: row.isNull(10) ? nil : row.blob(10),
                    facets: row.isNull(11) ? [] : Self.decodeFacets(row.text(11)),
                    closes: row.isNull(12) ? nil : Timestamp(seconds: row.int(12)),
                    digests: row.isNull(13) ? nil : FieldDigests(bytes: row.blob(13)),
                    shown: row.int(14) != 0)
    }

    func entries(_ sql: String, _ values: SQLValue...) throws(StoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        try statement(sql).bind(values).forEach { out.append(entry($0)) }
        return out
    }

    /// Every entry, live and removed.
    public func allEntries() throws(StoreError) -> [EntryKey: StoredEntry] {
        var out: [EntryKey: StoredEntry] = [:]
        try statement(Self.selectAll).bind().forEach { let e = entry($0); out[e.key] = e }
        return out
    }

    public func entries(keys: some Sequence<EntryKey>) throws(StoreError) -> [EntryKey: StoredEntry] {
        var out: [EntryKey: StoredEntry] = [:]
        let s = try statement(Self.selectByKey)
        for key in keys {
            try s.bind(.text(key.rawValue)).forEach { out[key] = entry($0) }
        }
        return out
    }

    /// Entries whose source is `path` (live and removed).
    public func entries(source path: String) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectBySource, .text(path))
    }

    /// Writes an entry's row.
    public func put(entry e: StoredEntry) throws(StoreError) {
        try statement(Self.upsert)
            .bind(.text(e.key.rawValue), .text(e.kind.rawValue), .text(e.source), .text(e.title), .digest(e.fingerprint),
                  .int(e.published.seconds), .int(e.updated.seconds), .int(e.firstSeen.seconds), .int(e.lastChanged.seconds),
                  e.removedAt.map { .int($0.seconds) } ?? .null, e.sketch.map { .blob($0) } ?? .null,
                  e.facets.isEmpty ? .null : .text(Self.encodeFacets(e.facets)),
                  e.closes.map { .int($0.seconds) } ?? .null, e.digests.map { .blob($0.bytes) } ?? .null, .int(e.shown ? 1 : 0))
            .run()
    }

    // MARK: Facets

    /// Facets joined by U+001F, a character no accepted value can hold.
    private static func encodeFacets(_ facets: [Facet]) -> String {
        var out = ""
        out.reserveCapacity(facets.reduce(0) { $0 + $1.dimension.rawValue.utf8.count + $1.value.utf8.count + 2 })
        for facet in facets {
            if !out.isEmpty { out += "\u{1F}" }
            out += facet.dimension.rawValue
            out += ":"
            out += facet.value
        }
        return out
    }

    private static func decodeFacets(_ text: String) -> [Facet] {
        text.split(separator: "\u{1F}").compactMap { Facet(stored: String($0)) }
    }

    /// Whether the state holds any entry, live or removed.
    public func hasEntries() throws(StoreError) -> Bool {
        var out = false
        try statement("SELECT EXISTS (SELECT 1 FROM entries)").bind().forEach { out = $0.int(0) != 0 }
        return out
    }

    /// Every facet among entries of `kind`, removed ones included, so a
    /// category whose last entry left still gets its (now empty) feed.
    public func facets(kind: EntryKind) throws(StoreError) -> Set<Facet> {
        var out = Set<Facet>()
        try statement("SELECT DISTINCT facets FROM entries WHERE kind = ? AND facets IS NOT NULL").bind(.text(kind.rawValue))
            .forEach { out.formUnion(Self.decodeFacets($0.text(0))) }
        return out
    }

    // MARK: What feeds show

    private static let selectNewest = """
        SELECT \(entryColumns) FROM entries INDEXED BY entries_by_feed
        WHERE kind = ? AND removed_at IS NULL ORDER BY published DESC, key ASC LIMIT ?
        """

    /// The newest live entries of a kind: what a feed with that cap shows.
    public func newest(kind: EntryKind, limit: Int) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectNewest, .text(kind.rawValue), .int(Int64(limit)))
    }

    /// The newest live entries of a kind that carry each of `facets`, at
    /// most `limit` each: one pass over the kind's entries, newest first,
    /// that stops once every facet has its `limit` (the facets are in each
    /// row: no index of them to keep up to date on every write).
    public func newest(kind: EntryKind, facets: Set<Facet>, limit: Int) throws(StoreError) -> [Facet: [StoredEntry]] {
        var out: [Facet: [StoredEntry]] = [:]
        var open = facets.count
        guard open > 0, limit > 0 else { return out }
        try statement(Self.selectNewest).bind(.text(kind.rawValue), .int(-1)).forEachWhile { row in
            guard !row.isNull(11) else { return true }
            let wanted = Self.decodeFacets(row.text(11)).filter { facets.contains($0) && out[$0, default: []].count < limit }
            guard !wanted.isEmpty else { return true }
            let e = entry(row)
            for facet in wanted {
                out[facet, default: []].append(e)
                if out[facet]?.count == limit { open -= 1 }
            }
            return open > 0
        }
        return out
    }

    // MARK: Closed entries and the clock

    private static let selectClosed = """
        SELECT \(entryColumns) FROM entries
        WHERE kind = ? AND removed_at IS NOT NULL AND removed_at >= ? AND shown = 1
        """

    /// Entries of a kind that closed (or left) at `since` or later and were
    /// shown before: what feeds with a `closed_days` window still hold, marked.
    public func closed(kind: EntryKind, since: Timestamp) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectClosed, .text(kind.rawValue), .int(since.seconds))
    }

    /// Live entries whose closing date is `now` or earlier: to be closed.
    public func due(at now: Timestamp) throws(StoreError) -> [StoredEntry] {
        try entries("SELECT \(Self.entryColumns) FROM entries WHERE closes IS NOT NULL AND removed_at IS NULL AND closes <= ? ORDER BY source, key",
                    .int(now.seconds))
    }

    /// The earliest closing date after `now` among live entries.
    public func nextClosing(after now: Timestamp) throws(StoreError) -> Timestamp? {
        var out: Timestamp?
        try statement("SELECT min(closes) FROM entries WHERE closes IS NOT NULL AND removed_at IS NULL AND closes > ?")
            .bind(.int(now.seconds)).forEach { if !$0.isNull(0) { out = Timestamp(seconds: $0.int(0)) } }
        return out
    }

    /// The earliest removal of a shown entry of `kind` after `since`: when
    /// the first of the closed entries a window still holds leaves it.
    public func earliestClosed(kind: EntryKind, after since: Timestamp) throws(StoreError) -> Timestamp? {
        var out: Timestamp?
        try statement("SELECT min(removed_at) FROM entries WHERE kind = ? AND removed_at IS NOT NULL AND removed_at > ? AND shown = 1")
            .bind(.text(kind.rawValue), .int(since.seconds)).forEach { if !$0.isNull(0) { out = Timestamp(seconds: $0.int(0)) } }
        return out
    }

    /// Shown entries of `kind` removed in `range` (lower bound excluded):
    /// the ones a window's passing takes out of the feeds.
    public func closed(kind: EntryKind, between lower: Timestamp, and upper: Timestamp) throws(StoreError) -> [StoredEntry] {
        try entries("SELECT \(Self.entryColumns) FROM entries WHERE kind = ? AND removed_at IS NOT NULL AND removed_at > ? AND removed_at <= ? AND shown = 1",
                    .text(kind.rawValue), .int(lower.seconds), .int(upper.seconds))
    }

    /// When entries of a feed last changed (added, edited or removed), for an
    /// empty feed's `updated`; a fixed plausible date when nothing ever did.
    public func lastChange(kind: EntryKind, facet: Facet?) throws(StoreError) -> Timestamp {
        var out: Int64 = 0
        if let facet {
            // The facet among the row's own, delimited by U+001F on both sides.
            try statement("""
                SELECT max(max(last_changed, coalesce(removed_at, 0))) FROM entries
                WHERE kind = ? AND instr(char(31) || facets || char(31), char(31) || ? || char(31)) > 0
                """).bind(.text(kind.rawValue), .text(facet.description)).forEach { out = $0.int(0) }
        } else {
            try statement("SELECT max(max(last_changed, coalesce(removed_at, 0))) FROM entries WHERE kind = ?")
                .bind(.text(kind.rawValue)).forEach { out = $0.int(0) }
        }
        return out > 0 ? Timestamp(seconds: out) : Self.beforeAnything
    }

    /// 2000-01-01T00:00:00Z: feed validators flag dates before 1990 as implausible.
    public static let beforeAnything = Timestamp(seconds: 946_684_800)

    // MARK: Reporting

    /// - Parameter detailed: also count rejected files and removed entries,
    ///   which reads every row; without it (the daemon's status line after
    ///   every run) only indexes and page counts are read.
    public func summary(detailed: Bool = true) throws(StoreError) -> StateSummary {
        var s = StateSummary()
        if detailed {
            try statement("SELECT count(*), count(problems) FROM files").bind().forEach {
                s.files = Int($0.int(0))
                s.rejectedFiles = Int($0.int(1))
            }
            try statement("SELECT count(*) FROM entries WHERE removed_at IS NOT NULL").bind().forEach { s.removed = Int($0.int(0)) }
        } else {
            try statement("SELECT count(*) FROM files").bind().forEach { s.files = Int($0.int(0)) }
        }
        for kind in EntryKind.allCases {
            try statement("SELECT count(*) FROM entries WHERE kind = ? AND removed_at IS NULL").bind(.text(kind.rawValue)).forEach {
                if $0.int(0) > 0 { s.live[kind] = Int($0.int(0)) }
            }
        }
        return s
    }

    /// Every entry ordered for people: kind, newest first (the order feeds
    /// show), then first seen, newest first.
    public func listing(includeRemoved: Bool) throws(StoreError) -> [StoredEntry] {
        try entries("SELECT \(Self.entryColumns) FROM entries \(includeRemoved ? "" : "WHERE removed_at IS NULL") ORDER BY kind, published DESC, first_seen DESC, key")
    }
}
