import FeedModel

/// What a run concluded, once every touched source was offered.
public struct DiffResult: Sendable {
    /// One per new, updated, revised or removed entry, in a stable order.
    public var events: [Event] = []
    /// Rows the stream held back and settled at the end: entries dated by
    /// the run (their times assigned in source order), entries handed to
    /// another file, and removals. Write them all.
    public var rows: [StoredEntry] = []
    /// The keys `rows` removes (a subset of it, for the caller's bookkeeping).
    public var removed: Set<EntryKey> = []
    /// Claims that lost, this run's (the touched files').
    public var conflicts: [KeyConflict] = []
    /// Entries first seen after their closing date: stored, never published.
    public var closedUnseen: [StoredEntry] = []
    /// The latest time the run assigned (see `DiffStream`), or nil when it assigned none.
    public var lastAssigned: Timestamp?
    /// Every source parsed or deleted this run.
    public var touched: Set<String> = []
}

/// How the diff judged one offered entry (or a row of the state).
public enum Verdict: Sendable, Equatable {
    /// Never seen, or never shown: `new`.
    case new
    /// Changed in a field its feeds count as news: `updated`.
    case edited
    /// Back after it closed or left the source: `updated`, the mark gone.
    case reopened
    /// Changed only in fields its feeds do not count as news: `revised`.
    case revised
    /// The same content under another source or title: written silently.
    case moved
    /// Its closing date passed: `removed`, at that date.
    case closing
    /// Edited or moved while closed: written silently, still closed.
    case stillClosed
    /// New, but its closing date had passed already: stored, never published.
    case closedUnseen

    /// The line the log gets, if any.
    public var change: Event.Change? {
        switch self {
        case .new: .new
        case .edited, .reopened: .updated
        case .revised: .revised
        case .closing: .removed
        case .moved, .stillClosed, .closedUnseen: nil
        }
    }
}

/// How a run dates an entry's state row. The rules, in one place:
///
/// | verdict | first seen | last changed | published | updated | removed at |
/// |---|---|---|---|---|---|
/// | new | now¹ | now | the file's date, else first seen | the file's `updated`, else published | — |
/// | edited, reopened | kept | now | the file's date, else first seen | the file's `updated`, else now¹ | — |
/// | revised | kept | now | as above | the file's `updated`, else kept | — |
/// | moved | kept | kept | as above | the file's `updated`, else kept | — |
/// | closing | kept | kept | as above | as above | its closing date |
/// | still closed | kept | kept | as above | as above | kept |
/// | closed unseen | now | now | the file's date, else now | as for new | its closing date; never shown |
/// | removed | kept | kept | kept | kept | now¹ |
///
/// ¹ A time the run assigns (`assigned`): distinct for every such row of a
/// run, in source order, so readers order what arrived together as its
/// source does. `updated` is never before `published`.
public enum EntryRow {
    /// Whether the row's visible dates come from the run (then `written` needs `assigned`).
    public static func needsAssignedTime(_ verdict: Verdict, _ record: EntryRecord) -> Bool {
        switch verdict {
        case .new: record.published == nil
        case .edited, .reopened: record.updated == nil
        default: false
        }
    }

    /// The row to write for `record`.
    /// - Parameter assigned: the run's time for this row, when `needsAssignedTime`.
    public static func written(_ record: EntryRecord, old: StoredEntry?, verdict: Verdict, at now: Timestamp,
                               assigned: Timestamp? = nil) -> StoredEntry {
        let assigned = assigned ?? now
        let fresh = verdict == .new || verdict == .closedUnseen
        let firstSeen = fresh ? (record.published == nil && verdict == .new ? assigned : now) : (old?.firstSeen ?? now)
        let lastChanged: Timestamp
        switch verdict {
        case .new, .closedUnseen, .edited, .reopened, .revised: lastChanged = now
        default: lastChanged = old?.lastChanged ?? now
        }
        let published = record.published ?? firstSeen
        let updated: Timestamp
        switch verdict {
        case .new, .closedUnseen: updated = record.updated ?? published
        case .edited, .reopened: updated = record.updated ?? assigned
        default: updated = record.updated ?? old?.updated ?? published
        }
        var removedAt: Timestamp?
        switch verdict {
        case .closing, .closedUnseen: removedAt = record.closes ?? now
        case .stillClosed: removedAt = old?.removedAt ?? now
        default: removedAt = nil
        }
        return StoredEntry(key: record.key, kind: record.kind, source: record.source, title: record.title,
                           fingerprint: record.fingerprint, published: published, updated: max(updated, published),
                           firstSeen: firstSeen, lastChanged: lastChanged, removedAt: removedAt,
                           sketch: record.sketch, facets: record.facets, closes: record.closes,
                           digests: record.digests, shown: verdict == .closedUnseen ? false : (fresh ? true : old?.shown ?? true))
    }

    /// The row of an entry no source holds any more (or whose closing date passed: `at` is then that date).
    public static func removed(_ old: StoredEntry, at time: Timestamp) -> StoredEntry {
        var row = old
        row.removedAt = time
        return row
    }
}

