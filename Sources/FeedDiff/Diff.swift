import FeedModel

/// Two files claim one key; the smaller path wins so every run agrees.
public struct KeyConflict: Sendable, Equatable {
    public var key: EntryKey
    public var winner: String
    public var loser: String

    public init(key: EntryKey, winner: String, loser: String) {
        self.key = key
        self.winner = winner
        self.loser = loser
    }
}

/// What a run concluded, once every touched source was offered.
public struct DiffResult: Sendable {
    /// One per new, updated or removed entry, in a stable order.
    public var events: [Event] = []
    /// The rows of entries no source holds any more, `removedAt` set.
    public var removals: [StoredEntry] = []
    public var conflicts: [KeyConflict] = []
}

/// How a run dates an entry's state row. The rules, in one place:
///
/// | what happened | first seen | last changed | published | updated |
/// |---|---|---|---|---|
/// | new (never seen) | now | now | the file's date, else first seen | the file's `updated`, else its date, else last changed |
/// | edited (news) | kept | now | as above | as above |
/// | reappeared edited | now | now | as above | as above |
/// | moved, retitled, reappeared unchanged | kept | kept | as above | as above |
/// | removed | kept | kept | kept | kept; `removed at` = now |
///
/// `updated` is never before `published`.
public enum EntryRow {
    /// The row to write for `record`, which the diff decided to write.
    /// - Parameter isNews: new, or its content changed.
    public static func written(_ record: EntryRecord, old: StoredEntry?, isNews: Bool, at now: Timestamp) -> StoredEntry {
        let reborn = old?.isRemoved == true && isNews
        let firstSeen = (reborn ? nil : old?.firstSeen) ?? now
        let lastChanged = isNews ? now : (old?.lastChanged ?? now)
        let published = record.published ?? firstSeen
        let updated = record.updated ?? record.published ?? lastChanged
        return StoredEntry(key: record.key, kind: record.kind, source: record.source, title: record.title,
                           fingerprint: record.fingerprint, published: published, updated: max(updated, published),
                           firstSeen: firstSeen, lastChanged: lastChanged, removedAt: nil,
                           sketch: record.sketch, facets: record.facets)
    }

    /// The row of an entry no source holds any more.
    public static func removed(_ old: StoredEntry, at now: Timestamp) -> StoredEntry {
        var row = old
        row.removedAt = now
        return row
    }
}

/// The diff, taken one entry at a time in source-path order, so a run can
/// write each entry's row while later files are still being parsed.
///
/// One entry per key, the smallest source path winning (an entry of a file
/// that was not re-read keeps its key unless the newcomer's path sorts
/// first); a new key, or changed content, is news; a move, a retitle or a
/// reappearance without edits is written silently; what a touched source no
/// longer holds is removed. Because paths arrive in order, the first entry
/// seen for a key is its winner among this run's files, and whether an
/// earlier path was touched is already known when it matters. Rows are
/// dated by `EntryRow`.
public struct DiffStream: Sendable {
    /// The run's time: what "now" is in every row it writes.
    public let now: Timestamp
    /// Every key offered: the path that claimed it first, and whether that
    /// claim won (it did not lose to an untouched file that owns the key).
    private var seen: [EntryKey: (source: String, won: Bool)] = [:]
    private var touched = Set<String>()
    private var lastSource: String?
    private var events: [Event] = []
    private var conflicts: [KeyConflict] = []
    /// Conflicts with a later, not yet parsed file that only stand if that file stays untouched.
    private var provisional: [KeyConflict] = []

    /// - Parameter capacity: about how many entries will be offered (a first run offers every entry).
    public init(now: Timestamp, capacity: Int = 0) {
        self.now = now
        seen.reserveCapacity(capacity)
        touched.reserveCapacity(capacity)
    }

    /// Marks a source as parsed (its entries are offered next) or deleted:
    /// whatever of it is not offered again is removed by `finish`.
    /// Call before offering the source's entries.
    public mutating func touch(_ source: String) {
        touched.insert(source)
    }

    /// Whether an entry with this key was already offered (then `offer` does not need the state's row).
    public func hasSeen(_ key: EntryKey) -> Bool { seen[key] != nil }

