import Foundation
import Testing
import FeedModel
@testable import FeedRender

/// The same entry is the same item in Atom, RSS and JSON Feed: id, title, dates.
struct CrossFormatTests {
    @Test(arguments: [false, true])
    func everyFormatAgreesWithAtom(hostile: Bool) throws {
        let items = hostile ? Sample.items + [Sample.hostileItem] : Sample.items
        let atom = try #require(ParsedFeed(try AtomWriter(site: Sample.site).render(Sample.feed, items: items)))
        let rss = try #require(ParsedFeed(try RSSWriter(site: Sample.site).render(Sample.feed, items: items)))
        let json = try JSONFeedWriterTests.parse(JSONFeedWriter(site: Sample.site).render(Sample.feed, items: items))
        let jsonItems = try #require(json["items"] as? [[String: Any]])

        let ids = atom.strings("/a:feed/a:entry/a:id")
        #expect(ids.count == items.count)
        #expect(rss.strings("/rss/channel/item/guid") == ids)
        #expect(jsonItems.map { $0["id"] as? String } == ids)

        let titles = atom.strings("/a:feed/a:entry/a:title").enumerated().map { i, title in
            atom.strings("/a:feed/a:entry[\(i + 1)]/a:title/@type") == ["html"] ? htmlUnescape(title) : title
        }
        #expect(rss.strings("/rss/channel/item/title") == titles)
        #expect(jsonItems.map { $0["title"] as? String } == titles)

        let published = atom.strings("/a:feed/a:entry/a:published")
        #expect(jsonItems.map { $0["date_published"] as? String } == published)
        #expect(jsonItems.map { $0["date_modified"] as? String } == atom.strings("/a:feed/a:entry/a:updated"))
        #expect(rss.strings("/rss/channel/item/pubDate") == published.map { Timestamp(rfc3339: $0)!.rfc822 })

        let contents = atom.strings("/a:feed/a:entry/a:content")
        #expect(rss.strings("/rss/channel/item/description") == contents)
        #expect(jsonItems.compactMap { $0["content_html"] as? String } == contents)
        for html in contents { HTMLContentTests.expectSafe(html) }
        #expect(atom.relaxNGErrors(schema: Paths.shared + "/schema/atom.rng") == nil)
    }
}
