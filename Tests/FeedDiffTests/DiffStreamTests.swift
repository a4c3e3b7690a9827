import Testing
import TestSupport
import FeedModel
@testable import FeedDiff

/// `DiffStream` against a batch model of the same rules, written the plain
/// way (every claim collected first, then each key decided on its own):
/// random states and scans with keys claimed by several files, owners that
/// sort before or after the newcomers and are read, deleted or left alone,
/// removed and never-shown rows, edits, moves and closing dates.
struct DiffStreamTests {
    /// What the model concluded; rows without their times (`EntryRow` and
    /// the time tests below own those).
    struct Outcome: Equatable, CustomStringConvertible {
        var events: [String] = []
        /// "key source fingerprint open|closed|unshown"
        var rows: [String] = []
        var conflicts: [String] = []

        var description: String { "events \(events)\nrows \(rows)\nconflicts \(conflicts)" }
    }

    static func describe(_ row: StoredEntry) -> String {
        "\(row.key) \(row.source) \(row.fingerprint) " + (row.removedAt == nil ? "open" : row.shown ? "closed" : "unshown")
    }

    enum Model {
        static func diff(known: [EntryKey: StoredEntry], current: [EntryRecord], touched: Set<String>, now: Timestamp) -> Outcome {
            var out = Outcome()
            var claims: [EntryKey: [EntryRecord]] = [:]
            for r in current { claims[r.key, default: []].append(r) }  // in path order, a file's own order kept
            var held = Set<EntryKey>()
            for (key, list) in claims {
                let owner = known[key].flatMap { $0.isRemoved ? nil : $0 }
                let winner: Int?
                let keeper: String
                if let owner, !touched.contains(owner.source) {
                    winner = nil
                    keeper = owner.source
                } else if let owner, let own = list.firstIndex(where: { $0.source == owner.source }) {
                    winner = own
                    keeper = owner.source
                } else {
                    winner = 0
                    keeper = list[0].source
                }
                held.insert(key)
                for (i, r) in list.enumerated() where i != winner { out.conflicts.append("\(key) \(r.source) -> \(keeper)") }
                guard let w = winner else { continue }
                let r = list[w]
                let old = known[key]
                let closed = r.closes.map { $0 <= now } ?? false
                var change: String?
                var state = "open"
                var write = true
                if let old {
                    if old.isRemoved {
                        if closed {
                            state = old.shown ? "closed" : "unshown"
                            write = old.fingerprint != r.fingerprint || old.source != r.source || old.title != r.title
                        } else {
                            change = old.shown ? "updated" : "new"
                        }
                    } else if closed {
                        change = "removed"
                        state = "closed"
                    } else if old.fingerprint != r.fingerprint {
                        change = "updated"
                    } else {
                        write = old.source != r.source || old.title != r.title
                    }
                } else if closed {
                    state = "unshown"
                } else {
                    change = "new"
                }
                if let change { out.events.append("\(change) \(key) \(r.source)") }
                if write { out.rows.append("\(key) \(r.source) \(r.fingerprint) \(state)") }
            }
            for old in known.values where !old.isRemoved && touched.contains(old.source) && !held.contains(old.key) {
                out.events.append("removed \(old.key) \(old.source)")
                var row = old
                row.removedAt = now
                out.rows.append(DiffStreamTests.describe(row))
            }
            out.events.sort()
            out.rows.sort()
            out.conflicts.sort()
            return out
        }
    }

