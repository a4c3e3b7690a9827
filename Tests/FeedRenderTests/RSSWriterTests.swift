import Foundation
import Testing
import FeedModel
@testable import FeedRender

struct RSSWriterTests {
    static func render(_ items: [FeedItem] = Sample.items) throws -> [UInt8] {
        try RSSWriter(site: Sample.site).render(Sample.feed, items: items, file: Sample.feed.file(for: .rss))
    }

    @Test func matchesTheGoldenFile() throws {
        #expect(try Sample.matchesGolden(try Self.render(), "publications.rss"),
                "re-record with FEEDD_RECORD_GOLDEN=1 swift test --filter FeedRenderTests if the change is intended")
    }

    @Test func parsesBackWithEveryField() throws {
        let doc = try #require(ParsedFeed(try Self.render()))
        #expect(doc.strings("/rss/@version") == ["2.0"])
        #expect(doc.strings("/rss/channel/title") == ["Test Lab publications"])
        #expect(doc.strings("/rss/channel/link") == ["https://feeds.example.org/lab/index.html"])
        #expect(doc.strings("/rss/channel/description") == ["Papers & preprints"])
        #expect(doc.strings("/rss/channel/language") == ["en"])
        #expect(doc.strings("/rss/channel/lastBuildDate") == ["Wed, 05 Mar 2025 09:00:00 +0000"])
        #expect(doc.strings("/rss/channel/docs") == ["https://www.rssboard.org/rss-specification"])
        #expect(doc.strings("/rss/channel/a:link[@rel='self'][@type='application/rss+xml']/@href")
                == ["https://feeds.example.org/lab/publications.rss"])
        #expect(doc.strings("/rss/channel/item/title") == ["Beta: a <system> & more", "R&D Engineer <Compilers>", "Alpha"])
        #expect(doc.strings("/rss/channel/item/guid") == ["tag:example.org,2026:publication/b", "tag:example.org,2026:job/rd-compilers",
                                                          "tag:example.org,2026:publication/a"])
        #expect(doc.strings("/rss/channel/item/guid/@isPermaLink") == ["false", "false", "false"])
        #expect(doc.strings("/rss/channel/item/pubDate") == ["Wed, 05 Mar 2025 09:00:00 +0000", "Tue, 04 Mar 2025 12:00:00 +0000",
                                                             "Sun, 02 Mar 2025 09:00:00 +0000"])
        #expect(doc.strings("/rss/channel/item[1]/link") == ["https://feeds.example.org/papers/b"])
        #expect(doc.strings("/rss/channel/item[2]/link").isEmpty, "no link, no element")
        #expect(doc.strings("/rss/channel/item[1]/dc:creator") == ["Zoë Müller", "A. Author"])
        #expect(doc.strings("/rss/channel/item/author").isEmpty, "RSS author must be an e-mail address")
        #expect(doc.strings("/rss/channel/item[2]/category") == ["compilers", "US", "WA", "Seattle", "Prime Video"])
        #expect(doc.strings("/rss/channel/item[3]/description") == ["<p>First paragraph.</p>\n<p>Second.</p>"])
    }

    @Test func plainTextUsesHexadecimalReferences() throws {
        let text = String(decoding: try Self.render(), as: UTF8.self)
        #expect(text.contains("<title>R&#x26;D Engineer &#x3C;Compilers&#x3E;</title>"))
        #expect(text.contains("<description>Papers &#x26; preprints</description>"))
        #expect(!text.contains("<![CDATA["))
    }

    @Test func fileNameFollowsTheAtomFeed() throws {
        #expect(FeedSpec(name: "openings-us", file: "openings-us.atom", kind: .job, title: "T").file(for: .rss) == "openings-us.rss")
        #expect(FeedSpec(name: "openings-us", file: "openings-us.atom", kind: .job, title: "T").file(for: .json) == "openings-us.json")
        let doc = try #require(ParsedFeed(try RSSWriter(site: Sample.site).render(Sample.feed, items: [])))
        #expect(doc.strings("/rss/channel/a:link/@href") == ["https://feeds.example.org/lab/publications.rss"])
        #expect(doc.strings("/rss/channel/lastBuildDate") == ["Thu, 01 Jan 1970 00:00:00 +0000"])
    }

    @Test func hostileContentStaysText() throws {
        let bytes = try Self.render([Sample.hostileItem])
        let doc = try #require(ParsedFeed(bytes), "libxml2 must parse the feed")
        #expect(doc.strings("/rss/channel/item/title") == ["Evil[31m ]]> <script>alert(1)</script> & \"q\""])
        #expect(doc.strings("/rss/channel/item/link").isEmpty, "javascript: links are dropped")
        #expect(doc.strings("/rss/channel/item/category") == ["<script>", "a&b"])
        HTMLContentTests.expectSafe(try #require(doc.strings("/rss/channel/item/description").first))
        let raw = String(decoding: bytes, as: UTF8.self)
        #expect(!raw.contains("<script") && !raw.contains("]]>") && !raw.contains("<![CDATA["))
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D })
    }

    @Test func sameInputSameBytes() throws {
        let differing = try Sample.differingRenders(Sample.items) { try Self.render($0) }
        #expect(differing == 0, "\(differing) of 400 renders differ")
    }
}
