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
        SELECT e.key, e.updated FROM entries e INDEXED BY entries_by_feed
        WHERE e.kind = ? AND e.removed_at IS NULL AND e.shown = 1
          AND NOT EXISTS (SELECT 1 FROM archive a WHERE a.feed = ? AND a.key = e.key AND a.updated >= e.updated)
        ORDER BY e.published DESC, e.key ASC
        """

    /// The live entries of `kind` not in `feed`'s archive, or archived
    /// before their latest news, in the feed's order (newest first).
    public func unarchived(feed: String, kind: EntryKind) throws(StoreError) -> [(key: EntryKey, updated: Timestamp)] {
        var out: [(key: EntryKey, updated: Timestamp)] = []
        try statement(Self.selectUnarchived).bind(.text(kind.rawValue), .text(feed)).forEach { row in
            out.append((EntryKey(rawValue: row.text(0)), Timestamp(seconds: row.int(1))))
        }
        return out
    }

    private static let selectRevised = """
        SELECT \(entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
        FROM archive a JOIN entries e ON e.key = a.key
        WHERE a.feed = ? AND e.removed_at IS NULL AND e.updated > a.updated
        ORDER BY e.updated DESC, e.key ASC LIMIT ?
        """

    /// Archived entries of `feed` whose news came after they were archived,
    /// most recent news first: the subscription document shows them again (RFC 5005 §4.1).
    public func revisedSinceArchived(feed: String, limit: Int) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectRevised, .text(feed), .int(Int64(limit)))
    }

    /// Gives `entries` the next places in `feed`'s archive, in order.
    public func archive(feed: String, _ entries: [(key: EntryKey, updated: Timestamp)]) throws(StoreError) {
        var seq = try archiveTop(feed: feed)
        let upsert = try statement("INSERT OR REPLACE INTO archive(feed, key, seq, updated) VALUES(?, ?, ?, ?)")
        for e in entries {
            seq += 1
            try upsert.bind(.text(feed), .text(e.key.rawValue), .int(Int64(seq)), .int(e.updated.seconds)).run()
        }
    }

    private static let selectArchived = """
        SELECT \(entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
        FROM archive a JOIN entries e ON e.key = a.key
        WHERE a.feed = ? AND a.seq BETWEEN ? AND ?
        """

    /// The entries at places `seqs` of `feed`'s archive (live or not).
    public func archived(feed: String, seqs: ClosedRange<Int>) throws(StoreError) -> [StoredEntry] {
        try entries(Self.selectArchived, .text(feed), .int(Int64(seqs.lowerBound)), .int(Int64(seqs.upperBound)))
    }
}
