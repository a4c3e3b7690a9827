import Foundation
import Testing
import FeedModel
@testable import FeedParse

/// The byte-level front matter reader must agree with Yams on everything it
/// accepts, and leave the rest to Yams.
struct SimpleFrontMatterTests {
    /// What each reader makes of one front matter block (nil: Yams rejected it).
    private func both(_ yaml: String) -> (simple: [String: FieldValue]?, yams: [String: FieldValue]?) {
        var copy = yaml
        let simple = copy.withUTF8 { SimpleFrontMatter.fields($0, firstLine: 2) }
        let yams = try? FrontMatter.fields(Substring(yaml), firstLine: 2, source: "t.md")
        return (simple, yams)
    }

    private func frontMatters(in directory: URL) throws -> [String] {
        var out: [String] = []
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        for case let url as URL in walker where url.pathExtension == "md" {
            let bytes = try [UInt8](Data(contentsOf: url))
            guard let text = try? SourceText.decode(bytes, source: url.path) else { continue }
            var copy = text
            if let offsets = copy.withUTF8({ MarkdownEntry.splitOffsets($0) }) {
                out.append(String(decoding: Array(text.utf8)[offsets.yaml], as: UTF8.self))
            }
        }
        return out
    }

    @Test func agreesWithYamsOnTheSampleAndTheFixtures() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let sample = here.appendingPathComponent("../../Config/sample").standardized
        let texts = try frontMatters(in: sample) + frontMatters(in: here.appendingPathComponent("Fixtures"))
        #expect(texts.count >= 8)
        var simpleCount = 0
        for yaml in texts {
            let (simple, yams) = both(yaml)
            if let simple {
                simpleCount += 1
                #expect(simple == yams, "\(yaml)")
            }
        }
        #expect(simpleCount >= 4)
    }

    /// Front matter as gen-corpus and people write it, plus every near miss we could think of.
    @Test func agreesWithYamsOnGeneratedFrontMatter() {
        let keys = ["title", "Title", "date", "id", "link", "authors", "tags", "venue", "x-y", "a_b", "location", "team", "kind"]
        let values = [
            "plain words", "\"Quoted: with colon\"", "'single ''quoted'''", "\"Zoë Müller\"", "Amélie García",
            "2024-05-01", "2024-05-01T10:00:00Z", "https://example.org/a?b=c#frag", "http://x", "\"1005495\"", "1005495",
            "a: b", "a:b", "a:", "foo #comment", "foo#bar", "~", "null", "Null", "NULL", "nUll", "''", "\"\"",
            "\"a\\\"b\"", "\"a\\nb\"", "[a, b]", "[]", "[ ]", "[ a ,b ]", "[a,]", "['x', \"y\"]", "[~, null, Null]",
            "[a: b]", "[a b, c d]", "[\"US, WA\", x]", "[a, [b]]", "[a, {b: c}]", "[a", "[a] b", "[a]  ",
            "-5", "- x", "? x", ": x", "&anchor x", "*alias", "!tag x", "!!str x", "|", ">", "%x", "@x", "`x",
            "yes", "on", "1.5", "0x10", "a\u{A0}b", "a\u{85}b", "a\u{2028}b", "\u{FEFF}x", "trailing   ",
            "a [b] c", "a, b", "{a: b}", "\"unterminated", "'x' y", "\"x\"  ", "a\tb", "\"a\tb\"", "O'Brien",
            "a \"b\" c", "x---", "...", "---", "a\u{7F}b", "\"it's\"", "'say \"hi\"'", "\"#not a comment\"",
        ]
        let blockLists = [
            "\n  - a\n  - \"b\"", "\n- a\n- b", "\n  - a\n    - b", "\n  - a\n\n  - b", "\n  - - a", "\n  -",
            "\n  - [a]", "\n  - a\n    continued", "\n  - \"Zoë\"\n  - 'x'", "\n  - ~\n  - null", "\n  - a: b",
            "\n    - deep\n    - deeper", "\n  - a #c", "\n  a: b", "\n  - \"q\" x", "",
        ]
        let seed = SplitMix.seed(default: 42)
        var rng = SplitMix(seed: seed)
        var simpleCount = 0
        let total = 4000
        for round in 0..<total {
            var lines: [String] = []
            for _ in 0..<(1 + rng.next(6)) {
                let key = keys[rng.next(keys.count)]
                switch rng.next(10) {
                case 0: lines.append(key + ":" + blockLists[rng.next(blockLists.count)])
                case 1: lines.append("")
                case 2: lines.append(["# a comment", "  indented: x", "- stray", "key : spaced", "key:nospace", "  continued"][rng.next(6)])
                default: lines.append(key + ": " + values[rng.next(values.count)])
                }
            }
            let yaml = lines.joined(separator: "\n") + "\n"
            let (simple, yams) = both(yaml)
            if let simple {
                simpleCount += 1
                #expect(simple == yams, "seed \(seed) round \(round): \(yaml)")
            }
        }
        // Sanity: the fast path is really exercised.
        #expect(simpleCount > total / 10, "seed \(seed)")
    }

    @Test func aTypicalEntryTakesTheFastPath() {
        let yaml = """
        kind: publication
        title: "Terdis are Saloxanban"
        date: 2015-01-01T08:30:14Z
        id: pub-0000258
        tags: [forecasting, graphs]
        link: https://www.example.org/research/publications/terdis-258
        authors:
          - "Marta Li"
          - "Amélie Tanaka"

        """
        let (simple, yams) = both(yaml)
        #expect(simple != nil)
        #expect(simple == yams)
    }
}

/// `MarkdownEntry.splitOffsets` (bytes, line ends by memchr) splits every
/// text where `split` (Characters) does, and gives up where it throws.
struct SplitOffsetsTests {
    @Test func agreesWithTheStringSplit() {
        let lines = ["---", "--- ", "---\t", "...", " ---", "----", "--", "title: x", "", "body text", "é ü", "-- -", "...  "]
        let seed = SplitMix.seed(default: 3)
        var rng = SplitMix(seed: seed)
        var splitCount = 0
        for round in 0..<3000 {
            var parts: [String] = []
            // Now and then a front matter longer than the limit.
            let count = round % 100 == 0 ? MarkdownEntry.maxFrontMatterLines + rng.next(4) : rng.next(12)
            for _ in 0..<count { parts.append(lines[rng.next(lines.count)]) }
            if rng.next(3) != 0 { parts.insert("---", at: 0) }
            let text = parts.joined(separator: "\n") + (rng.next(2) == 0 ? "\n" : "")
            var copy = text
            let offsets = copy.withUTF8 { MarkdownEntry.splitOffsets($0) }
            let split = try? MarkdownEntry.split(text, source: "t.md")
            #expect((offsets == nil) == (split == nil), "seed \(seed) round \(round): \(text.debugDescription)")
            if let offsets, let split {
                splitCount += 1
                let utf8 = Array(text.utf8)
                #expect(String(decoding: utf8[offsets.yaml], as: UTF8.self) == String(split.yaml),
                        "seed \(seed) round \(round): \(text.debugDescription)")
                #expect(String(decoding: utf8[offsets.body], as: UTF8.self) == String(split.body),
                        "seed \(seed) round \(round): \(text.debugDescription)")
            }
        }
        #expect(splitCount > 500, "seed \(seed)")
    }
}
