import FeedModel
import Testing
@testable import FeedRender

/// Inputs FuzzRender found that hung or trapped Ink, the Markdown renderer
/// before cmark-gfm. Each must render (the suite's time limit catches a
/// hang), as HTML that parses, safe, with every word of its text.
@Suite(.timeLimit(.minutes(1)))
struct PathologicalMarkdownTests {
    static let base = "https://x.example/"

    /// `body` rendered: checked safe and well-formed, as the text a reader sees.
    static func text(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let html = HTMLContent.render(markdown: body, baseURL: base)
        HTMLContentTests.expectSafe(html, sourceLocation: sourceLocation)
        return try #require(HTMLContentTests.readerText(html), "not well-formed: \(html)", sourceLocation: sourceLocation)
    }

    /// `*` then 40+ unmatched `[` made Ink's link reader backtrack exponentially.
    @Test(arguments: [200, 1000])
    func unmatchedBracketsRenderAsText(_ count: Int) throws {
        let body = "Body *" + String(repeating: "[", count: count)
        #expect(try Self.text(body) == body)
    }

    /// Stray `<` (no closing `>` on the line) sent Ink's raw-HTML reader into a loop.
    @Test func strayAngleBracketsRenderAsText() throws {
        let body = "\u{FFFD}\u{FFFD}e b<p;\u{FFFD}\u{FFFD}a\u{FFFD}]]\u{FFFD}*[[[s[<O"
        #expect(try Self.text(body) == body)
    }

    /// An unclosed backtick is not code, and the `<` after it is text.
    @Test func strayAngleAfterAnUnclosedBacktick() throws {
        let body = "z`p b<p;\u{FFFD}a]]*[[[s[<O"
        #expect(try Self.text(body) == body)
    }

    /// A list followed by a line of only whitespace at the very end made Ink index past the end and trap.
    @Test(arguments: [
        ("-\t\t\n8TF-\"\"\"\tU\t\t\t/\n\t", ["8TF-\"\"\"", "U", "/"]),
        ("- a\n  \n", ["a"]),
        ("1. x\n\t\t", ["x"]),
        ("- a\n    - b\n   ", ["a", "b"]),
    ])
    func listsEndingInWhitespaceDoNotTrap(_ body: String, _ words: [String]) throws {
        #expect(try Self.text(body).split(whereSeparator: \.isWhitespace) == words.map { Substring($0) })
        #expect(HTMLContent.render(markdown: body, baseURL: Self.base).contains("<li>"))
    }

    /// `\[` did not stop Ink from trying a link; brackets after a CR and a lone backtick still blew up.
    @Test func bracketsAfterACarriageReturnAndALoneBacktick() throws {
        let body = "z]]\r[[[s<@@ <\"" + String(repeating: "[", count: 40) + "`\u{FFFD}a]]"
        #expect(try Self.text(body) == body.replacingOccurrences(of: "\r", with: "\n"), "a lone CR ends a line")
    }

    /// A body opening with `---` sent Ink's metadata reader past the end of
    /// the text; in CommonMark it is a rule, and what follows is text.
    @Test(arguments: [("---\t\n```+_[[``", "```+_[[``"), ("---\nkey: value", "key: value"), ("  ---\n", "")])
    func aLeadingRuleIsNotMetadata(_ body: String, _ rest: String) throws {
        #expect(HTMLContent.render(markdown: body, baseURL: Self.base).hasPrefix("<hr/>"))
        #expect(try Self.text(body).trimmed() == rest)
    }

    /// Ink looped forever on a backslash-escaped tag. An escaped `<` or `[`
    /// is that character, never a tag or a link (the stray `</b>` after
    /// `\<b>` closes nothing, so it goes).
    @Test(arguments: [("\\<p>", "<p>"), ("a \\<b>x</b>", "a <b>x"), ("\\[x](y)", "[x](y)")])
    func backslashEscapesAreLiteral(_ body: String, _ shown: String) throws {
        #expect(try Self.text(body) == shown)
        let html = HTMLContent.render(markdown: body, baseURL: Self.base)
        #expect(!html.contains("<a ") && !html.contains("<b>"), "\(html)")
    }

    @Test func realTagsStillReachTheSanitiser() throws {
        let body = "A <b>bold</b> word and a < b comparison."
        let html = HTMLContent.render(markdown: body, baseURL: Self.base)
        #expect(html.contains("<b>bold</b>"))
        #expect(html.contains("&lt; b comparison"))
        #expect(try Self.text(body) == "A bold word and a < b comparison.")
    }

    @Test func nestedBracketsWithoutATargetRenderAsText() throws {
        let body = String(repeating: "[", count: 60) + "x" + String(repeating: "]", count: 60)
        #expect(try Self.text(body) == body)
        #expect(!HTMLContent.render(markdown: body, baseURL: Self.base).contains("<a "))
    }

    @Test func realLinksStillWork() throws {
        let body = "See [the paper](https://x.example/p) and [ref][1].\n\n[1]: https://x.example/r"
        let html = HTMLContent.render(markdown: body, baseURL: Self.base)
        #expect(html.contains("href=\"https://x.example/p\""))
        #expect(html.contains("href=\"https://x.example/r\""))
        #expect(try Self.text(body) == "See the paper and ref.")
    }

    @Test func bracketsInCodeAreLeftAlone() throws {
        let html = HTMLContent.render(markdown: "Use `a[i]` here.", baseURL: Self.base)
        #expect(html == "<p>Use <code>a[i]</code> here.</p>")
    }
}
