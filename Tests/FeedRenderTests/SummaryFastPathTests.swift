import Testing
import TestSupport
@testable import FeedRender

/// The byte-level shortcuts in `Summary.cut` and `XMLText.singleLine` give
/// exactly what the Character-level definitions give.
@Suite struct SummaryFastPathTests {
    /// `cut` as first written: grow the text word by word, counting Characters.
    static func referenceCut(_ text: String, limit: Int) -> String {
        var out = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let next = out.isEmpty ? String(word) : out + " " + word
            if next.count > limit - 1 {
                if out.isEmpty { return String(word.prefix(limit - 1)) + "…" }
                while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
                return out + "…"
            }
            out = next
        }
        return out
    }

    static let samples = [
        "", " ", "one", "  two  spaces ", "A sensor array, tuned for dawn; and (then) more words follow here",
        "Ünïcödé wörds mixed with ASCII ones and café crème", "e\u{301} combining \u{301}mark opens a word",
        String(repeating: "word ", count: 80), String(repeating: "x", count: 400), "tail, – (",
        "emoji 👩‍🔬 scientist and 🇩🇪 flag", "tab\tand\nnewline stay inside words here",
    ]

    @Test(arguments: samples)
    func cutMatchesTheDefinition(_ text: String) {
        for limit in [1, 2, 5, 12, 30, 240, 300] {
            #expect(Summary.cut(text, limit: limit) == Self.referenceCut(text, limit: limit), "limit \(limit)")
        }
    }

    @Test func randomProseCutsLikeTheDefinition() {
        let seed: UInt64 = 0xC07
        var rng = SplitMix(seed: seed)
        let words = ["a", "to", "sensor", "field,", "dawn;", "(team)", "logs", "x-ray", "über", "naïve", "—", "-", "", "  "]
        for round in 0..<5000 {
            let text = (0..<rng.next(60)).map { _ in words[rng.next(words.count)] }.joined(separator: " ")
            let limit = 1 + rng.next(79)
            #expect(Summary.cut(text, limit: limit) == Self.referenceCut(text, limit: limit),
                    "seed \(seed), round \(round): \(text.debugDescription) / \(limit)")
        }
    }

    @Test func plainAbsoluteLinksAreKeptAndOthersStillResolved() {
        #expect(LinkTarget.absolute("https://example.org/a/b?c=d#e", base: "https://x/") == "https://example.org/a/b?c=d#e")
        #expect(LinkTarget.absolute("http://example.org/", base: "https://x/") == "http://example.org/")
        #expect(LinkTarget.absolute("https://example.org/a b", base: "https://x/") == "https://example.org/a%20b")
        #expect(LinkTarget.absolute("https://example.org/%41", base: "https://x/") == "https://example.org/%41")
        #expect(LinkTarget.absolute("HTTPS://example.org/", base: "https://x/") == "HTTPS://example.org/")
        #expect(LinkTarget.absolute("https://", base: "https://x/") == "https://")
        #expect(LinkTarget.absolute("https://x.org/", base: "https://x/", schemes: ["mailto"]) == nil)
        #expect(LinkTarget.absolute("javascript:alert(1)", base: "https://x/") == nil)
        #expect(LinkTarget.absolute("../p", base: "https://x/a/b/") == "https://x/a/p")
    }

    @Test(arguments: samples + ["plain title", "Trailing ", " leading", "double  space", "ctrl\u{7F}", "nbsp\u{A0}x"])
    func singleLineMatchesTheDefinition(_ text: String) {
        #expect(XMLText.singleLine(text) == XMLText.sanitize(text).split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
    }

    /// `plain` on ASCII bytes gives what the Character definition gives:
    /// links (nested, unclosed, images), emphasis and code marks, inline
    /// tags (near and far), markers, whitespace of every kind.
    @Test func plainASCIIMatchesTheDefinition() {
        let seed: UInt64 = 0xA5C11
        var rng = SplitMix(seed: seed)
        let pieces = ["[", "]", "(", ")", "!", "*", "_", "`", "<", ">", "- ", "+ ", "> ", " ", "  ", "\t", "\n", "\u{0B}",
                      "word", "x", "[a](b)", "![i](p)", "<b>", String(repeating: "y", count: 210), "#", "\\"]
        for round in 0..<5000 {
            let text = (0..<rng.next(12)).map { _ in pieces[rng.next(pieces.count)] }.joined()
            let ascii = text.utf8.withContiguousStorageIfAvailable { Summary.plainASCII($0) }
            #expect(ascii == Summary.plainCharacters(text), "seed \(seed), round \(round): \(text.debugDescription)")
            #expect(Summary.plain(text) == Summary.plainCharacters(text))
            if ascii != Summary.plainCharacters(text) { return }
        }
        // Not ASCII, or with a carriage return: the Character path.
        #expect(Summary.plain("Zoë *x*\r\n[a](b)") == Summary.plainCharacters("Zoë *x*\r\n[a](b)"))
    }
}
