import Foundation
import Testing
import FeedModel
@testable import FeedRender

struct HTMLContentTests {
    static let base = "https://feeds.example.org/lab/"
    static let allowedElements: Set<String> = [
        "html", "body", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
        "em", "strong", "b", "i", "del", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "sup", "sub",
    ]
    static let allowedAttributes: Set<String> = ["href", "title", "src", "alt", "start", "align", "class"]

    /// What every rendered body must satisfy, whatever it came from.
    static func expectSafe(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let parsed = ParsedHTML(html)
        let extra = Set(parsed.elements).subtracting(allowedElements)
        #expect(extra.isEmpty, "elements outside the allowlist: \(extra)", sourceLocation: sourceLocation)
        for (element, name, value) in parsed.attributes {
            #expect(allowedAttributes.contains(name), "\(element) has \(name)", sourceLocation: sourceLocation)
            if name == "href" || name == "src" {  // so no javascript:, vbscript:, data: …
                #expect(value.hasPrefix("https://") || value.hasPrefix("http://") || value.hasPrefix("mailto:"),
                        "\(element) \(name)=\(value) is not an absolute web link", sourceLocation: sourceLocation)
            }
        }
        let lower = html.lowercased()
        for needle in ["<script", "<style", "<iframe", "<svg", "<math", "<object", "<embed", "<form", "<input", "onerror", "onclick",
                       "onload", "style=", "<!--", "<?", "<![cdata["] {
            #expect(!lower.contains(needle), "\(needle) reached the output", sourceLocation: sourceLocation)
        }
        #expect(!html.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value)
            || $0.value == 0xFFFE || $0.value == 0xFDD0 }, "control characters removed", sourceLocation: sourceLocation)
    }

    /// The text a reader shows for `html`, or nil when `html` is not
    /// well-formed XML (as a feed's `content type="html"` must be to survive
    /// readers that parse it strictly).
    static func readerText(_ html: String) -> String? {
        ParsedFeed(Array("<div>\(html)</div>".utf8))?.strings("/div").first
    }

    @Test func markdownBecomesAllowedHTML() {
        let html = HTMLContent.render(markdown: Sample.richBody, baseURL: Self.base)
        Self.expectSafe(html)
        #expect(html.contains(#"<a href="https://feeds.example.org/papers/b.pdf">relative link</a>"#))
        #expect(html.contains(#"<a href="https://feeds.example.org/about">rooted one</a>"#))
        #expect(html.contains(#"<img src="https://feeds.example.org/lab/img/b.png" alt="diagram" title="Figure 1"/>"#))
        #expect(html.contains("<strong>bold</strong>"))
        #expect(html.contains("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"), "one block a line")
        #expect(html.contains(#"<th align="left">name</th><th align="right">value</th>"#))
        #expect(html.contains(#"<pre><code class="language-swift">let ok = 1 &lt; 2 &amp;&amp; 3 &gt; 2"#))
    }

    @Test func hostileBodyIsDefused() {
        let html = HTMLContent.render(markdown: Sample.hostileBody, baseURL: Self.base)
        Self.expectSafe(html)
        let parsed = ParsedHTML(html)
        #expect(parsed.text.contains("Intro"), "text around removed elements stays")
        #expect(parsed.text.contains("styled"))
        #expect(parsed.text.contains("form text"), "unknown elements keep their text")
        #expect(parsed.text.contains("]]>"), "]]> is just text")
        // GFM's tag filter: the tags it disallows are shown as written, never run.
        #expect(parsed.text.contains("Intro <script>alert(1)</script> text"))
        #expect(parsed.text.contains("<style>body { display: none }</style>"))
        #expect(!parsed.elements.contains("script") && !parsed.elements.contains("style") && !parsed.elements.contains("iframe"))
        #expect(parsed.text.contains("lonely cell") && parsed.text.contains("nested"))
        #expect(parsed.elements.filter { $0 == "a" }.count == 3, "only the three web links stay links: \(html)")
    }

    @Test func markdownLinksToScriptsAreText() {
        let html = HTMLContent.render(markdown: "[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](vbscript:msgbox(1)) "
                                      + "[d](data:text/html;base64,PHNjcmlwdD4=) ![i](javascript:alert(3)) [ok](mailto:a@example.org)",
                                      baseURL: Self.base)
        let parsed = ParsedHTML(html)
        #expect(parsed.attributes.map(\.2) == ["mailto:a@example.org"], "\(html)")
        #expect(parsed.elements.filter { $0 == "img" }.isEmpty)
        #expect(parsed.text.contains("x") && parsed.text.contains("ok"))
    }

    @Test(arguments: [
        ("../x", "https://feeds.example.org/x"),
        ("./a/./b/../c?q=1#f", "https://feeds.example.org/lab/a/c?q=1#f"),
        ("/root", "https://feeds.example.org/root"),
        ("//cdn.example.org/i.png", "https://cdn.example.org/i.png"),
        ("#frag", "https://feeds.example.org/lab/#frag"),
        ("a b/ü\"<>", "https://feeds.example.org/lab/a%20b/%C3%BC%22%3C%3E"),
        ("HTTPS://Example.org/x", "HTTPS://Example.org/x"),
        ("mailto:jobs@example.org", "mailto:jobs@example.org"),
        ("/\\evil.example/", "https://feeds.example.org/%5Cevil.example/"),
    ])
    func linksBecomeAbsolute(_ ref: String, _ expected: String) {
        #expect(LinkTarget.absolute(ref, base: Self.base) == expected)
    }

    @Test(arguments: ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "java\tscript:alert(1)", "java\nscript:x", "data:text/html,x",
                      "vbscript:x", "file:///etc/passwd", "", "  "])
    func unsafeLinksAreRefused(_ ref: String) {
        #expect(LinkTarget.absolute(ref, base: Self.base) == nil)
    }

    @Test func autolinksBecomeLinks() {
        let html = HTMLContent.render(markdown: "Write to <jobs@example.org> or see <https://example.org/a?b=1>.\n\n"
                                      + "```\n<keep@me.org>\n```\n\nCode `<x@y.org>` and <b>bold</b>.", baseURL: Self.base)
        #expect(html.contains(#"<a href="mailto:jobs@example.org">jobs@example.org</a>"#), "\(html)")
        #expect(html.contains(#"<a href="https://example.org/a?b=1">https://example.org/a?b=1</a>"#))
        #expect(html.contains("&lt;keep@me.org&gt;"))
        #expect(html.contains("<b>bold</b>"))
    }

    @Test func emptyAndWhitespaceBodiesGiveNothing() {
        #expect(HTMLContent.render(markdown: "", baseURL: Self.base) == "")
        #expect(HTMLContent.render(markdown: " \n\n\t", baseURL: Self.base) == "")
        #expect(HTMLContent.sanitize(html: "<script>x</script>", baseURL: Self.base) == "")
    }

    @Test func deepNestingIsCutNotCrashing() {
        let deep = String(repeating: "<em>", count: 5000) + "deep" + String(repeating: "</em>", count: 5000)
        let html = HTMLContent.sanitize(html: deep, baseURL: Self.base)
        Self.expectSafe(html)
    }

    /// cmark-gfm sets and clears the characters its inline extensions
    /// react to (`~`, `:`, `w`) in one table for the whole process on every
    /// parse: renders on every core at once (as the daemon runs them) must
    /// give what one render gives.
    @Test func concurrentRendersAgree() {
        let body = String(repeating: "Was ~~struck~~ at https://example.org/a, www.example.org and **bold**.\n\n", count: 30)
        let expected = HTMLContent.render(markdown: body, baseURL: Self.base)
        #expect(expected.contains("<del>struck</del>") && expected.contains(#"<a href="http://www.example.org">"#))
        final class Differences: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
        }
        let differences = Differences()
        DispatchQueue.concurrentPerform(iterations: 2000) { _ in
            if HTMLContent.render(markdown: body, baseURL: Self.base) != expected {
                differences.lock.withLock { differences.count += 1 }
            }
        }
        #expect(differences.count == 0, "\(differences.count) of 2000 concurrent renders differ")
    }

    @Test func sameInputSameOutput() {
        #expect(HTMLContent.render(markdown: Sample.hostileBody, baseURL: Self.base)
                == HTMLContent.render(markdown: Sample.hostileBody, baseURL: Self.base))
    }
}
