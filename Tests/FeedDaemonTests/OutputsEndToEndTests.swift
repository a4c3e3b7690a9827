import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Issue 4's outputs through the real binary: Atom, RSS and JSON Feed side by
/// side, per-category feeds, the browser page and the stylesheet.
@Suite(.serialized)
struct OutputsEndToEndTests {
    /// A config with every output turned on, over the sandbox's source.
    static func config(_ box: Sandbox) throws -> URL {
        let url = box.root.appendingPathComponent("feedd.toml")
        try """
        source = "\(box.src.path)"
        output = "\(box.out.path)"
        state_dir = "\(box.state.path)"
        [site]
        title = "Test Lab"
        base_url = "https://feeds.test.example/"
        tag_authority = "test.example,2026"
        [[feed]]
        name = "publications"
        kind = "publication"
        formats = ["atom", "rss", "json"]
        group_by = ["tag"]
        [[feed]]
        name = "openings"
        kind = "job"
        formats = ["atom", "rss", "json"]
        group_by = ["country", "team"]
        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func fill(_ box: Sandbox) throws {
        try box.write("publications/a.md", """
        ---
        id: paper-a
        title: "Alpha: a paper"
        date: 2025-03-01
        tags: [llm, graphs]
        authors: [Ada Example]
        ---
        Alpha does *things*. See [the code](/code/alpha).
        """)
        try box.write("publications/b.md", """
        ---
        id: paper-b
        title: "Beta <b>bold</b> & more"
        date: 2025-04-01
        tags: [graphs]
        ---
        Beta <script>alert(1)</script> has <img src=x onerror=alert(2)> and [a link](javascript:alert(3)) and ]]> and a bell \u{7}.
        """.replacingOccurrences(of: "\u{7}", with: ""))
        try box.write("jobs/j1.md", Fixture.job(id: "job-1", title: "Engineer", location: "US, WA, Seattle"))
        try box.write("jobs/j2.md", Fixture.job(id: "job-2", title: "Scientist", location: "DE, BE, Berlin"))
    }

    static func run(_ box: Sandbox) throws -> Run {
        try E2E.feedd(["--once", "--log-format", "json", "--config", config(box).path], cwd: box.cwd)
    }

    @Test func everyFormatCategoryPageAndStylesheetIsWritten() throws {
        let box = try Sandbox()
        try Self.fill(box)
        let run = try Self.run(box)
        #expect(run.status == 0, "\(run)")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: box.out.path))
        for stem in ["publications", "openings", "publications-tag-llm", "publications-tag-graphs",
                     "openings-country-us", "openings-country-de"] {
            for ext in ["atom", "rss", "json"] {
                #expect(names.contains("\(stem).\(ext)"), "missing \(stem).\(ext) in \(names.sorted())")
            }
        }
        #expect(names.contains("index.html") && names.contains("feed.xsl"))
        // The Berlin feed holds only the Berlin job.
        let berlin = try ParsedFeed(box.out.appendingPathComponent("openings-country-de.atom"))
        #expect(berlin.ids == ["tag:test.example,2026:job/job-2"])
        let graphs = try ParsedFeed(box.out.appendingPathComponent("publications-tag-graphs.atom"))
        #expect(graphs.ids.count == 2)
        try E2E.expectJudgesPass([box.out.appendingPathComponent("publications.atom"), box.out.appendingPathComponent("publications.rss"),
                                  box.out.appendingPathComponent("openings-country-us.rss")])
    }

    @Test func jsonFeedItemsMatchTheAtomEntriesOneForOne() throws {
        let box = try Sandbox()
        try Self.fill(box)
        #expect(try Self.run(box).status == 0)
        for stem in ["publications", "openings"] {
            let atom = try ParsedFeed(box.out.appendingPathComponent("\(stem).atom"))
            let data = try Data(contentsOf: box.out.appendingPathComponent("\(stem).json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(json["version"] as? String == "https://jsonfeed.org/version/1.1")
            #expect(json["title"] is String)
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String ?? "" } == atom.ids)
            #expect(items.map { $0["date_published"] as? String ?? "" } == atom.entries.map(\.published))
            // Atom titles holding < or & are type="html": one more level of escaping.
            func html(_ s: String) -> String {
                s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            }
            #expect(items.map { $0["title"] as? String ?? "" } == atom.entries.map { html($0.title) })
        }
    }

    @Test func theBrowserPageAnnouncesEveryFeed() throws {
        let box = try Sandbox()
        try Self.fill(box)
        #expect(try Self.run(box).status == 0)
        let html = try String(contentsOf: box.out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"))
        let feeds = try FileManager.default.contentsOfDirectory(atPath: box.out.path)
            .filter { $0.hasSuffix(".atom") || $0.hasSuffix(".rss") || $0.hasSuffix(".json") }
        for file in feeds {
            #expect(html.contains("rel=\"alternate\"") && html.contains("href=\"https://feeds.test.example/\(file)\""),
                    "index.html does not announce \(file)")
        }
        #expect(html.contains("Alpha: a paper"))
        // It is well-formed XML too (HTML5 in XML syntax).
        #expect(XMLParser(data: Data(html.utf8)).parse())
    }

    @Test func hostileContentNeverReachesAnyOutputUnescaped() throws {
        let box = try Sandbox()
        try Self.fill(box)
        #expect(try Self.run(box).status == 0)
        let atom = try ParsedFeed(box.out.appendingPathComponent("publications.atom"))
        let beta = try #require(atom.entries.first { $0.id.hasSuffix("paper-b") })
        // The markup is gone; what is left of a broken link is inert text, never an href.
        for bad in ["<script", "onerror", "href=\"javascript:", "src=\"javascript:"] {
            #expect(!beta.content.lowercased().contains(bad), "Atom content keeps \(bad): \(beta.content)")
        }
        // GFM's tag filter: a script is shown as written, as text, never run.
        #expect(beta.content.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(beta.content)")
        let json = try String(contentsOf: box.out.appendingPathComponent("publications.json"), encoding: .utf8)
        for bad in ["<script", "onerror", "href=\\\"javascript:"] { #expect(!json.lowercased().contains(bad)) }
        for file in try FileManager.default.contentsOfDirectory(atPath: box.out.path) {
            let bytes = try Data(contentsOf: box.out.appendingPathComponent(file))
            #expect(!bytes.contains(0x07), "\(file) holds a control character")
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("<script"), "\(file) holds a raw <script")
            #expect(!text.contains("<![CDATA["), "\(file) uses CDATA")
        }
    }

    @Test func aSecondRunRewritesNothing() throws {
        let box = try Sandbox()
        try Self.fill(box)
        #expect(try Self.run(box).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: box.out.path)
        let before = names.map { E2E.fileState(box.out.appendingPathComponent($0)) }
        let second = try Self.run(box)
        #expect(second.status == 0)
        #expect(try second.items().isEmpty)
        #expect(names.map { E2E.fileState(box.out.appendingPathComponent($0)) } == before)
    }
}
