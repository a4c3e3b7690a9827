import Foundation
import FeedModel

/// RFC 5005 archives: every entry a feed with archives no longer shows gets
/// the next place (`seq`, from 1) in that feed's archive, which fixes the
/// archive document it is in for good (`seq` 1…size in document 1, and so
/// on). An entry whose news (`updated`) moved after it was archived is shown
/// in the subscription document again, and archived again, at a new place,
/// when it leaves it.
extension StateStore {
    /// The last place taken in `feed`'s archive; 0 when it has none.
    public func archiveTop(feed: String) throws(StoreError) -> Int {
        var top = 0
        try statement("SELECT coalesce(max(seq), 0) FROM archive WHERE feed = ?").bind(.text(feed)).forEach { top = Int($0.int(0)) }
        return top
    }

    private static let selectUnarchived = """
        SELECT e.key, e.updated, e.published FROM entries e INDEXED BY entries_by_feed
        WHERE e.kind = ? AND e.removed_at IS NULL AND e.shown = 1
          AND NOT EXISTS (SELECT 1 FROM archive a WHERE a.feed = ? AND a.key = e.key AND a.updated >= e.updated)
        """
    private static let selectUnarchivedKey = """
        SELECT e.key, e.updated, e.published FROM entries e
        WHERE e.key = ? AND e.kind = ? AND e.removed_at IS NULL AND e.shown = 1
          AND NOT EXISTS (SELECT 1 FROM archive a WHERE a.feed = ? AND a.key = e.key AND a.updated >= e.updated)
        """

    /// The live entries of `kind` not in `feed`'s archive, or archived
    /// before their latest news, in the feed's order (newest first): among
    /// `candidates` only, or all of the kind's (a pass over every one) when nil.
    public func unarchived(feed: String, kind: EntryKind, among candidates: Set<EntryKey>?) throws(StoreError) -> [(key: EntryKey, updated: Timestamp)] {
        var found: [(key: EntryKey, updated: Timestamp, published: Timestamp)] = []
        func add(_ row: Row) { found.append((EntryKey(rawValue: row.text(0)), Timestamp(seconds: row.int(1)), Timestamp(seconds: row.int(2)))) }
        if let candidates {
            let s = try statement(Self.selectUnarchivedKey)
            for key in candidates { try s.bind(.text(key.rawValue), .text(kind.rawValue), .text(feed)).forEach(add) }
        } else {
            try statement(Self.selectUnarchived).bind(.text(kind.rawValue), .text(feed)).forEach(add)
        }
        // The feed's order: published, newest first, then key.
        return found.sorted { ($1.published, $0.key) < ($0.published, $1.key) }.map { ($0.key, $0.updated) }
    }

    /// The entries `feed` showed when it was last rendered.
    public func shown(feed: String) throws(StoreError) -> Set<EntryKey> {
        var out: Set<EntryKey> = []
        try statement("SELECT key FROM feed_items WHERE feed = ?").bind(.text(feed)).forEach { out.insert(EntryKey(rawValue: $0.text(0))) }
        return out
    }

    private static let archivedColumns = entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    private static let selectRevised = """
        SELECT \(archivedColumns) FROM archive a JOIN entries e ON e.key = a.key
        WHERE a.feed = ? AND e.removed_at IS NULL AND e.updated > a.updated
        """
    private static let selectRevisedKey = """
        SELECT \(archivedColumns) FROM archive a JOIN entries e ON e.key = a.key
        WHERE a.feed = ? AND a.key = ? AND e.removed_at IS NULL AND e.updated > a.updated
        """

    /// Archived entries of `feed` whose news came after they were archived,
    /// most recent news first, at most `limit`: the subscription document
    /// shows them again (RFC 5005 §4.1). Among `candidates` only, or all
    /// archived entries (a pass over the archive) when nil.
    public func revisedSinceArchived(feed: String, among candidates: Set<EntryKey>?, limit: Int) throws(StoreError) -> [StoredEntry] {
        var found: [StoredEntry] = []
        if let candidates {
            let s = try statement(Self.selectRevisedKey)
            for key in candidates { try s.bind(.text(feed), .text(key.rawValue)).forEach { found.append(entry($0)) } }
        } else {
            found = try entries(Self.selectRevised, .text(feed))
        }
        return Array(found.sorted { ($1.updated, $0.key) < ($0.updated, $1.key) }.prefix(limit))
    }

    /// Gives `entries` the next places in `feed`'s archive, whose last place is `top`, in order.
    /// - Returns: the archive's last place now.
    public func archive(feed: String, _ entries: [(key: EntryKey, updated: Timestamp)], after top: Int) throws(StoreError) -> Int {
        var seq = top
        let upsert = try statement("INSERT OR REPLACE INTO archive(feed, key, seq, updated) VALUES(?, ?, ?, ?)")
        for e in entries {
            seq += 1
            try upsert.bind(.text(feed), .text(e.key.rawValue), .int(Int64(seq)), .int(e.updated.seconds)).run()
        }
        return seq
    }

    private static let selectArchived = """
        SELECT \(archivedColumns) FROM archive a JOIN entries e ON e.key = a.key
        WHERE a.feed = ? AND a.seq BETWEEN ? AND ?
        """

    /// The entries at places `seqs` of `feed`'s archive (live or not).
    public func archived(feed: String, seqs: ClosedRange<Int>) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectArchived, .text(feed), .int(Int64(seqs.lowerBound)), .int(Int64(seqs.upperBound)))
    }
}
