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
    /// state remembers.
    ///
    /// - Parameters:
    ///   - known: the state's entries for every key in `current` and every key
    ///     whose source is in `touched` (more is fine).
    ///   - current: entries parsed from the touched files (listing-page keys
    ///     already resolved).
    ///   - touched: sources parsed or deleted in this scan; entries of other
    ///     sources (unchanged or rejected files) are left as they are.
    public static func diff(known: [EntryKey: KnownEntry], current: [EntryRecord], touched: Set<String>) -> DiffResult {
        var result = DiffResult()

        // One entry per key: the smallest source path wins, the rest is a conflict.
        // Winners are indices into `current`, so they can be visited in input order.
        var winners: [EntryKey: Int] = [:]
        winners.reserveCapacity(current.count)
        for (index, entry) in current.enumerated() {
            if let otherIndex = winners[entry.key] {
                let other = current[otherIndex]
                if other.source == entry.source {
                    // Same key twice in one file: keep the first, report it once.
                    result.conflicts.append(KeyConflict(key: entry.key, winner: other.source, loser: entry.source))
                    continue
                }
                let (win, lose) = other.source < entry.source ? (otherIndex, index) : (index, otherIndex)
                winners[entry.key] = win
                result.conflicts.append(KeyConflict(key: entry.key, winner: current[win].source, loser: current[lose].source))
            } else {
                winners[entry.key] = index
            }
        }
        // A key still owned by a file that was not re-read keeps its owner unless this one sorts first.
        for (key, index) in winners {
            let entry = current[index]
            guard let old = known[key], !old.isRemoved, old.source != entry.source, !touched.contains(old.source) else { continue }
            if old.source < entry.source {
                winners[key] = nil
                result.conflicts.append(KeyConflict(key: key, winner: old.source, loser: entry.source))
            } else {
                result.conflicts.append(KeyConflict(key: key, winner: entry.source, loser: old.source))
            }
        }

        // In input order: callers pass entries sorted by source, so the
        // events below come out (nearly) sorted already.
        var upserts: [Int] = []
        for index in winners.values.sorted() {
            let entry = current[index]
            let fingerprint = entry.fingerprint
            let event = { (change: Event.Change) in
                Event(change: change, key: entry.key, kind: entry.kind, title: entry.title, source: entry.source)
            }
            if let old = known[entry.key] {
                if old.fingerprint != fingerprint {
                    // Reappearing with other content is news again; an edit is an update.
                    result.events.append(event(old.isRemoved ? .new : .updated))
                    result.changed.insert(entry.key)
                    upserts.append(index)
                } else if old.isRemoved || old.source != entry.source || old.title != entry.title {
                    upserts.append(index)
                }
            } else {
                result.events.append(event(.new))
                result.changed.insert(entry.key)
                upserts.append(index)
            }
        }
        // Keys are unique among winners: sorting indices gives the same order as sorting the entries.
        upserts.sort { current[$0].key < current[$1].key }
        result.upserts = upserts.map { current[$0] }

        for old in known.values where !old.isRemoved && touched.contains(old.source) && winners[old.key] == nil {
            result.removals.append(old)
            result.events.append(Event(change: .removed, key: old.key, kind: old.kind, title: old.title, source: old.source))
        }

        // (source, key, change), spelled out to avoid building tuples of strings per comparison.
        result.events.sort { a, b in
            if a.source != b.source { return a.source < b.source }
            if a.key.rawValue != b.key.rawValue { return a.key.rawValue < b.key.rawValue }
            return a.change.rawValue < b.change.rawValue
        }
        result.removals.sort { $0.key < $1.key }
        result.conflicts.sort { ($0.key.rawValue, $0.loser) < ($1.key.rawValue, $1.loser) }
        return result
    }
}