    /// The row to write for the next entry, or nil when there is nothing to
    /// write (a losing duplicate, or unchanged).
    ///
    /// - Parameters:
    ///   - record: the next entry; sources must not decrease from one call to the next.
    ///   - old: the state's row for the key before this run (ignored when `hasSeen`).
    public mutating func offer(_ record: EntryRecord, old: StoredEntry?) -> StoredEntry? {
        assert(lastSource.map { $0 <= record.source } ?? true, "DiffStream takes sources in path order")
        lastSource = record.source
        if let first = seen[record.key] {
            // An earlier path (or earlier in the same file) has it: that one wins.
            conflicts.append(KeyConflict(key: record.key, winner: first.source, loser: record.source))
            return nil
        }
        seen[record.key] = (record.source, true)
        if let old, !old.isRemoved, old.source != record.source {
            if old.source < record.source {
                // Already parsed or deleted in this run if it was going to be.
                if !touched.contains(old.source) {
                    seen[record.key] = (record.source, false)
                    conflicts.append(KeyConflict(key: record.key, winner: old.source, loser: record.source))
                    return nil
                }
            } else {
                provisional.append(KeyConflict(key: record.key, winner: record.source, loser: old.source))
            }
        }
        let isNews: Bool
        if let old {
            if old.fingerprint != record.fingerprint {
                // Reappearing with other content is news again; an edit is an update.
                isNews = true
                events.append(Event(change: old.isRemoved ? .new : .updated, key: record.key, kind: record.kind, title: record.title, source: record.source))
            } else if old.isRemoved || old.source != record.source || old.title != record.title {
                isNews = false
            } else {
                return nil
            }
        } else {
            isNews = true
            events.append(Event(change: .new, key: record.key, kind: record.kind, title: record.title, source: record.source))
        }
        return EntryRow.written(record, old: old, isNews: isNews, at: now)
    }

    /// The removals and the sorted events and conflicts, once every touched
    /// source was offered. Call once: the events move into the result.
    /// - Parameter candidates: the state's entries before this run, covering at least every source touched.
    public mutating func finish(candidates: some Sequence<StoredEntry>) -> DiffResult {
        var result = DiffResult()
        result.events = events
        events = []
        for old in candidates where !old.isRemoved && touched.contains(old.source) && seen[old.key]?.won != true {
            result.removals.append(EntryRow.removed(old, at: now))
            result.events.append(Event(change: .removed, key: old.key, kind: old.kind, title: old.title, source: old.source))
        }
        result.conflicts = conflicts
        for c in provisional where !touched.contains(c.loser) { result.conflicts.append(c) }
        result.events.sort { ($0.source, $0.key.rawValue, $0.change.rawValue) < ($1.source, $1.key.rawValue, $1.change.rawValue) }
        result.removals.sort { $0.key < $1.key }
        result.conflicts.sort { ($0.key.rawValue, $0.loser, $0.winner) < ($1.key.rawValue, $1.loser, $1.winner) }
        return result
    }
}

public enum Diff {
    /// `DiffStream` fed a whole scan at once: the rows to write (sorted by
    /// key) and the result.
    ///
    /// - Parameters:
    ///   - known: the state's rows for every key in `current` and every key
    ///     whose source is in `touched` (more is fine).
    ///   - current: entries parsed from the touched files (listing-page keys
    ///     already resolved), in any order.
    ///   - touched: sources parsed or deleted in this scan; entries of other
    ///     sources (unchanged or rejected files) are left as they are.
    public static func diff(known: [EntryKey: StoredEntry], current: [EntryRecord], touched: Set<String>,
                            at now: Timestamp = .epoch) -> (rows: [StoredEntry], result: DiffResult) {
        var stream = DiffStream(now: now)
        // The stream takes sources in path order; a stable sort keeps each file's own order.
        let ordered = current.enumerated().sorted { ($0.element.source, $0.offset) < ($1.element.source, $1.offset) }.map(\.element)
        for source in touched { stream.touch(source) }
        var rows: [StoredEntry] = []
        for record in ordered {
            let old = stream.hasSeen(record.key) ? nil : known[record.key]
            if let row = stream.offer(record, old: old) { rows.append(row) }
        }
        let result = stream.finish(candidates: known.values)
        return (rows.sorted { $0.key < $1.key }, result)
    }
}