    @Test(arguments: SplitMix.seeds(default: 0..<400))
    func streamAgreesWithTheModel(seed: UInt64) {
        var mix = SplitMix(seed: seed)
        let sources = ["a.md", "b.md", "c/d.md", "c/e.md", "f.json", "g.txt"]
        let keys = (0..<8).map { "k\($0)" }
        let bodies = ["one", "two", "three"]
        let now = Timestamp(seconds: 86_400 * 100)
        func closes() -> Timestamp? {
            switch mix.next(6) {
            case 0: return Timestamp(seconds: now.seconds - 5)   // passed
            case 1: return Timestamp(seconds: now.seconds + 50)  // ahead
            default: return nil
            }
        }
        var known: [EntryKey: StoredEntry] = [:]
        for key in keys where mix.next(3) > 0 {
            var r = EntryRecord(Entry(key: EntryKey(rawValue: key), kind: mix.next(2) == 0 ? .publication : .job,
                                      title: "T\(mix.next(2))", body: bodies[mix.next(3)], source: sources[mix.next(sources.count)]))
            r.closes = closes()
            let day = Timestamp(seconds: 86_400 * Int64(1 + mix.next(9)))
            let removed = mix.next(4) == 0
            known[r.key] = StoredEntry(key: r.key, kind: r.kind, source: r.source, title: r.title, fingerprint: r.fingerprint,
                                       published: day, updated: day, firstSeen: day, lastChanged: day,
                                       removedAt: removed ? day : nil, closes: r.closes, shown: !removed || mix.next(3) > 0)
        }
        var touched = Set<String>()
        for s in sources where mix.next(2) == 0 { touched.insert(s) }
        var current: [EntryRecord] = []  // in path order
        for source in touched.sorted() where mix.next(5) > 0 {
            for _ in 0..<mix.next(4) {
                var r = EntryRecord(Entry(key: EntryKey(rawValue: keys[mix.next(keys.count)]), kind: mix.next(2) == 0 ? .publication : .job,
                                          title: "T\(mix.next(2))", body: bodies[mix.next(3)], source: source))
                r.closes = closes()
                current.append(r)
            }
        }
        let want = Model.diff(known: known, current: current, touched: touched, now: now)
        let (rows, result) = Diff.diff(known: known, current: current, touched: touched, at: now)
        let got = Outcome(events: result.events.map { "\($0.change.rawValue) \($0.key) \($0.source)" }.sorted(),
                          rows: rows.map(Self.describe).sorted(),
                          conflicts: result.conflicts.map { "\($0.key) \($0.loser) -> \($0.winner)" }.sorted())
        #expect(got == want, "seed \(seed)")
    }

    // MARK: Times

    static func undated(_ key: String, _ source: String) -> EntryRecord {
        EntryRecord(Entry(key: EntryKey(rawValue: key), kind: .publication, title: "T \(key)", body: key, source: source))
    }

