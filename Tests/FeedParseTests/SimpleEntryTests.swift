import Foundation
import Testing
import FeedModel
@testable import FeedParse

/// The entry read straight from front matter bytes must be the entry the
/// general path builds (fields, then `EntryBuilder`), and must give way
/// wherever that path rejects.
struct SimpleEntryTests {
    /// What the general path makes of a front matter: the entry, or nil when it rejects it.
    private func general(_ yaml: String, source: String, hasBody: Bool) -> Entry? {
        var copy = yaml
        let simpleFields = copy.withUTF8 { SimpleFrontMatter.fields($0, firstLine: 2) }
        do {
            let fields = try simpleFields ?? FrontMatter.fields(Substring(yaml), firstLine: 2, source: source)
            return try EntryBuilder(source: source, line: 1, defaultKey: .pathWithoutExtension(source)).build(fields, hasBody: hasBody)
        } catch {
            return nil
        }
    }

    private func direct(_ yaml: String, source: String, hasBody: Bool) -> Entry? {
        var copy = yaml
        return copy.withUTF8 { SimpleEntry.entry($0, source: source, hasBody: hasBody) }
    }

    @Test func aTypicalEntryIsReadDirectly() {
        let yaml = """
        kind: job
        title: "Staff Data Engineer, Search"
        date: 2016-03-04T05:06:07Z
        id: "1000042"
        link: https://www.example.org/jobs/1000042
        location: "US, WA, Seattle"
        team: "Search <Ranking>"

        """
        let entry = direct(yaml, source: "2016-03-04-job.md", hasBody: true)
        #expect(entry != nil)
        #expect(entry == general(yaml, source: "2016-03-04-job.md", hasBody: true))
        #expect(entry?.location == Location(country: "US", region: "WA", city: "Seattle"))
        #expect(entry?.key.rawValue == "1000042")
    }

    @Test func agreesWithTheBuilderOnGeneratedFrontMatter() {
        let fields: [(String, [String])] = [
            ("kind", ["publication", "Job", "paper", "openings", "  job  ", "unknown", "~", "[job]", "\"job\""]),
            ("id", ["pub-1", "\"1005495\"", "a b  c", "!!!", "\"\"", "~", "null", "[a]", "Zoë-7", "'it''s'"]),
            ("title", ["A Plain Title", "\"  Spaced   out  \"", "\"\"", "~", "[a, b]", "Ünïcode Tïtle", "'Quote '' here'", "x"]),
            ("date", ["2024-05-01", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00", "2024-05-01 10:00:00+02:00",
                      "tomorrow", "2205-01-01", "~", "[2024-05-01]", "\"2024-05-01T10:00:00.5Z\""]),
            ("published", ["2020-01-02", "nope"]),
            ("updated", ["2024-06-01T00:00:00Z", "2024-13-01", "~"]),
            ("link", ["https://example.org/a", "\"  https://example.org/b  \"", "\"\"", "~", "[x]"]),
            ("url", ["https://example.org/u"]),
            ("authors", ["[Ann, Bob]", "\"Ann Lee, Bob  Ray, \"", "[]", "[~, Ann]", "[\"\", x]", "Solo Author", "~",
                         "\n  - Ann\n  - \"Bob  Ray\"", "\n  - ~", "[\"a,b\", c]"]),
            ("author", ["One Person", "[x, y]"]),
            ("venue", ["ICML", "\"  \"", "~"]),
            ("team", ["Search", "\"Ads <Science>\"", "\"\"", "~"]),
            ("tags", ["[a, b, a]", "x, y", "[]", "\n  - t1\n  - t2", "[\"  \"]"]),
            ("location", ["\"US, WA, Seattle\"", "DE", "\"FR, Paris\"", "\"US, CA, San Francisco, Mission\"", "\", ,\"", "Zürich",
                          "~", "[US]"]),
            ("body", ["Some text", "\"\"", "~", "[x]"]),
            ("extra", ["anything", "[a]"]),
            ("Title", ["Shouting Title"]),
            ("KIND", ["job"]),
        ]
        let sources = ["jobs/a.md", "publications/b c.md", "misc/x.md", "2024-01-01-x.md", "!!!.md", "papers/jobs/y.md"]
        var rng = SplitMix(seed: 7)
        var directCount = 0
        var generalCount = 0
        let total = 6000
        for _ in 0..<total {
            var lines: [String] = []
            var used = Set<Int>()
            for _ in 0..<(2 + rng.next(7)) {
                let index = rng.next(fields.count)
                // A name repeats now and then (the entry then gives way); values are mostly the usual ones.
                guard used.insert(index).inserted || rng.next(10) == 0 else { continue }
                let (name, values) = fields[index]
                let value = values[rng.next(2) == 0 ? rng.next(min(2, values.count)) : rng.next(values.count)]
                lines.append(name + ":" + (value.hasPrefix("\n") ? value : " " + value))
            }
            if rng.next(3) != 0 { lines.insert("title: Always \(rng.next(100))", at: rng.next(lines.count + 1)) }
            let yaml = lines.joined(separator: "\n") + "\n"
            let source = sources[rng.next(sources.count)]
            let hasBody = rng.next(2) == 0
            let expected = general(yaml, source: source, hasBody: hasBody)
            let got = direct(yaml, source: source, hasBody: hasBody)
            if expected != nil { generalCount += 1 }
            if let got {
                directCount += 1
                #expect(got == expected, "\(source) hasBody=\(hasBody)\n\(yaml)")
            }
        }
        // Both paths are really exercised: most accepted entries are read directly.
        #expect(generalCount > total / 10)
        #expect(directCount > generalCount * 3 / 4)
    }

    @Test func repeatedNamesInAnyCaseGiveWay() {
        for yaml in ["title: a\nTitle: b\n", "title: a\nx: 1\nX: 2\n", "title: a\nauthors: [a]\nAuthors: [b]\n"] {
            #expect(direct(yaml, source: "jobs/a.md", hasBody: true) == nil, "\(yaml)")
            #expect(general(yaml, source: "jobs/a.md", hasBody: true) == nil, "\(yaml)")
        }
    }

    @Test func aBodyFieldIsTheBodyOnlyWithoutOne() {
        let yaml = "title: T\nbody: \"  from the field  \"\n"
        #expect(direct(yaml, source: "jobs/a.md", hasBody: false)?.body == "from the field")
        #expect(direct(yaml, source: "jobs/a.md", hasBody: true)?.body == "")
    }
}
