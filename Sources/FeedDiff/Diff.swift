import FeedModel

/// What the state remembers of an entry.
public struct KnownEntry: Sendable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var fingerprint: Fingerprint
    public var source: String
    public var title: String
    public var isRemoved: Bool

    public init(key: EntryKey, kind: EntryKind, fingerprint: Fingerprint, source: String, title: String, isRemoved: Bool) {
        self.key = key
        self.kind = kind
        self.fingerprint = fingerprint
        self.source = source
        self.title = title
        self.isRemoved = isRemoved
    }
}

/// Two files claim one key; the smaller path wins so every run agrees.
public struct KeyConflict: Sendable, Equatable {
    public var key: EntryKey
    public var winner: String
    public var loser: String
}

/// The outcome of comparing a scan with the state.
public struct DiffResult: Sendable {
    /// One per new, updated or removed entry, in a stable order.
    public var events: [Event] = []
    /// Entries whose state row must be written: new, edited, moved or reappearing.
    public var upserts: [EntryRecord] = []
    /// Subset of `upserts` whose content changed (new or updated): their
    /// change time moves.
    public var changed: Set<EntryKey> = []
    /// Entries no source claims any more.
    public var removals: [KnownEntry] = []
    public var conflicts: [KeyConflict] = []
}

public enum Diff {
    /// Compares the entries parsed from the files that changed with what the
    /// state remembers: `DiffStream` fed with every entry at once.
    ///
    /// - Parameters:
    ///   - known: the state's entries for every key in `current` and every key
    ///     whose source is in `touched` (more is fine).
    ///   - current: entries parsed from the touched files (listing-page keys
    ///     already resolved), in any order.
    ///   - touched: sources parsed or deleted in this scan; entries of other
    ///     sources (unchanged or rejected files) are left as they are.
    public static func diff(known: [EntryKey: KnownEntry], current: [EntryRecord], touched: Set<String>) -> DiffResult {
        var stream = DiffStream()
        // The stream takes sources in path order; a stable sort keeps each file's own order.
        let ordered = current.enumerated().sorted { ($0.element.source, $0.offset) < ($1.element.source, $1.offset) }.map(\.element)
        for source in touched { stream.touch(source) }
        var upserts: [EntryRecord] = []
        var changed = Set<EntryKey>()
        for entry in ordered {
            let old = stream.hasSeen(entry.key) ? nil : known[entry.key]
            if case let .write(isNews) = stream.offer(entry, old: old) {
                upserts.append(entry)
                if isNews { changed.insert(entry.key) }
            }
        }
        var result = stream.finish(candidates: known.values)
        result.upserts = upserts.sorted { $0.key < $1.key }
        result.changed = changed
        return result
    }
}

/// The diff taken one entry at a time, in source-path order, so a run can
/// write each entry's row while later files are still being parsed.
///
/// Its rules are the batch diff's: one entry per key, the smallest source
/// path winning (an entry of a file that was not re-read keeps its key unless
/// the newcomer's path sorts first); a new key, or changed content, is news;
/// a move, a retitle or a reappearance without edits is written silently;
/// what a touched source no longer holds is removed. Because paths arrive in
/// order, the first entry seen for a key is its winner among this run's
/// files, and whether an earlier path was touched is already known when it
/// matters.
public struct DiffStream: Sendable {
    /// What to do with an offered entry.
    public enum Decision: Sendable, Equatable {
        /// A losing duplicate, or unchanged: nothing to write.
        case skip
        /// Write its row; `isNews` when it is new or its content changed (its change time moves).
        case write(isNews: Bool)
    }

    /// Every key offered: the path that claimed it first, and whether that claim won
    /// (it did not lose to an untouched file that owns the key).
    private var seen: [EntryKey: (source: String, won: Bool)] = [:]
    /// Sources touched, in the order given; made a set only when first
    /// asked (a first run never asks: it has no earlier entries to check).
    private var touchedInOrder: [String] = []
    private var touchedSet: Set<String>?
    private var lastSource: String?
    private var events: [Event] = []
    private var conflicts: [KeyConflict] = []
    /// Conflicts with a later, not yet parsed file that only stand if that file stays untouched.
    private var provisional: [KeyConflict] = []

