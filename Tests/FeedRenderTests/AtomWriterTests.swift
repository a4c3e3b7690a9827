import Foundation
import Testing
import FeedModel
@testable import FeedRender

struct AtomWriterTests {
    static let site = Site(title: "Test Lab", baseURL: "https://feeds.example.org/lab", tagAuthority: "example.org,2026",
                           author: "Test Lab curators")
    static let feed = FeedSpec(name: "publications", file: "publications.atom", kind: .publication,
                               title: "Test Lab publications", subtitle: "Papers & preprints", cap: 50)

    static func item(_ key: String, day: Int, title: String, body: String = "First paragraph.\n\nSecond.") -> FeedItem {
        var e = Entry(key: EntryKey(rawValue: key), kind: .publication, title: title, source: "\(key).md")
        e.authors = ["Zoë Müller", "A. Author"]
        e.tags = ["graphs", "llm"]
        e.link = "/papers/\(key)"
        e.body = body
        let t = Timestamp.fromCivil(year: 2025, month: 3, day: day, hour: 9)!
        return FeedItem(entry: e, published: t, updated: t)
    }

    static var items: [FeedItem] {
        [item("b", day: 5, title: "Beta: a <system> & more"), item("a", day: 2, title: "Alpha")].sorted(by: FeedItem.feedOrder)
    }

    @Test func matchesTheGoldenFile() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: Self.items)
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/publications.atom")
        if ProcessInfo.processInfo.environment["FEEDD_RECORD_GOLDEN"] == "1" {
            try Data(bytes).write(to: golden)
        }
        let expected = try [UInt8](Data(contentsOf: golden))
        #expect(bytes == expected, "re-record with FEEDD_RECORD_GOLDEN=1 swift test --filter AtomWriterTests if the change is intended")
    }

    @Test func parsesBackWithEveryField() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: Self.items)
        let doc = try #require(ParsedFeed(bytes))
        #expect(doc.strings("/a:feed/a:id") == ["tag:example.org,2026:feed/publications"])
        #expect(doc.strings("/a:feed/a:updated") == ["2025-03-05T09:00:00Z"])
        #expect(doc.strings("/a:feed/a:link[@rel='self']/@href") == ["https://feeds.example.org/lab/publications.atom"])
        #expect(doc.strings("/a:feed/a:entry/a:title") == ["Beta: a <system> & more", "Alpha"])
        #expect(doc.strings("/a:feed/a:entry/a:id") == ["tag:example.org,2026:publication/b", "tag:example.org,2026:publication/a"])
        #expect(doc.strings("/a:feed/a:entry[1]/a:author/a:name") == ["Zoë Müller", "A. Author"])
        #expect(doc.strings("/a:feed/a:entry[1]/a:link/@href") == ["https://feeds.example.org/papers/b"])
        #expect(doc.strings("/a:feed/a:entry[1]/a:summary") == ["First paragraph."])
        #expect(doc.strings("/a:feed/@xml:lang") == ["en"])
        #expect(doc.relaxNGErrors(schema: Paths.shared + "/schema/atom.rng") == nil)
    }

    @Test func sameInputSameBytes() throws {
        let w = AtomWriter(site: Self.site)
        #expect(try w.render(Self.feed, items: Self.items) == w.render(Self.feed, items: Self.items))
    }

    @Test func hostileTextNeverBreaksTheFeed() throws {
        let nasty = "Evil\u{0}\u{1}\u{1B}[31m ]]> <script>alert(1)</script> \u{FFFE}\u{FFFF}\u{85} & \"q\""
        var it = Self.item("x", day: 1, title: nasty, body: "Body ]]> <img src=x onerror=alert(1)> \u{7}end")
        it.entry.link = "javascript:alert(1)"
        it.entry.authors = ["\u{202E}evil"]
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: [it])
        let doc = try #require(ParsedFeed(bytes), "libxml2 must parse the feed")
        let title = try #require(doc.strings("/a:feed/a:entry/a:title").first)
        #expect(title == "Evil[31m ]]> <script>alert(1)</script> & \"q\"")
        #expect(doc.strings("/a:feed/a:entry/a:link").isEmpty, "javascript: links are dropped")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("<script>"))
        #expect(doc.relaxNGErrors(schema: Paths.shared + "/schema/atom.rng") == nil)
    }

    @Test func emptyFeedIsStillValid() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: [])
        let doc = try #require(ParsedFeed(bytes))
        #expect(doc.strings("/a:feed/a:updated") == ["1970-01-01T00:00:00Z"])
        #expect(doc.relaxNGErrors(schema: Paths.shared + "/schema/atom.rng") == nil)
    }

    @Test(arguments: [
        ("One short paragraph.", "One short paragraph."),
        ("Line one\nline two.\n\nNext para.", "Line one line two."),
        ("# Heading\n\nText with a [link](https://x.org) and *stress*.", "Text with a link and stress."),
    ])
    func summaryIsTheFirstParagraphAsPlainText(_ body: String, _ expected: String) {
        #expect(Summary.of(markdown: body) == expected)
    }

    @Test func summaryCutsAtAWord() {
        let long = Array(repeating: "word", count: 200).joined(separator: " ")
        let s = Summary.of(markdown: long, limit: 50)
        #expect(s.count <= 50)
        #expect(s.hasSuffix("word…"))
    }
}
