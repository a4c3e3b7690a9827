import Foundation
import Testing
import FeedModel
@testable import FeedRender

struct AtomWriterTests {
    static let site = Sample.site
    static let feed = Sample.feed
    static var items: [FeedItem] { Sample.items }

    @Test func matchesTheGoldenFile() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: Self.items)
        #expect(try Sample.matchesGolden(bytes, "publications.atom"),
                "re-record with FEEDD_RECORD_GOLDEN=1 swift test --filter FeedRenderTests if the change is intended")
    }

    @Test func parsesBackWithEveryField() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: Self.items)
        let doc = try #require(ParsedFeed(bytes))
        #expect(doc.strings("/a:feed/a:id") == ["tag:example.org,2026:feed/publications"])
        #expect(doc.strings("/a:feed/a:updated") == ["2025-03-05T09:00:00Z"])
        #expect(doc.strings("/a:feed/a:link[@rel='self']/@href") == ["https://feeds.example.org/lab/publications.atom"])
        #expect(doc.strings("/a:feed/a:link[@rel='alternate']/@href") == ["https://feeds.example.org/lab/index.html"])
        #expect(doc.strings("/a:feed/a:generator/@uri") == [AtomWriter.generatorURI])
        #expect(doc.strings("/a:feed/a:generator/@version") == [AtomWriter.generatorVersion])
        #expect(doc.strings("/a:feed/a:subtitle/@type") == ["html"])
        #expect(doc.strings("/a:feed/a:subtitle").map(htmlUnescape) == ["Papers & preprints"])
        #expect(doc.strings("/a:feed/a:entry/a:title").map(htmlUnescape)
                == ["Beta: a <system> & more", "R&D Engineer <Compilers>", "Alpha"])
        #expect(doc.strings("/a:feed/a:entry/a:title/@type") == ["html", "html"], "plain titles stay type=text")
        #expect(doc.strings("/a:feed/a:entry/a:id") == ["tag:example.org,2026:publication/b", "tag:example.org,2026:job/rd-compilers",
                                                        "tag:example.org,2026:publication/a"])
        #expect(doc.strings("/a:feed/a:entry[1]/a:author/a:name") == ["Zoë Müller", "A. Author"])
        #expect(doc.strings("/a:feed/a:entry[2]/a:author/a:name") == ["Prime Video"])
        #expect(doc.strings("/a:feed/a:entry[2]/a:category/@term") == ["compilers", "US", "WA", "Seattle", "Prime Video"])
        #expect(doc.strings("/a:feed/a:entry[1]/a:link/@href") == ["https://feeds.example.org/papers/b"])
        #expect(doc.strings("/a:feed/a:entry[3]/a:summary") == ["First paragraph."])
        #expect(doc.strings("/a:feed/a:entry[3]/a:content/@type") == ["html"])
        #expect(doc.strings("/a:feed/a:entry[3]/a:content") == ["<p>First paragraph.</p>\n<p>Second.</p>"])
        #expect(doc.strings("/a:feed/@xml:lang") == ["en"])
        #expect(doc.relaxNGErrors(schema: Paths.shared + "/schema/atom.rng") == nil)
    }

    @Test func stylesheetOnlyWhenAsked() throws {
        let plain = String(decoding: try AtomWriter(site: Self.site).render(Self.feed, items: Self.items), as: UTF8.self)
        #expect(!plain.contains("xml-stylesheet"))
        let styled = String(decoding: try AtomWriter(site: Self.site, stylesheet: "feed.xsl").render(Self.feed, items: Self.items),
                            as: UTF8.self)
        let lines = styled.split(separator: "\n")
        #expect(lines[1] == #"<?xml-stylesheet type="text/xsl" href="feed.xsl"?>"#)
        #expect(lines[2].hasPrefix("<feed "))
        let hostile = try AtomWriter(site: Self.site, stylesheet: "x.xsl\"?><script>").render(Self.feed, items: [])
        #expect(ParsedFeed(hostile) != nil)
        #expect(!String(decoding: hostile, as: UTF8.self).contains("<script>"))
        let js = String(decoding: try AtomWriter(site: Self.site, stylesheet: "javascript:alert(1)").render(Self.feed, items: []),
                        as: UTF8.self)
        #expect(!js.contains("xml-stylesheet"))
    }

    @Test func sameInputSameBytes() throws {
        let differing = try Sample.differingRenders(Self.items) { try AtomWriter(site: Sample.site).render(Sample.feed, items: $0) }
        #expect(differing == 0, "\(differing) of 400 renders differ")
    }

    @Test func hostileTextNeverBreaksTheFeed() throws {
        let bytes = try AtomWriter(site: Self.site).render(Self.feed, items: [Sample.hostileItem])
        let doc = try #require(ParsedFeed(bytes), "libxml2 must parse the feed")
        let title = try #require(doc.strings("/a:feed/a:entry/a:title").first)
        #expect(htmlUnescape(title) == "Evil[31m ]]> <script>alert(1)</script> & \"q\"")
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
