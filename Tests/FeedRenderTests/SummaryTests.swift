import Testing
@testable import FeedRender

/// Summaries and one-line values as readers see them: the first paragraph
/// without markup, cut at a word; titles on one line.
@Suite struct SummaryTests {
    @Test(arguments: [
        ("A sensor array, tuned for dawn; and (then) more words follow here", 30, "A sensor array, tuned for…"),
        ("A sensor array, tuned for dawn; and (then) more words follow here", 300, "A sensor array, tuned for dawn; and (then) more words follow here"),
        ("tail, – (", 7, "tail…"),
        ("  two  spaces ", 300, "two spaces"),
        (String(repeating: "x", count: 400), 5, "xxxx…"),
        ("Ünïcödé wörds mixed with ASCII ones", 12, "Ünïcödé…"),
        ("e\u{301}e\u{301}e\u{301} combining marks count as one character", 5, "e\u{301}e\u{301}e\u{301}…"),
        ("emoji 👩‍🔬 scientist", 9, "emoji 👩‍🔬…"),
        ("", 10, ""),
    ] as [(String, Int, String)])
    func cutsAtAWord(_ text: String, _ limit: Int, _ expected: String) {
        #expect(Summary.cut(text, limit: limit) == expected)
        #expect(Summary.cut(text, limit: limit).count <= max(limit, 1), "never longer than the limit")
    }

    @Test(arguments: [
        ("See [the paper](https://x.example/p) and ![a figure](f.png).", "See the paper and a figure."),
        ("*Emphasis*, __strong__ and `code` marks go", "Emphasis, strong and code marks go"),
        ("A <b>bold</b> word and a < b comparison", "A bold word and a < b comparison"),
        ("- a list item\twith  tabs\nand a second line", "a list item with tabs and a second line"),
        ("> quoted", "quoted"),
        ("[unclosed link (and more)", "[unclosed link (and more)"),
        ("Zoë\u{A0}\u{A0}Müller\r\n*x*", "Zoë Müller x"),
    ])
    func plainTextKeepsTheWords(_ markdown: String, _ expected: String) {
        #expect(Summary.plain(markdown) == expected)
    }

    @Test func theSummaryIsTheFirstParagraphAfterHeadings() {
        #expect(Summary.paragraph(markdown: "# Title\n\nFirst *para*\ngoes on.\n\nSecond.") == "First para goes on.")
        #expect(Summary.of(markdown: "\n\n   \nOnly [one](x).") == "Only one.")
    }

    @Test(arguments: [
        ("plain title", "plain title"), ("Trailing ", "Trailing"), ("  double  space\n\tand lines ", "double space and lines"),
        ("ctrl\u{7F}char", "ctrlchar"), ("nbsp\u{A0}\u{A0}x", "nbsp x"), ("nul\u{0}cut", "nulcut"), ("line\u{2028}sep", "line sep"),
    ])
    func singleLineValues(_ text: String, _ expected: String) {
        #expect(XMLText.singleLine(text) == expected)
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
}