/// The diff, taken one entry at a time in source-path order, so a run can
/// write each entry's row while later files are still being parsed.
///
/// **Ownership.** One entry per key. The file that owns a key in the state
/// keeps it while it still claims it, whatever the newcomer's path; among
/// files new to a key, the smallest path wins (the first offered). When the
/// owner no longer claims the key (edited away, deleted), the first other
/// claimant of the run takes the entry over: an `updated` line when its
/// content differs, nothing when it is the same, never `removed`. (The caller
/// re-reads the files whose claims lost before, so they are offered.) Every
/// losing claim is a conflict.
///
/// **Changes.** A new key is `new`; an edit is `edited` when it changes a
/// field the kind's feeds count as news (`significant`), else `revised`; an
/// entry that closed or left and is offered again is `reopened`; one whose
/// closing date has passed is closed (`closing`, or `closedUnseen` when it
/// was never shown); what a touched source no longer holds is removed.
///
/// **Times.** Rows whose visible dates the run assigns (`EntryRow`) are held
/// back and dated in `finish`, once their number is known: distinct seconds,
/// the first offered the latest, all after every time assigned before
/// (`floor`) and as close to `now` as that allows.
public struct DiffStream: Sendable {
    /// The run's time: what "now" is in every row it writes.
    public let now: Timestamp
    /// The fields whose change is news, by kind (missing: all of them).
    private let significant: [EntryKind: Set<EntryField>]
    /// Whether the run parses or deletes a source (an owner's claim may still be to come).
    private let touching: @Sendable (String) -> Bool
    /// The latest time assigned by earlier runs.
    private let floor: Timestamp?
    /// The source that holds each key offered so far.
    private var seen: [EntryKey: String] = [:]
    /// Keys claimed by a newcomer whose owner in the state comes later in path order.
    private var pending: [EntryKey: Pending] = [:]
    private var touched = Set<String>()
    private var lastSource: String?
    private var events: [Event] = []
    private var conflicts: [KeyConflict] = []
    private var closedUnseen: [StoredEntry] = []
    /// Rows waiting for an assigned time, in the order offered.
    private var held: [(record: EntryRecord, old: StoredEntry?, verdict: Verdict)] = []

    private struct Pending {
        var record: EntryRecord
        var old: StoredEntry
        /// Later claimants, who lose whoever wins.
        var others: [EntryRecord] = []
    }