    @Test func timesAssignedInARunAreDistinctAndFollowTheSource() {
        let now = Timestamp(seconds: 1_000_000)
        // One page of three items, then a second file: the page's first item is the newest.
        let records = [Self.undated("p1", "a.txt"), Self.undated("p2", "a.txt"), Self.undated("p3", "a.txt"), Self.undated("x", "b.md")]
        let (rows, result) = Diff.diff(known: [:], current: records, touched: ["a.txt", "b.md"], at: now)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0.key.rawValue, $0) })
        let published = ["p1", "p2", "p3", "x"].map { byKey[$0]!.published.seconds }
        #expect(published == [1_000_000, 999_999, 999_998, 999_997])
        #expect(["p1", "p2", "p3", "x"].map { byKey[$0]!.updated.seconds } == published)
        #expect(result.lastAssigned == now)
    }

    @Test func timesComeAfterEveryTimeAssignedBefore() {
        let now = Timestamp(seconds: 1_000_000)
        let records = [Self.undated("a", "a.md"), Self.undated("b", "b.md")]
        // The previous run, a second ago, assigned up to now + 1 (it had many at once).
        let (rows, result) = Diff.diff(known: [:], current: records, touched: ["a.md", "b.md"], at: now, floor: Timestamp(seconds: 1_000_001))
        #expect(rows.map(\.published.seconds).sorted() == [1_000_002, 1_000_003])
        #expect(rows.first { $0.key.rawValue == "a" }?.published.seconds == 1_000_003)
        #expect(result.lastAssigned?.seconds == 1_000_003)
    }

    @Test func removalsAndEditsOfOneRunGetDistinctTimes() {
        let now = Timestamp(seconds: 1_000_000)
        let a = Self.undated("a", "a.md"), b = Self.undated("b", "b.md"), c = Self.undated("c", "c.md")
        func row(_ r: EntryRecord) -> StoredEntry {
            StoredEntry(key: r.key, kind: r.kind, source: r.source, title: r.title, fingerprint: r.fingerprint,
                        published: Timestamp(seconds: 10), updated: Timestamp(seconds: 10), firstSeen: Timestamp(seconds: 10),
                        lastChanged: Timestamp(seconds: 10))
        }
        var aEdited = a
        aEdited.fingerprint = Fingerprint(ofText: "edited")
        let known = [a.key: row(a), b.key: row(b), c.key: row(c)]
        // a edited, b and c deleted.
        let (rows, result) = Diff.diff(known: known, current: [aEdited], touched: ["a.md", "b.md", "c.md"], at: now)
        let times = [rows.first { $0.key == a.key }!.updated] + rows.filter { $0.isRemoved }.map { $0.removedAt! }
        #expect(Set(times).count == 3)
        #expect(result.events.map(\.change) == [.updated, .removed, .removed])
    }

    // MARK: Ownership

    static func stored(_ r: EntryRecord) -> StoredEntry {
        StoredEntry(key: r.key, kind: r.kind, source: r.source, title: r.title, fingerprint: r.fingerprint,
                    published: Timestamp(seconds: 10), updated: Timestamp(seconds: 10), firstSeen: Timestamp(seconds: 10),
                    lastChanged: Timestamp(seconds: 10))
    }

    @Test func theOwnerKeepsItsKeyWhenAnEarlierPathClaimsItLater() {
        let owner = Self.undated("k", "z.md")
        var newcomer = Self.undated("k", "a.md")
        newcomer.fingerprint = Fingerprint(ofText: "other")
        // z.md unchanged (not read): it keeps the entry.
        let (rows, result) = Diff.diff(known: [owner.key: Self.stored(owner)], current: [newcomer], touched: ["a.md"])
        #expect(rows.isEmpty && result.events.isEmpty)
        #expect(result.conflicts == [KeyConflict(key: owner.key, winner: "z.md", loser: "a.md", line: 1, kind: .publication)])
        // z.md read again and still claiming it: it still keeps it.
        let again = Diff.diff(known: [owner.key: Self.stored(owner)], current: [newcomer, owner], touched: ["a.md", "z.md"])
        #expect(again.rows.isEmpty && again.result.events.isEmpty)
        #expect(again.result.conflicts.map(\.winner) == ["z.md"])
    }

    @Test func whenTheOwnerGoesTheNextClaimantTakesOverWithoutARemoval() {
        let owner = Self.undated("k", "m.md")
        // Same content: nothing to announce.
        let same = Self.undated("k", "z.md")
        let (rows, result) = Diff.diff(known: [owner.key: Self.stored(owner)], current: [same], touched: ["m.md", "z.md"])
        #expect(result.events.isEmpty)
        #expect(rows.map(\.source) == ["z.md"] && rows.allSatisfy { !$0.isRemoved })
        // Other content, from an earlier path (the owner comes later in path order): one `updated`.
        var other = Self.undated("k", "a.md")
        other.fingerprint = Fingerprint(ofText: "other")
        let (rows2, result2) = Diff.diff(known: [owner.key: Self.stored(owner)], current: [other], touched: ["a.md", "m.md"])
        #expect(result2.events.map(\.change) == [.updated])
        #expect(rows2.map(\.source) == ["a.md"] && rows2.allSatisfy { !$0.isRemoved })
        #expect(result2.conflicts.isEmpty)
    }

    // MARK: Significance

    @Test func anEditOfFieldsNoFeedCountsIsARevision() {
        func record(title: String, body: String) -> EntryRecord {
            let e = Entry(key: EntryKey(rawValue: "k"), kind: .publication, title: title, body: body, source: "k.md")
            var r = EntryRecord(e)
            r.digests = FieldDigests(e)
            return r
        }
        let before = record(title: "A title", body: "First paragraph.\n\nMore.")
        var old = Self.stored(before)
        old.digests = before.digests
        let titleOnly: [EntryKind: Set<EntryField>] = [.publication: [.title]]
        let bodyEdit = record(title: "A title", body: "First paragraph, fixed.\n\nMore.")
        let titleEdit = record(title: "A better title", body: "First paragraph.\n\nMore.")
        let revised = Diff.diff(known: [old.key: old], current: [bodyEdit], touched: ["k.md"], at: Timestamp(seconds: 99), significant: titleOnly)
        #expect(revised.result.events.map(\.change) == [.revised])
        #expect(revised.rows.first?.updated == old.updated, "a revision keeps updated")
        #expect(revised.rows.first?.fingerprint == bodyEdit.fingerprint, "the new text is stored")
        let news = Diff.diff(known: [old.key: old], current: [titleEdit], touched: ["k.md"], at: Timestamp(seconds: 99), significant: titleOnly)
        #expect(news.result.events.map(\.change) == [.updated])
        #expect(news.rows.first?.updated == Timestamp(seconds: 99))
        // Without digests in the state (taken before they were asked for), an edit is news.
        old.digests = nil
        let unknown = Diff.diff(known: [old.key: old], current: [bodyEdit], touched: ["k.md"], significant: titleOnly)
        #expect(unknown.result.events.map(\.change) == [.updated])
        // With every field significant (the default), a body edit is news.
        old.digests = before.digests
        let all = Diff.diff(known: [old.key: old], current: [bodyEdit], touched: ["k.md"])
        #expect(all.result.events.map(\.change) == [.updated])
    }
}
