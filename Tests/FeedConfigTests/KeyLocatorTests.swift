import Testing
import TestSupport
@testable import FeedConfig

@Suite struct KeyLocatorTests {
    @Test func findsKeysUnderHeadersDottedKeysAndInlineTables() {
        let text = """
            top = 1                      # line 1
            "quoted key".x = 2
            poem = \"\"\"
            fake = 3
            [not.a.table]
            \"\"\"
            lit = '''
            also = "fake"
            '''
            [site]                       # line 10
            title = "a # not a comment"
            [[feed]]
            name = "a"
            [[feed]]                     # line 14
              cap  =  5
            list = [
              1,  # comment
              { deep = true },
            ]
            [feed.extra]                 # line 20: extends feed[1]
            k = 'v'
            """
        let locator = KeyLocator(text: text)
        #expect(locator.exactLine(of: [.key("top")]) == 1)
        #expect(locator.exactLine(of: [.key("quoted key"), .key("x")]) == 2)
        #expect(locator.exactLine(of: [.key("poem")]) == 3)
        #expect(locator.exactLine(of: [.key("fake")]) == nil)
        #expect(locator.exactLine(of: [.key("not")]) == nil)
        #expect(locator.exactLine(of: [.key("lit")]) == 7)
        #expect(locator.exactLine(of: [.key("also")]) == nil)
        #expect(locator.exactLine(of: [.key("site")]) == 10)
        #expect(locator.exactLine(of: [.key("site"), .key("title")]) == 11)
        #expect(locator.exactLine(of: [.key("feed")]) == 12)
        #expect(locator.exactLine(of: [.key("feed"), .index(0), .key("name")]) == 13)
        #expect(locator.exactLine(of: [.key("feed"), .index(1)]) == 14)
        #expect(locator.exactLine(of: [.key("feed"), .index(1), .key("cap")]) == 15)
        #expect(locator.exactLine(of: [.key("feed"), .index(1), .key("list"), .index(1), .key("deep")]) == 18)
        #expect(locator.exactLine(of: [.key("feed"), .index(1), .key("extra"), .key("k")]) == 21)
        // Missing keys fall back to the closest ancestor.
        #expect(locator.line(of: [.key("feed"), .index(0), .key("kind")]) == 12)
        #expect(locator.line(of: [.key("nowhere")]) == nil)
    }

    @Test func pathsPrintTheWayTheyAreWritten() {
        #expect(TOMLKeyPath([.key("feed"), .index(1), .key("cap")]).description == "feed[1].cap")
        #expect(TOMLKeyPath([.key("a b"), .key("c")]).description == "\"a b\".c")
        #expect(TOMLKeyPath.root.description == "")
    }
}

@Suite struct KeyLocatorRobustness {
    /// Mangled documents (truncated, bytes swapped for TOML punctuation)
    /// must neither crash nor hang the locator or the loader.
    /// toml++ 3.4 asserts (aborts) on these instead of reporting an error.
    @Test(arguments: [
        ("[#feed]]\n", 1, "in table header"),
        ("a = 1\n  [\n", 2, "in table header"),
        ("[[ +x]]", 1, "in table header"),
        ("[\u{00E9}]", 1, "in table header"),
        ("a = 1\nx = [ 1,\n }", 3, "in array"),
        ("x = [}", 1, "in array"),
        ("x = [ # c\n  \u{2028} ]", 2, "in array"),
        ("x = [[1], \u{85}]", 1, "in array"),
        ("d = 1979-05-27 0\n", 1, "in value"),
        ("d = [1979-05-27 0]", 1, "in value"),
        ("d = { a = 1979-05-27 1 }", 1, "in value"),
    ])
    func inputTomlPlusPlusWouldAssertOnIsASyntaxError(_ text: String, line: Int, place: String) throws {
        let error = try #require(parseError(text))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("TOML syntax error \(place)"))
    }

    @Test func nestedArraysAndStringsAreNotMistakenForHeaders() throws {
        let text = "x = [\n  [\n    +1 ],\n  [ 'a' ],\n]\ns = \"\"\"\n[#x\n\"\"\"\nt = \'\'\'\n[ \n\'\'\'\n"
        #expect(KeyLocator(text: text).unsafeSyntax == nil)
        // toml++ agrees that this is valid TOML; only the schema rejects it.
        let error = try #require(parseError(text))
        #expect(error.all.map(\.key) == ["x", "s", "t"])
        #expect(error.all.map(\.line) == [1, 6, 9])
    }

    /// A crash is the failure here, so the rounds run in a process of their
    /// own: the test then fails (naming the seed) instead of taking the
    /// whole run down with it.
    @Test func survivesMangledInput() async {
        let seed = SplitMix.seed(default: 29)
        await #expect(processExitsWith: .success, "seed \(seed): a mangled config crashed KeyLocator or ConfigLoader") {
            [seed = seed as UInt64] in
            let base = Array(fullConfig.utf8) + Array("\nx = \"\"\"a\\\n\"\"\"\ny = [ {a=1}, [2, '3'] ]\n".utf8)
            let punctuation = Array("[]{}\"'=.,#\\\n ".utf8)
            var rng = SplitMix(seed: seed)
            for round in 0..<2000 {
                var bytes = Array(base.prefix(base.count - round % 40))
                for _ in 0..<(1 + rng.next(6)) {
                    bytes[rng.next(bytes.count)] = punctuation[rng.next(punctuation.count)]
                }
                let text = String(decoding: bytes, as: UTF8.self)
                _ = KeyLocator(text: text)
                _ = try? ConfigLoader.parse(text, file: "f", baseDirectory: "/")
            }
        }
    }
}
