import Testing
import FeedModel
@testable import FeedDiff

/// Diff as a table of cases: what the state knew, what the scan found, what is announced.
struct DiffTests {
    static func record(_ key: String, _ kind: EntryKind = .publication, body: String = "text", source: String? = nil) -> EntryRecord {
        EntryRecord(Entry(key: EntryKey(rawValue: key), kind: kind, title: "T \(key)", body: body, source: source ?? "\(key).md"))
    }

    static func known(_ r: EntryRecord, removed: Bool = false, source: String? = nil) -> KnownEntry {
        KnownEntry(key: r.key, kind: r.kind, fingerprint: r.fingerprint, source: source ?? r.source, title: r.title, isRemoved: removed)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var known: [KnownEntry]
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
            Case(name: "reappearing unchanged is not new", known: [known(a, removed: true)], current: [a], touched: ["a.md"], expected: []),
            Case(name: "reappearing edited is new again", known: [known(a, removed: true)], current: [aEdited], touched: ["a.md"], expected: ["new a"]),
            Case(name: "removed stays removed", known: [known(c, removed: true)], current: [], touched: ["c.md"], expected: []),
            Case(name: "moving a file is not an edit", known: [known(a, source: "old/a.md")], current: [a], touched: ["old/a.md", "a.md"], expected: []),
        ]
    }()

    @Test(arguments: cases)
    func diffCase(_ c: Case) {
        let known = Dictionary(uniqueKeysWithValues: c.known.map { ($0.key, $0) })
        let result = Diff.diff(known: known, current: c.current, touched: c.touched)
        let got = result.events.map { "\($0.change.rawValue) \($0.key)" }.sorted()
        #expect(got == c.expected.sorted())
    }

    @Test func movedEntryIsUpsertedWithItsNewSource() {
        let a = Self.record("a")
        let result = Diff.diff(known: [a.key: Self.known(a, source: "old/a.md")], current: [a], touched: ["old/a.md", "a.md"])
        #expect(result.upserts.map(\.source) == ["a.md"])
        #expect(result.removals.isEmpty)
        #expect(result.changed.isEmpty)
    }

    @Test func duplicateKeysAcrossFilesPickTheSmallestPathAndReportIt() {
        let x = Self.record("dup", source: "b/dup.md")
        let y = Self.record("dup", body: "other", source: "a/dup.md")
        for order in [[x, y], [y, x]] {
            let result = Diff.diff(known: [:], current: order, touched: ["a/dup.md", "b/dup.md"])
            #expect(result.events.count == 1)
            #expect(result.events.first?.source == "a/dup.md")
            #expect(result.conflicts == [KeyConflict(key: EntryKey(rawValue: "dup"), winner: "a/dup.md", loser: "b/dup.md")])
        }
    }

    @Test func aKeyOwnedByAnUntouchedEarlierFileStaysThere() {
        let owner = Self.record("k", source: "a.md")
        let intruder = Self.record("k", body: "different", source: "z.md")
        let result = Diff.diff(known: [owner.key: Self.known(owner)], current: [intruder], touched: ["z.md"])
        #expect(result.events.isEmpty)
        #expect(result.upserts.isEmpty)
        #expect(result.conflicts.first?.winner == "a.md")
    }

    @Test func eventsComeInAStableOrder() {
        let records = (0..<20).map { Self.record("k\($0)") }
        let one = Diff.diff(known: [:], current: records, touched: Set(records.map(\.source)))
        let two = Diff.diff(known: [:], current: records.reversed(), touched: Set(records.map(\.source)))
        #expect(one.events == two.events)
    }
}
