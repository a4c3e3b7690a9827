import Foundation
import Testing
import TestSupport
import FeedModel
@testable import FeedParse

/// The byte-level front matter reader must agree with Yams on everything it
/// accepts, and leave the rest to Yams.
struct SimpleFrontMatterTests {
    /// What each reader makes of one front matter block (nil: Yams rejected it).
    private func both(_ yaml: String) -> (simple: EntryFields?, yams: EntryFields?) {
        var copy = yaml
        let simple = copy.withUTF8 { SimpleFrontMatter.fields($0, firstLine: 2) }
        let yams = (try? FrontMatter.fields(Substring(yaml), firstLine: 2, source: "t.md")).map(EntryFields.init)
        return (simple, yams)
    }

    private func frontMatters(in directory: URL) throws -> [String] {
        var out: [String] = []
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        for case let url as URL in walker where url.pathExtension == "md" {
            let bytes = try [UInt8](Data(contentsOf: url))
            guard let text = try? SourceText.decode(bytes, source: url.path) else { continue }
            let utf8 = Array(text.utf8)
            if let split = try? utf8.withUnsafeBufferPointer({ try MarkdownEntry.split($0, source: "t.md") }) {
                out.append(String(decoding: utf8[split.yaml], as: UTF8.self))
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

/// How `MarkdownEntry.split` finds the front matter: the YAML between an
/// opening `---` and the next `---` or `...` line (blanks after either
/// fence allowed), the body after it; and what it says when there is none.
struct FrontMatterSplitTests {
    static func split(_ text: String) -> Result<(yaml: String, body: String), Rejection> {
        let utf8 = Array(text.utf8)
        do throws(Rejection) {
            let r = try utf8.withUnsafeBufferPointer { (b) throws(Rejection) in try MarkdownEntry.split(b, source: "t.md") }
            return .success((String(decoding: utf8[r.yaml], as: UTF8.self), String(decoding: utf8[r.body], as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [
        ("---\ntitle: x\n---\nbody\n", "title: x\n", "body\n"),
        ("--- \t\ntitle: x\n...\nbody", "title: x\n", "body"),
        ("---\ntitle: x\n---  \n", "title: x\n", ""),
        ("---\n---\n", "", ""),
        ("---\na: 1\n----\nb: 2\n---\nrest", "a: 1\n----\nb: 2\n", "rest"),
        ("---\na: 1\n -- -\n---", "a: 1\n -- -\n", ""),
    ])
    func splits(_ text: String, _ yaml: String, _ body: String) throws {
        let parts = try Self.split(text).get()
        #expect(parts.yaml == yaml)
        #expect(parts.body == body)
    }

    @Test(arguments: [
        ("title: x\n---\n", "no front matter"),
        (" ---\ntitle: x\n---\n", "no front matter"),
        ("----\ntitle: x\n---\n", "no front matter"),
        ("---\ntitle: x\n", "unterminated front matter"),
        ("---", "unterminated front matter"),
    ])
    func refuses(_ text: String, _ message: String) {
        guard case let .failure(rejection) = Self.split(text) else {
            Issue.record("split \(text.debugDescription)")
            return
        }
        #expect(rejection.message.hasPrefix(message), "\(rejection.message)")
        #expect(rejection.line == 1)
    }

    @Test func tooLongFrontMatterNamesTheLineItClosesOn() {
        let long = "---\n" + String(repeating: "a: b\n", count: MarkdownEntry.maxFrontMatterLines + 2) + "---\nbody"
        guard case let .failure(rejection) = Self.split(long) else {
            Issue.record("a front matter over the limit was split")
            return
        }
        #expect(rejection.message.contains("closes on line \(MarkdownEntry.maxFrontMatterLines + 4)"), "\(rejection.message)")
        #expect(Self.split(long.replacingOccurrences(of: "---\nbody", with: "")).failureMessage?.hasPrefix("unterminated") == true)
        // At the limit it is fine.
        let atLimit = "---\n" + String(repeating: "a: b\n", count: MarkdownEntry.maxFrontMatterLines - 1) + "---\nbody"
        #expect((try? Self.split(atLimit).get())?.body == "body")
    }
}

private extension Result where Failure == Rejection {
    var failureMessage: String? {
        if case let .failure(r) = self { return r.message }
        return nil
    }
}
