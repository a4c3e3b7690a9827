import Testing
import FeedModel
@testable import FeedParse

/// The byte-level shortcuts for whitespace and keys give what the
/// Character- and scalar-based definitions give.
struct TextFastPathTests {
    static let samples = [
        "", " ", "plain", "  two  words  ", "a\tb\nc\r\nd\u{0B}e\u{0C}f", "Zoë  Müller", "Amélie\tGarcía ",
        "a\u{A0}b", "a\u{85}b", " \u{301}x", "e\u{301} y", "x\u{2003}y", "\u{3000}wide\u{3000}", "日本 語",
        "ǅ ɐ ɏ", "tail\u{2028}", "  \n ", "R&D Engineer <Compilers>", "a/b.c~d", "--x--", "ends./", "Ünïcödé key",
    ]

    @Test func collapseWhitespaceMatchesCharacters() {
        for s in Self.samples {
            #expect(collapseWhitespace(s) == s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "), "\(s.debugDescription)")
        }
    }

    @Test func trimmedMatchesScalars() {
        for s in Self.samples {
            let scalars = s.unicodeScalars
            var expected = ""
            if let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
               let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) {
                expected = String(scalars[first...last])
            }
            #expect(s.trimmed() == expected, "\(s.debugDescription)")
            #expect(s[...].trimmed() == expected, "\(s.debugDescription)")
        }
    }

    @Test func asciiKeysAreSanitizedAsBefore() {
        #expect(EntryKey(sanitizing: "  a b//c..  ").rawValue == "a-b//c")
        #expect(EntryKey(sanitizing: "R&D Engineer <Compilers>").rawValue == "R-D-Engineer-Compilers")
        #expect(EntryKey(sanitizing: "x-/").rawValue == "x")
        #expect(EntryKey(sanitizing: "jobs/crlf-bom").rawValue == "jobs/crlf-bom")
        #expect(EntryKey(sanitizing: "Zoë x").rawValue == "Zo%C3%AB-x")
    }
}
