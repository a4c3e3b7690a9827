import Testing
import TestSupport
import FeedModel
@testable import FeedDiff

/// `DiffStream` (which `Diff.diff` now feeds) against the batch diff it
/// replaced, kept here as the reference: random states and scans with
/// duplicate keys across files, moves, removals, untouched owners that sort
/// before or after the newcomer, and entries passed in either order.
struct DiffStreamTests {
    /// What the batch diff concluded.
    struct Expected {
        var events: [Event] = []
        var upserts: [EntryRecord] = []
        var changed = Set<EntryKey>()
        var removals: [StoredEntry] = []
        var conflicts: [KeyConflict] = []
    }

    /// The batch diff as it was before entries were streamed (commit bb7615d).
    enum Reference {
        static func diff(known: [EntryKey: StoredEntry], current: [EntryRecord], touched: Set<String>) -> Expected {
            var result = Expected()

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

    @Test(arguments: SplitMix.seeds(default: 0..<300))
    func streamAgreesWithTheBatchDiff(seed: UInt64) {
        var mix = SplitMix(seed: seed)
        let sources = ["a.md", "b.md", "c/d.md", "c/e.md", "f.json", "g.txt"]
        let keys = (0..<8).map { "k\($0)" }
        let bodies = ["one", "two", "three"]
        var known: [EntryKey: StoredEntry] = [:]
        for key in keys where mix.next(3) > 0 {
            let r = EntryRecord(Entry(key: EntryKey(rawValue: key), kind: mix.next(2) == 0 ? .publication : .job,
                                      title: "T\(mix.next(2))", body: bodies[mix.next(3)], source: sources[mix.next(sources.count)]))
            let day = Timestamp(seconds: 86_400 * Int64(1 + mix.next(9)))
            known[r.key] = StoredEntry(key: r.key, kind: r.kind, source: r.source, title: r.title, fingerprint: r.fingerprint,
                                       published: day, updated: day, firstSeen: day, lastChanged: day,
                                       removedAt: mix.next(4) == 0 ? day : nil)
        }
        var touched = Set<String>()
        for s in sources where mix.next(2) == 0 { touched.insert(s) }
        var current: [EntryRecord] = []  // in path order
        for source in touched.sorted() where mix.next(5) > 0 {
            for _ in 0..<mix.next(4) {
                current.append(EntryRecord(Entry(key: EntryKey(rawValue: keys[mix.next(keys.count)]), kind: mix.next(2) == 0 ? .publication : .job,
                                                 title: "T\(mix.next(2))", body: bodies[mix.next(3)], source: source)))
            }
        }
        // The pipeline always passed entries in path order. In another order
        // the batch diff picked the same winners but named a losing
        // duplicate's winner after the order it met them in; `Diff.diff`
        // sorts by path first, so any order gives the path-order answer.
        // (A file's own entries keep their order: the first of a repeated key wins.)
        let inPathOrder = current
        if mix.next(2) == 0 {
            current = Dictionary(grouping: inPathOrder, by: \.source).sorted { $0.key > $1.key }.flatMap(\.value)
        }

        let now = Timestamp(seconds: 86_400 * 100)
        let want = Reference.diff(known: known, current: inPathOrder, touched: touched)
        let (rows, got) = Diff.diff(known: known, current: current, touched: touched, at: now)
        #expect(got.events == want.events, "seed \(seed)")
        // Every row written is the upsert's, dated by the rules (news moves the change time).
        let wantRows = want.upserts.map { EntryRow.written($0, old: known[$0.key], isNews: want.changed.contains($0.key), at: now) }
        #expect(rows == wantRows, "seed \(seed)")
        #expect(got.removals == want.removals.map { EntryRow.removed($0, at: now) }, "seed \(seed)")
        // The same lines; the stream also orders a key's lines by winner where the batch left them as met.
        let total = { (a: KeyConflict, b: KeyConflict) in (a.key.rawValue, a.loser, a.winner) < (b.key.rawValue, b.loser, b.winner) }
        #expect(got.conflicts == want.conflicts.sorted(by: total), "seed \(seed)")
    }
}
