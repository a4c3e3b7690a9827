import Testing
@testable import FeedRender

/// Inputs the fuzzers found slow; each must render (the suite's time limit
/// catches a return of exponential behaviour) and keep its text.
@Suite(.timeLimit(.minutes(1)))
struct PathologicalMarkdownTests {
    /// FuzzRender: `*` then 40+ unmatched `[` made Ink's link reader backtrack exponentially.
    @Test(arguments: [200, 1000])
    func unmatchedBracketsRenderAsText(_ count: Int) {
        let html = HTMLContent.render(markdown: "Body *" + String(repeating: "[", count: count), baseURL: "https://x.example/")
        #expect(html.contains(String(repeating: "[", count: count)))
    }

    /// FuzzRender: stray `<` (no closing `>` on the line) sent Ink's raw-HTML reader into a loop.
    @Test func strayAngleBracketsRenderAsText() {
        let body = "\u{FFFD}\u{FFFD}e b<p;\u{FFFD}\u{FFFD}a\u{FFFD}]]\u{FFFD}*[[[s[<O"
        let html = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
        #expect(html.contains("&lt;p;") || html.contains("<p;") == false)
        #expect(html.contains("O"))
    }

    /// FuzzRender: an unclosed backtick is not code to Ink, so the `<` after it must be defused too.
    @Test func strayAngleAfterAnUnclosedBacktick() {
        let body = "z`p b<p;\u{FFFD}a]]*[[[s[<O"
        let html = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
        #expect(html.contains("O"))
    }

    /// FuzzRender: a list followed by a line of only whitespace at the very end made Ink index past the end and trap.
    @Test(arguments: ["-\t\t\n8TF-\"\"\"\tU\t\t\t/\n\t", "- a\n  \n", "1. x\n\t\t", "- a\n    - b\n   "])
    func listsEndingInWhitespaceDoNotTrap(_ body: String) {
        _ = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
    }

    /// FuzzRender: `\[` does not stop Ink from trying a link; brackets after a CR and a lone backtick still blew up.
    @Test func bracketsAfterACarriageReturnAndALoneBacktick() {
        let body = "z]]\r[[[s<@@ <\"" + String(repeating: "[", count: 40) + "`\u{FFFD}a]]"
        let html = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
        #expect(html.contains("a]]"))
    }

    /// FuzzRender: a body opening with `---` sent Ink's metadata reader past the end of the text.
    @Test(arguments: ["---\t\n```+_[[``", "---\nkey: value", "  ---\n"])
    func aLeadingRuleIsNotMetadata(_ body: String) {
        _ = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
    }

    /// FuzzRender: Ink looped forever on a backslash-escaped tag.
    @Test(arguments: ["\\<p>", "a \\<b>x</b>", "\\[x](y)"])
    func backslashEscapesAreLiteral(_ body: String) {
        let html = HTMLContent.render(markdown: body, baseURL: "https://x.example/")
        #expect(!html.isEmpty)
    }

    @Test func realTagsStillReachTheSanitiser() {
        let html = HTMLContent.render(markdown: "A <b>bold</b> word and a < b comparison.", baseURL: "https://x.example/")
        #expect(html.contains("<b>bold</b>"))
        #expect(html.contains("&lt; b comparison"))
    }

    @Test func nestedBracketsWithoutATargetRenderAsText() {
        let text = String(repeating: "[", count: 60) + "x" + String(repeating: "]", count: 60)
        let html = HTMLContent.render(markdown: text, baseURL: "https://x.example/")
        #expect(html.contains("x"))
        #expect(!html.contains("<a "))
    }

    @Test func realLinksStillWork() {
        let html = HTMLContent.render(markdown: "See [the paper](https://x.example/p) and [ref][1].\n\n[1]: https://x.example/r", baseURL: "https://x.example/")
        #expect(html.contains("href=\"https://x.example/p\""))
        #expect(html.contains("href=\"https://x.example/r\""))
    }

    @Test func bracketsInCodeAreLeftAlone() {
        let html = HTMLContent.render(markdown: "Use `a[i]` here.", baseURL: "https://x.example/")
        #expect(html.contains("a[i]"))
        #expect(!html.contains("\\["))
    }
}