    /// - Parameters:
    ///   - capacity: about how many entries will be offered (a first run offers every entry).
    ///   - touching: every source the run will parse or delete.
    ///   - significant: per kind, the fields whose change is news; a kind not named counts every field.
    ///   - floor: the latest time an earlier run assigned.
    public init(now: Timestamp, capacity: Int = 0, touching: @escaping @Sendable (String) -> Bool = { _ in false },
                significant: [EntryKind: Set<EntryField>] = [:], floor: Timestamp? = nil) {
        self.now = now
        self.touching = touching
        self.significant = significant
        self.floor = floor
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
    public func hasSeen(_ key: EntryKey) -> Bool { seen[key] != nil || pending[key] != nil }

    /// The row to write now for the next entry, or nil when there is
    /// nothing to write yet (a losing claim, no change, or a row `finish`
    /// settles).
    ///
    /// - Parameters:
    ///   - record: the next entry; sources must not decrease from one call to the next.
    ///   - old: the state's row for the key before this run (ignored when `hasSeen`).
    public mutating func offer(_ record: EntryRecord, old: StoredEntry?) -> StoredEntry? {
        assert(lastSource.map { $0 <= record.source } ?? true, "DiffStream takes sources in path order")
        lastSource = record.source
        let key = record.key
        if var waiting = pending[key] {
            guard record.source == waiting.old.source else {
                waiting.others.append(record)
                pending[key] = waiting
                return nil
            }
            // The owner still claims it: the newcomers lose.
            pending[key] = nil
            for loser in [waiting.record] + waiting.others { lose(loser, to: record.source) }
            seen[key] = record.source
            return settle(record, old: waiting.old)
        }
        if let holder = seen[key] {
            lose(record, to: holder)
            return nil
        }
        if let old, !old.isRemoved, old.source != record.source {
            if old.source > record.source && touching(old.source) {
                // The owner is read later this run: wait for its claim.
                pending[key] = Pending(record: record, old: old)
                return nil
            }
            if !(old.source < record.source && touched.contains(old.source)) {
                // The owner was not touched: it keeps its entry.
                seen[key] = old.source
                lose(record, to: old.source)
                return nil
            }
            // The owner was read (or deleted) and no longer claims it: taken over.
        }
        seen[key] = record.source
        return settle(record, old: old)
    }

    private mutating func lose(_ record: EntryRecord, to winner: String) {
        conflicts.append(KeyConflict(key: record.key, winner: winner, loser: record.source, line: record.line, kind: record.kind))
    }

    /// The verdict on a winning claim: its row now, or held for `finish`.
    private mutating func settle(_ record: EntryRecord, old: StoredEntry?) -> StoredEntry? {
        guard let verdict = judge(record, old: old) else { return nil }
        if let change = verdict.change {
            events.append(Event(change: change, key: record.key, kind: record.kind, title: record.title, source: record.source))
        }
        if EntryRow.needsAssignedTime(verdict, record) {
            held.append((record, old, verdict))
            return nil
        }
        let row = EntryRow.written(record, old: old, verdict: verdict, at: now)
        if verdict == .closedUnseen { closedUnseen.append(row) }
        return row
    }

    /// What an offered entry's arrival means, or nil when there is nothing to write.
    private func judge(_ record: EntryRecord, old: StoredEntry?) -> Verdict? {
        let closed = record.closes.map { $0 <= now } ?? false
        guard let old else { return closed ? .closedUnseen : .new }
        if old.isRemoved {
            if closed {
                let same = old.fingerprint == record.fingerprint && old.source == record.source && old.title == record.title
                return same ? nil : .stillClosed
            }
            return old.shown ? .reopened : .new
        }
        if closed { return .closing }
        if old.fingerprint != record.fingerprint { return isNews(record, old: old) ? .edited : .revised }
        if old.source != record.source || old.title != record.title { return .moved }
        return nil
    }

    /// Whether an edit touches a field the kind's feeds count as news. Without
    /// both rows' digests (a state from before they were taken) it does.
    private func isNews(_ record: EntryRecord, old: StoredEntry) -> Bool {
        guard let fields = significant[record.kind], let now = record.digests, let before = old.digests else { return true }
        return !now.changed(from: before).isDisjoint(with: fields)
    }

    /// The rows held back, the removals and the sorted events and
    /// conflicts, once every touched source was offered. Call once.
    /// - Parameter candidates: the state's entries before this run, covering at least every source touched.
    public mutating func finish(candidates: some Sequence<StoredEntry>) -> DiffResult {
        var result = DiffResult()
        var late: [StoredEntry] = []
        // Owners that came and did not claim their key hand it to the first newcomer.
        for (_, waiting) in pending.sorted(by: { $0.key < $1.key }) {
            if touched.contains(waiting.old.source) {
                seen[waiting.record.key] = waiting.record.source
                for loser in waiting.others { lose(loser, to: waiting.record.source) }
                if let row = settle(waiting.record, old: waiting.old) { late.append(row) }
            } else {
                // The owner was not read after all (it no longer parses): it keeps the key.
                seen[waiting.record.key] = waiting.old.source
                for loser in [waiting.record] + waiting.others { lose(loser, to: waiting.old.source) }
            }
        }
        pending = [:]
        var removals: [StoredEntry] = []
        for old in candidates where !old.isRemoved && touched.contains(old.source) && seen[old.key] == nil {
            removals.append(old)
            events.append(Event(change: .removed, key: old.key, kind: old.kind, title: old.title, source: old.source))
        }
        removals.sort { ($0.source, $0.key) < ($1.source, $1.key) }

        // Distinct seconds, the first in source order the latest, the removals after the rest.
        let count = held.count + removals.count
        if count > 0 {
            var start = now.seconds - Int64(count) + 1
            if let floor, start <= floor.seconds { start = floor.seconds + 1 }
            let time = { (i: Int) in Timestamp(seconds: start + Int64(count - 1 - i)) }
            for (i, h) in held.enumerated() {
                late.append(EntryRow.written(h.record, old: h.old, verdict: h.verdict, at: now, assigned: time(i)))
            }
            for (i, old) in removals.enumerated() {
                late.append(EntryRow.removed(old, at: time(held.count + i)))
                result.removed.insert(old.key)
            }
            result.lastAssigned = time(0)
        }
        held = []
        result.rows = late
        result.events = events
        events = []
        result.events.sort { ($0.source, $0.key.rawValue, $0.change.rawValue) < ($1.source, $1.key.rawValue, $1.change.rawValue) }
        result.conflicts = conflicts.sorted { ($0.key.rawValue, $0.loser, $0.winner) < ($1.key.rawValue, $1.loser, $1.winner) }
        result.closedUnseen = closedUnseen
        result.touched = touched
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
                            at now: Timestamp = .epoch, significant: [EntryKind: Set<EntryField>] = [:],
                            floor: Timestamp? = nil) -> (rows: [StoredEntry], result: DiffResult) {
        var stream = DiffStream(now: now, touching: { touched.contains($0) }, significant: significant, floor: floor)
        // The stream takes sources in path order; a stable sort keeps each file's own order.
        let ordered = current.enumerated().sorted { ($0.element.source, $0.offset) < ($1.element.source, $1.offset) }.map(\.element)
        var rows: [StoredEntry] = []
        var next = ordered.startIndex
        // Each source is touched as it is reached, as the pipeline does.
        for source in touched.union(ordered.map(\.source)).sorted() {
            stream.touch(source)
            while next < ordered.endIndex, ordered[next].source == source {
                let record = ordered[next]
                let old = stream.hasSeen(record.key) ? nil : known[record.key]
                if let row = stream.offer(record, old: old) { rows.append(row) }
                next += 1
            }
        }
        let result = stream.finish(candidates: known.values)
        rows += result.rows
        return (rows.sorted { $0.key < $1.key }, result)
    }
}
