import Foundation
import Testing
import FeedModel
import FeedStore
@testable import FeedDaemon

/// `NewestEntries` keeps what a feed query would return: per kind, the `cap`
/// newest, ties broken by the smaller key, whatever order they come in.
struct NewestEntriesTests {
    static func entry(_ key: String, _ kind: EntryKind, day: Int64) -> StoredEntry {
        StoredEntry(key: EntryKey(rawValue: key), kind: kind, source: key + ".md", title: key, fingerprint: Fingerprint(ofText: key),
                    published: Timestamp(seconds: day * 86_400), updated: Timestamp(seconds: day * 86_400),
                    firstSeen: Timestamp(seconds: 0), lastChanged: Timestamp(seconds: 0))
    }

    @Test(arguments: [0, 1, 7, 50, 51, 400])
    func keepsTheNewestOfEachKind(count: Int) {
        let feeds = [FeedSpec(name: "p", file: "p.atom", kind: .publication, title: "P", cap: 5),
                     FeedSpec(name: "p2", file: "p2.atom", kind: .publication, title: "P2", cap: 12),
                     FeedSpec(name: "j", file: "j.atom", kind: .job, title: "J", cap: 3)]
        var rng = SystemRandomNumberGenerator()
        // Few days for many entries: plenty of ties on the date.
        let all = (0..<count).map { i in Self.entry("k\(Int.random(in: 0..<1_000_000, using: &rng))-\(i)", i % 3 == 0 ? .job : .publication,
                                                    day: Int64.random(in: 0..<20, using: &rng)) }
        var newest = NewestEntries(feeds: feeds)
        for e in all { newest.offer(e) }
        func order(_ a: StoredEntry, _ b: StoredEntry) -> Bool { a.published != b.published ? a.published > b.published : a.key < b.key }
        let expected = Array(all.filter { $0.kind == .publication }.sorted(by: order).prefix(12))
            + Array(all.filter { $0.kind == .job }.sorted(by: order).prefix(3))
        #expect(newest.entries.map(\.key).sorted() == expected.map(\.key).sorted())
    }

    @Test func categoryFeedsAndZeroCapsKeepNothingOfTheirOwn() {
        let feeds = [FeedSpec(name: "j", file: "j.atom", kind: .job, title: "J", cap: 0),
                     FeedSpec(name: "j-x", file: "j-x.atom", kind: .job, title: "J x", cap: 9, facet: Facet(.team, "x"))]
        var newest = NewestEntries(feeds: feeds)
        for i in 0..<20 { newest.offer(Self.entry("j\(i)", .job, day: Int64(i))) }
        #expect(newest.entries.isEmpty)
    }
}
