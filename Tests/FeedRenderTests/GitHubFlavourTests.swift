import Testing
@testable import FeedRender

/// What GitHub-flavoured Markdown adds to CommonMark, as a reader sees it
/// after the sanitiser: tables, strikethrough, bare links, and raw HTML
/// that is kept, filtered or dropped.
struct GitHubFlavourTests {
    static let base = "https://feeds.example.org/lab/"

    static func render(_ body: String) -> String {
        let html = HTMLContent.render(markdown: body, baseURL: base)
        HTMLContentTests.expectSafe(html)
        return html
    }

    @Test func tablesKeepTheirAlignment() {
        #expect(Self.render("| a | b | c |\n|:-:|--:|---|\n| 1 | [two](two.html) | 3 |")
                == #"<table><thead><tr><th align="center">a</th><th align="right">b</th><th>c</th></tr></thead>"#
                + #"<tbody><tr><td align="center">1</td><td align="right"><a href="https://feeds.example.org/lab/two.html">two</a></td>"#
                + "<td>3</td></tr></tbody></table>")
    }

    /// `~~` strikes; a single `~` is "about", even twice in a row.
    @Test func strikethroughNeedsTwoTildes() {
        #expect(Self.render("~~Closed~~ Open again.") == "<p><del>Closed</del> Open again.</p>")
        #expect(Self.render("Pays ~$90k–~$120k a year.") == "<p>Pays ~$90k–~$120k a year.</p>")
    }

    @Test func bareAddressesBecomeLinks() {
        #expect(Self.render("See https://example.org/a?b=1, www.example.org or jobs@example.org.")
                == #"<p>See <a href="https://example.org/a?b=1">https://example.org/a?b=1</a>, "#
                + #"<a href="http://www.example.org">www.example.org</a> or "#
                + #"<a href="mailto:jobs@example.org">jobs@example.org</a>.</p>"#)
        #expect(Self.render("`https://example.org/in-code`") == "<p><code>https://example.org/in-code</code></p>")
    }

    /// GFM's tag filter shows `script`, `iframe`, `style`, `title`,
    /// `textarea`, `xmp`, `noembed`, `noframes` and `plaintext` as written:
    /// never an element, and an unclosed one does not take the rest of the
    /// body with it (the sanitiser would drop it with everything inside).
    @Test(arguments: [
        "<script>alert(1)</script>", "<iframe src=\"https://evil.example/\"></iframe>", "<style>p { color: red }</style>",
        "<SCRIPT SRC=x.js>", "<title>", "<plaintext>", "<textarea>", "<xmp>", "<noembed>", "<noframes>",
    ])
    func disallowedTagsAreShownNeverRun(_ tag: String) throws {
        for body in ["Before \(tag) after.", "\(tag)\n\nAfter."] {
            let html = Self.render(body)
            let parsed = ParsedHTML(html)
            #expect(parsed.elements.allSatisfy { ["html", "body", "p"].contains($0) }, "\(html)")
            let text = try #require(HTMLContentTests.readerText(html))
            #expect(text.split(whereSeparator: \.isWhitespace) == body.split(whereSeparator: \.isWhitespace), "\(html)")
        }
    }

    /// Raw HTML reaches the sanitiser: allowed tags stay, others keep their
    /// text, comments and event handlers go.
    @Test func rawHTMLGoesThroughTheAllowlist() {
        #expect(Self.render("H<sub>2</sub>O at 10<sup>6</sup> K, <b>bold</b> and <span style=\"x\" onclick=\"y\">plain</span>.")
                == "<p>H<sub>2</sub>O at 10<sup>6</sup> K, <b>bold</b> and plain.</p>")
        #expect(Self.render("<div class=\"note\">\n<p>Inside a block.</p>\n</div>\n\n<!-- draft -->\nAfter.")
                == "<p>Inside a block.</p>\n<p>After.</p>")
    }

    /// The masking layer Ink needed swapped code out for `U+E000 n U+E001`
    /// and back, so body text holding such a token got a code span spliced in.
    @Test func privateUseCharactersStayVerbatim() {
        let token = "\u{E000}0\u{E001}"
        #expect(Self.render("Text \(token) and `x`.") == "<p>Text \(token) and <code>x</code>.</p>")
        #expect(Self.render("Code `\(token)` and \(token).") == "<p>Code <code>\(token)</code> and \(token).</p>")
        #expect(Self.render("```\n\(token)\n```") == "<pre><code>\(token)\n</code></pre>")
    }

    @Test func relativeReferencesBecomeAbsolute() {
        #expect(Self.render("[up](../x) ![i](img/p.png) [root][r] <mailto:a@example.org>\n\n[r]: /root?q=1#f")
                == #"<p><a href="https://feeds.example.org/x">up</a> <img src="https://feeds.example.org/lab/img/p.png" alt="i"/> "#
                + #"<a href="https://feeds.example.org/root?q=1#f">root</a> <a href="mailto:a@example.org">mailto:a@example.org</a></p>"#)
    }
}
