import Testing
import TestSupport
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
        ("ab\r\ncd ef", 6, "ab\r\ncd…"),  // CR LF is one Character: the word is 5 long, not 6
        ("x", 0, "…"),
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

/// What XML (and readers) cannot take is dropped from every text, read on
/// the UTF-8 bytes: held to the definition on code points over random text.
@Suite struct XMLTextTests {
    static func unwanted(_ v: UInt32) -> Bool {
        (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || (0x7F...0x9F).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE
    }

    @Test func sanitizeDropsExactlyTheUnwantedCharacters() {
        let seed = SplitMix.seed(default: 0x5A17)
        var rng = SplitMix(seed: seed)
        let pieces: [UInt32] = [0x41, 0x20, 0x09, 0x0A, 0x0D, 0x00, 0x01, 0x1F, 0x7E, 0x7F, 0x80, 0x85, 0x9F, 0xA0, 0xE9, 0x2014,
                                0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFFFD, 0xFFFE, 0xFFFF, 0x1F600, 0x1FFFE, 0x1FFFF, 0x1F7FE,
                                0x1EFFE, 0x2FFFF, 0x10FFFE, 0x10FFFF, 0x10FFFD]
        for round in 0..<3000 {
            // Long runs of plain ASCII, so the sixteen-byte path is taken between the others.
            let scalars = (0..<rng.next(60)).map { _ in rng.next(3) == 0 ? pieces[rng.next(pieces.count)] : 0x61 + UInt32(rng.next(26)) }
            let text = String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
            let expected = String(String.UnicodeScalarView(text.unicodeScalars.filter { !Self.unwanted($0.value) }))
            #expect(XMLText.sanitize(text) == expected, "seed \(seed) round \(round): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            if XMLText.sanitize(text) != expected { return }
        }
    }
}
