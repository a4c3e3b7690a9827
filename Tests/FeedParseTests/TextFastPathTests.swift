import Foundation
import Testing
import TestSupport
import FeedModel
@testable import FeedParse

/// Whitespace and keys: the byte-level implementations give what the
/// scalar-based definitions give.
struct TextFastPathTests {
    static let samples = [
        "", " ", "plain", "  two  words  ", "a\tb\nc\r\nd\u{0B}e\u{0C}f", "Zoë  Müller", "Amélie\tGarcía ",
        "a\u{A0}b", "a\u{85}b", " \u{301}x", "e\u{301} y", "x\u{2003}y", "\u{3000}wide\u{3000}", "日本 語",
        "ǅ ɐ ɏ", "tail\u{2028}", "  \n ", "R&D Engineer <Compilers>", "a/b.c~d", "--x--", "ends./", "Ünïcödé key",
    ]

    /// Runs of Unicode White_Space made one space, the ends dropped (on
    /// scalars: a combining mark after a space stays, where a split on
    /// Characters would drop it with the space).
    static func definition(_ s: String) -> String {
        String(decoding: CollapseTests.reference(Array(s.utf8)), as: UTF8.self)
    }

    @Test func collapsingWhitespaceMatchesTheDefinition() {
        for s in Self.samples {
            #expect(s.collapsingWhitespace() == Self.definition(s), "\(s.debugDescription)")
        }
        #expect(" \u{301}x".collapsingWhitespace() == "\u{301}x")
        #expect("Amélie\tGarcía ".collapsingWhitespace() == "Amélie García")
    }

    /// Long texts (the byte path checks sixteen bytes at a time): every
    /// mix of words, single and double spaces, other whitespace and
    /// non-ASCII letters collapses as the definition says.
    @Test func longTextsCollapseAsTheDefinitionSays() {
        let pieces = ["word", "a", " ", " ", " ", "  ", "\t", "\n", "\r\n", "é", "Zoë", "日本", "\u{A0}", "\u{2003}", "x\u{301}", "-", "0123456789"]
        let seed = SplitMix.seed(default: 11)
        var rng = SplitMix(seed: seed)
        for round in 0..<5000 {
            var s = ""
            for _ in 0..<(1 + rng.next(40)) { s += pieces[rng.next(pieces.count)] }
            #expect(s.collapsingWhitespace() == Self.definition(s), "seed \(seed) round \(round): \(s.debugDescription)")
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

    /// Every text of up to five characters from an alphabet of kept,
    /// dash-making and trimmed characters: the same key as the definition
    /// (unsafe characters become a dash, runs of dashes collapse, no dash
    /// first, no dash, slash or dot last), whether or not the text is
    /// already clean and returned as it is.
    @Test func asciiKeysMatchTheDefinition() {
        let alphabet: [Character] = ["a", "Z", "7", "-", "/", ".", " ", "&", "_"]
        func reference(_ s: String) -> String {
            var out = ""
            var lastDash = true
            for c in s {
                if c.isLetter || c.isNumber || "._~/:@!$'()*+,;=".contains(c) {
                    out.append(c)
                    lastDash = false
                } else if !lastDash {
                    out.append("-")
                    lastDash = true
                }
            }
            while out.hasSuffix("-") || out.hasSuffix("/") || out.hasSuffix(".") { out.removeLast() }
            return out
        }
        var texts = [""]
        for _ in 0..<5 {
            texts = texts.flatMap { t in alphabet.map { t + String($0) } }
            for t in texts { #expect(EntryKey(sanitizing: t).rawValue == reference(t), "\(t.debugDescription)") }
        }
    }
}

/// `SourceText` checks 32 and 8 bytes at a time: a bad byte is found, on its
/// line, wherever it falls in a block.
@Suite struct SourceTextBlockTests {
    @Test func aBadByteIsFoundAtEveryOffset() {
        for offset in 0..<100 {
            for bad: [UInt8] in [[0x01], [0x7F - 0x7F], [0x1F], [0x80], [0xC3], [0xEF, 0xBF, 0xBE], [0xFF]] {
                var bytes = Array(String(repeating: "abcdefghij", count: 11).utf8)
                bytes.insert(0x0A, at: 5)  // the bad byte is on line 2 when it comes after this
                bytes.insert(contentsOf: bad, at: offset)
                let line = offset <= 5 ? 1 : 2
                #expect(throws: Rejection.self, "offset \(offset) bytes \(bad)") { try SourceText.validated(bytes, source: "x.md") }
                do { _ = try SourceText.validated(bytes, source: "x.md") } catch { #expect(error.line == line, "offset \(offset)") }
            }
        }
    }

    /// A bad byte after long stretches of clean text and every kind of line
    /// end (LF, CR LF, a lone CR) is reported on its line.
    @Test func theLineCountsEveryKindOfLineEnd() {
        let pieces = ["plain words here", "é", "\t", "\n", "\r\n", "\r", "a much longer run of plain words to cross blocks", "\n\n"]
        let seed = SplitMix.seed(default: 5)
        var rng = SplitMix(seed: seed)
        for round in 0..<2000 {
            var text = ""
            for _ in 0..<(1 + rng.next(30)) { text += pieces[rng.next(pieces.count)] }
            var bytes = Array(text.utf8)
            // Anywhere but inside a character.
            var at = rng.next(bytes.count + 1)
            while at < bytes.count, bytes[at] & 0xC0 == 0x80 { at += 1 }
            bytes.insert(0x00, at: at)
            let prefix = String(decoding: bytes[..<at], as: UTF8.self)
            let line = prefix.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .utf8.filter { $0 == 0x0A }.count + 1
            do {
                _ = try SourceText.validated(bytes, source: "x.md")
                Issue.record("seed \(seed) round \(round): no rejection for a NUL at \(at) of \(text.debugDescription)")
            } catch {
                #expect(error.line == line, "seed \(seed) round \(round): \(text.debugDescription) NUL at \(at)")
            }
        }
    }

    /// Clean text of every length up to a few blocks, ending at any offset of
    /// a block and without a final line feed: nothing is read past its end
    /// (a file of 32·k printable bytes once was, and reported a NUL byte).
    @Test func cleanTextOfEveryLengthPasses() throws {
        for length in 0..<200 {
            let bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            #expect(try SourceText.validated(bytes, source: "x.md") == bytes, "length \(length)")
            let withBOM = [0xEF, 0xBB, 0xBF] + bytes
            #expect(try SourceText.validated(withBOM, source: "x.md") == bytes, "length \(length) after a BOM")
        }
        let big = [UInt8](repeating: UInt8(ascii: "["), count: 200_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 200_000)
        #expect(try SourceText.validated(big, source: "x.json") == big)
    }

    @Test func cleanTextIsReturnedAsIs() throws {
        let text = Array((String(repeating: "Prose with ü and tabs\tand lines.\n", count: 10)).utf8)
        #expect(try SourceText.validated(text, source: "x.md") == text)
        #expect(try SourceText.validated([0xEF, 0xBB, 0xBF] + text, source: "x.md") == text)
        #expect(try SourceText.validated(Array("a\r\nb\rc".utf8), source: "x.md") == Array("a\nb\nc".utf8))
    }
}
