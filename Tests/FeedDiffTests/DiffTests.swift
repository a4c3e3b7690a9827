import Testing
import FeedModel
@testable import FeedDiff

/// Diff as a table of cases: what the state knew, what the scan found, what is announced.
struct DiffTests {
    static func record(_ key: String, _ kind: EntryKind = .publication, body: String = "text", source: String? = nil) -> EntryRecord {
        EntryRecord(Entry(key: EntryKey(rawValue: key), kind: kind, title: "T \(key)", body: body, source: source ?? "\(key).md"))
    }

    static func known(_ r: EntryRecord, removed: Bool = false, source: String? = nil) -> StoredEntry {
        StoredEntry(key: r.key, kind: r.kind, source: source ?? r.source, title: r.title, fingerprint: r.fingerprint,
                    published: day(1), updated: day(1), firstSeen: day(1), lastChanged: day(1), removedAt: removed ? day(2) : nil)
    }

    static func day(_ n: Int64) -> Timestamp { Timestamp(seconds: 86_400 * n) }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var known: [StoredEntry]
        var current: [EntryRecord]
        var touched: Set<String>
        var expected: [String]   // "new a", "updated b", "removed c"
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let a = record("a"), b = record("b"), c = record("c", .job)
        let aEdited = record("a", body: "text, edited")
        let aReflowed = record("a", body: "  text\n\n ")
        return [
            Case(name: "first sighting is new", known: [], current: [a, b], touched: ["a.md", "b.md"], expected: ["new a", "new b"]),
            Case(name: "unchanged is silent", known: [known(a)], current: [a], touched: ["a.md"], expected: []),
            Case(name: "an edit is an update", known: [known(a)], current: [aEdited], touched: ["a.md"], expected: ["updated a"]),
            Case(name: "whitespace is not an edit", known: [known(a)], current: [aReflowed], touched: ["a.md"], expected: []),
            Case(name: "a deleted file removes its entry", known: [known(a), known(c)], current: [a], touched: ["a.md", "c.md"], expected: ["removed c"]),
            Case(name: "untouched files keep their entries", known: [known(a), known(c)], current: [], touched: [], expected: []),
            Case(name: "reappearing is open again", known: [known(a, removed: true)], current: [a], touched: ["a.md"], expected: ["updated a"]),
            Case(name: "reappearing edited is open again", known: [known(a, removed: true)], current: [aEdited], touched: ["a.md"], expected: ["updated a"]),
            Case(name: "removed stays removed", known: [known(c, removed: true)], current: [], touched: ["c.md"], expected: []),
            Case(name: "moving a file is not an edit", known: [known(a, source: "old/a.md")], current: [a], touched: ["old/a.md", "a.md"], expected: []),
        ]
    }()

    @Test(arguments: cases)
    func diffCase(_ c: Case) {
        let known = Dictionary(uniqueKeysWithValues: c.known.map { ($0.key, $0) })
        let result = Diff.diff(known: known, current: c.current, touched: c.touched).result
        let got = result.events.map { "\($0.change.rawValue) \($0.key)" }.sorted()
        #expect(got == c.expected.sorted())
    }

    @Test func movedEntryIsWrittenWithItsNewSourceAndItsDates() {
        let a = Self.record("a")
        let old = Self.known(a, source: "old/a.md")
        let (rows, result) = Diff.diff(known: [a.key: old], current: [a], touched: ["old/a.md", "a.md"], at: Self.day(9))
        #expect(rows.map(\.source) == ["a.md"])
        #expect(rows.first?.lastChanged == old.lastChanged, "a move is not news: its change time stays")
        #expect(result.removed.isEmpty)
        #expect(result.events.isEmpty)
    }

    @Test func duplicateKeysAcrossFilesPickTheSmallestPathAndReportIt() {
        let x = Self.record("dup", source: "b/dup.md")
        let y = Self.record("dup", body: "other", source: "a/dup.md")
        for order in [[x, y], [y, x]] {
            let result = Diff.diff(known: [:], current: order, touched: ["a/dup.md", "b/dup.md"]).result
            #expect(result.events.count == 1)
            #expect(result.events.first?.source == "a/dup.md")
            #expect(result.conflicts == [KeyConflict(key: EntryKey(rawValue: "dup"), winner: "a/dup.md", loser: "b/dup.md", line: 1, kind: .publication)])
        }
    }

    @Test func aKeyOwnedByAnUntouchedEarlierFileStaysThere() {
        let owner = Self.record("k", source: "a.md")
        let intruder = Self.record("k", body: "different", source: "z.md")
        let (rows, result) = Diff.diff(known: [owner.key: Self.known(owner)], current: [intruder], touched: ["z.md"])
        #expect(result.events.isEmpty)
        #expect(rows.isEmpty)
        #expect(result.conflicts.first?.winner == "a.md")
    }

    @Test func eventsComeInAStableOrder() {
        let records = (0..<20).map { Self.record("k\($0)") }
        let one = Diff.diff(known: [:], current: records, touched: Set(records.map(\.source))).result
        let two = Diff.diff(known: [:], current: records.reversed(), touched: Set(records.map(\.source))).result
        #expect(one.events == two.events)
    }
}