    /// - Parameter capacity: about how many entries will be offered (a first run offers every entry).
    public init(capacity: Int = 0) {
        seen.reserveCapacity(capacity)
        touchedInOrder.reserveCapacity(capacity)
    }

    /// Marks a source as parsed (its entries are offered next) or deleted:
    /// whatever of it is not offered again is removed by `finish`.
    /// Call before offering the source's entries.
    public mutating func touch(_ source: String) {
        touchedInOrder.append(source)
        touchedSet?.insert(source)
    }

    private mutating func touched(_ source: String) -> Bool {
        if touchedSet == nil { touchedSet = Set(touchedInOrder) }
        return touchedSet!.contains(source)
    }

    /// Whether an entry with this key was already offered (then `offer` does not need the state's row).
    public func hasSeen(_ key: EntryKey) -> Bool { seen[key] != nil }

    /// - Parameters:
    ///   - entry: the next entry; sources must not decrease from one call to the next.
    ///   - old: the state's row for the key before this run (ignored when `hasSeen`).
    public mutating func offer(_ entry: EntryRecord, old: KnownEntry?) -> Decision {
        // Checked in debug builds (every test): a caller's bug, not the input's.
        assert(lastSource.map { $0 <= entry.source } ?? true, "DiffStream takes sources in path order")
        #if DEBUG
        lastSource = entry.source
        #endif
        // Claimed for this source at once (one lookup); an earlier claim is put back.
        if let first = seen.updateValue((entry.source, true), forKey: entry.key) {
            // An earlier path (or earlier in the same file) has it: that one wins.
            seen[entry.key] = first
            conflicts.append(KeyConflict(key: entry.key, winner: first.source, loser: entry.source))
            return .skip
        }
        if let old, !old.isRemoved, old.source != entry.source {
            if old.source < entry.source {
                // Already parsed or deleted in this run if it was going to be.
                if !touched(old.source) {
                    seen[entry.key] = (entry.source, false)
                    conflicts.append(KeyConflict(key: entry.key, winner: old.source, loser: entry.source))
                    return .skip
                }
            } else {
                provisional.append(KeyConflict(key: entry.key, winner: entry.source, loser: old.source))
            }
        }
        guard let old else {
            events.append(Event(change: .new, key: entry.key, kind: entry.kind, title: entry.title, source: entry.source))
            return .write(isNews: true)
        }
        if old.fingerprint != entry.fingerprint {
            // Reappearing with other content is news again; an edit is an update.
            events.append(Event(change: old.isRemoved ? .new : .updated, key: entry.key, kind: entry.kind, title: entry.title, source: entry.source))
            return .write(isNews: true)
        }
        if old.isRemoved || old.source != entry.source || old.title != entry.title {
            return .write(isNews: false)
        }
        return .skip
    }

    /// The removals and the sorted events and conflicts, once every touched
    /// source was offered. Call once: the events move into the result.
    /// - Parameter candidates: the state's entries before this run, covering at least every source touched.
    public mutating func finish(candidates: some Sequence<KnownEntry>) -> DiffResult {
        var result = DiffResult()
        // Moved, not shared: sorting a shared array would copy every event first.
        result.events = events
        events = []
        for old in candidates where !old.isRemoved && touched(old.source) && seen[old.key]?.won != true {
            result.removals.append(old)
            result.events.append(Event(change: .removed, key: old.key, kind: old.kind, title: old.title, source: old.source))
        }
        result.conflicts = conflicts
        for c in provisional where !touched(c.loser) { result.conflicts.append(c) }
        // (source, key, change), spelled out to avoid building tuples of strings per comparison.
        result.events.sort { a, b in
            if a.source != b.source { return a.source < b.source }
            if a.key.rawValue != b.key.rawValue { return a.key.rawValue < b.key.rawValue }
            return a.change.rawValue < b.change.rawValue
        }
        result.removals.sort { $0.key < $1.key }
        result.conflicts.sort { ($0.key.rawValue, $0.loser, $0.winner) < ($1.key.rawValue, $1.loser, $1.winner) }
        return result
    }
}
