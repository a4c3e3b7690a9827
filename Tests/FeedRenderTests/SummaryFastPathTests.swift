import Testing
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

    @Test(arguments: samples + ["plain title", "Trailing ", " leading", "double  space", "ctrl\u{7F}", "nbsp\u{A0}x"])
    func singleLineMatchesTheDefinition(_ text: String) {
        #expect(XMLText.singleLine(text) == XMLText.sanitize(text).split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
    }
}