/// How a run dates the rows it writes (`EntryRow`), case by case.
struct EntryRowTests {
    static let now = DiffTests.day(10)
    /// What the run assigned to a row whose visible time it gives (day 9: distinct from `now`, so a mix-up shows).
    static let assigned = DiffTests.day(9)

    static func record(published: Int64? = nil, updated: Int64? = nil, closes: Int64? = nil) -> EntryRecord {
        var r = DiffTests.record("a")
        r.published = published.map(DiffTests.day)
        r.updated = updated.map(DiffTests.day)
        r.closes = closes.map(DiffTests.day)
        return r
    }

    static func old(removed: Bool = false, shown: Bool = true) -> StoredEntry {
        StoredEntry(key: EntryKey(rawValue: "a"), kind: .publication, source: "a.md", title: "T a", fingerprint: Fingerprint(ofText: "x"),
                    published: DiffTests.day(2), updated: DiffTests.day(3), firstSeen: DiffTests.day(2), lastChanged: DiffTests.day(3),
                    removedAt: removed ? DiffTests.day(4) : nil, shown: shown)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var record: EntryRecord
        var old: StoredEntry?
        var verdict: Verdict
        /// first seen, last changed, published, updated, removed at (days; 0: live)
        var expected: (Int64, Int64, Int64, Int64, Int64)
        var shown = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "new, undated: the assigned time", record: record(), old: nil, verdict: .new, expected: (9, 10, 9, 9, 0)),
        Case(name: "new, dated: the file's dates", record: record(published: 1, updated: 5), old: nil, verdict: .new, expected: (10, 10, 1, 5, 0)),
        Case(name: "new, dated without updated: updated is the date", record: record(published: 1), old: nil, verdict: .new, expected: (10, 10, 1, 1, 0)),
        Case(name: "new, updated before its date: updated is the date", record: record(published: 6, updated: 5), old: nil, verdict: .new, expected: (10, 10, 6, 6, 0)),
        Case(name: "edited, undated: updated is when it was seen", record: record(), old: old(), verdict: .edited, expected: (2, 10, 2, 9, 0)),
        Case(name: "edited, dated: updated is when it was seen", record: record(published: 1), old: old(), verdict: .edited, expected: (2, 10, 1, 9, 0)),
        Case(name: "edited with its own updated: that one", record: record(published: 1, updated: 7), old: old(), verdict: .edited, expected: (2, 10, 1, 7, 0)),
        Case(name: "revised: updated kept", record: record(), old: old(), verdict: .revised, expected: (2, 10, 2, 3, 0)),
        Case(name: "moved, undated: dates kept", record: record(), old: old(), verdict: .moved, expected: (2, 3, 2, 3, 0)),
        Case(name: "reopened: first seen kept, updated when seen", record: record(), old: old(removed: true), verdict: .reopened, expected: (2, 10, 2, 9, 0)),
        Case(name: "closing: removed at its closing date", record: record(closes: 8), old: old(), verdict: .closing, expected: (2, 3, 2, 3, 8)),
        Case(name: "edited while closed: still closed", record: record(closes: 8), old: old(removed: true), verdict: .stillClosed, expected: (2, 3, 2, 3, 4)),
        Case(name: "closed before first seen: never shown", record: record(closes: 8), old: nil, verdict: .closedUnseen,
             expected: (10, 10, 10, 10, 8), shown: false),
        Case(name: "unseen, still closed: still unshown", record: record(closes: 8), old: old(removed: true, shown: false), verdict: .stillClosed,
             expected: (2, 3, 2, 3, 4), shown: false),
    ]

    @Test(arguments: cases)
    func dating(_ c: Case) {
        let assigned = EntryRow.needsAssignedTime(c.verdict, c.record) ? Self.assigned : nil
        let row = EntryRow.written(c.record, old: c.old, verdict: c.verdict, at: Self.now, assigned: assigned)
        let days = (row.firstSeen.seconds / 86_400, row.lastChanged.seconds / 86_400, row.published.seconds / 86_400,
                    row.updated.seconds / 86_400, (row.removedAt?.seconds ?? 0) / 86_400)
        #expect(days == c.expected)
        #expect(row.shown == c.shown)
        #expect(row.fingerprint == c.record.fingerprint && row.source == c.record.source)
    }

    @Test func removalKeepsTheRowAndSetsTheTime() {
        let row = EntryRow.removed(Self.old(), at: Self.now)
        var expected = Self.old()
        expected.removedAt = Self.now
        #expect(row == expected)
    }
}
