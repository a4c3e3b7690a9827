import Foundation
import Testing
import FeedModel
@testable import FeedRender

struct JSONFeedWriterTests {
    static func render(_ items: [FeedItem] = Sample.items) -> [UInt8] {
        JSONFeedWriter(site: Sample.site).render(Sample.feed, items: items, file: Sample.feed.file(for: .json))
    }

    static func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func matchesTheGoldenFile() throws {
        #expect(try Sample.matchesGolden(Self.render(), "publications.json"),
                "re-record with FEEDD_RECORD_GOLDEN=1 swift test --filter FeedRenderTests if the change is intended")
    }

    @Test func isAValidJSONFeed11() throws {
        let bytes = Self.render()
        #expect(bytes.last == UInt8(ascii: "\n"))
        let feed = try Self.parse(bytes)
        #expect(feed["version"] as? String == "https://jsonfeed.org/version/1.1")
        #expect(feed["title"] as? String == "Test Lab publications")
        #expect(feed["home_page_url"] as? String == "https://feeds.example.org/lab/index.html")
        #expect(feed["feed_url"] as? String == "https://feeds.example.org/lab/publications.json")
        #expect(feed["description"] as? String == "Papers & preprints")
        #expect(feed["language"] as? String == "en")
        let authors = try #require(feed["authors"] as? [[String: Any]])
        #expect(authors.count == 1 && authors[0]["name"] as? String == "Test Lab curators")
        let items = try #require(feed["items"] as? [[String: Any]])
        #expect(items.count == 3)
        for item in items {
            #expect(item["id"] is String, "id is required and a string")
            #expect(item["content_html"] is String || item["content_text"] is String, "content_html or content_text is required")
            for key in ["date_published", "date_modified"] {
                let date = try #require(item[key] as? String)
                #expect(Timestamp(rfc3339: date) != nil, "\(key) is RFC 3339")
            }
            if let authors = item["authors"] as? [[String: Any]] { #expect(authors.allSatisfy { $0["name"] is String }) }
            if let tags = item["tags"] { #expect(tags is [String]) }
        }
        #expect(items[1]["tags"] as? [String] == ["compilers", "US", "WA", "Seattle", "Prime Video"])
        #expect(items[1]["url"] == nil, "no link, no url")
        #expect(items[0]["url"] as? String == "https://feeds.example.org/papers/b")
        #expect(items[2]["summary"] as? String == "First paragraph.")
    }

    @Test func keysAreSortedAndSlashesPlain() {
        let text = String(decoding: Self.render(), as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"authors\": ["))
        #expect(!text.contains("\\/"))
        // Each object's keys, read at their indentation, in byte order (the bytes never depend on a dictionary's order).
        for indent in [2, 6] {
            let pad = String(repeating: " ", count: indent)
            var objectKeys: [String] = []
            for line in text.split(separator: "\n") {
                guard line.hasPrefix(pad + "\""), !line.hasPrefix(pad + " ") else {
                    if line.hasPrefix(String(repeating: " ", count: indent - 2) + "}") || line.hasPrefix(String(repeating: " ", count: indent - 2) + "{") {
                        #expect(objectKeys == objectKeys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "\(objectKeys)")
                        objectKeys = []
                    }
                    continue
                }
                objectKeys.append(String(line.dropFirst(indent + 1).prefix { $0 != "\"" }))
            }
            #expect(objectKeys == objectKeys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "\(objectKeys)")
        }
    }

    @Test func hostileContentStaysText() throws {
        let bytes = Self.render([Sample.hostileItem])
        let feed = try Self.parse(bytes)
        let item = try #require((feed["items"] as? [[String: Any]])?.first)
        #expect(item["title"] as? String == "Evil[31m ]]> <script>alert(1)</script> & \"q\"")
        #expect(item["url"] == nil, "javascript: links are dropped")
        HTMLContentTests.expectSafe(try #require(item["content_html"] as? String))
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A })
    }
}
