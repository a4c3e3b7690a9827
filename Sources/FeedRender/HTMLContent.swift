import Ink

/// Entry bodies as the HTML that feeds carry in `content type="html"`, RSS
/// `description` and JSON Feed `content_html`.
///
/// Markdown becomes HTML through Ink; that HTML (which passes raw HTML in the
/// body through) is then rebuilt from libxml2's HTML parse tree keeping only
/// an allowlist (see `HTMLSanitizer`), so what a reader renders is the same
/// whatever the body held. The result is text: writers escape it once more
/// as XML character data, never CDATA.
public enum HTMLContent {
    /// Markdown → sanitised HTML with absolute links.
    ///
    /// - Parameter baseURL: absolute URL relative links and images are resolved against.
    public static func render(markdown: String, baseURL: String) -> String {
        let body = tidyWhitespace(XMLText.sanitize(markdown))
        guard !body.isEmpty else { return "" }
        // Ink never sees code: fenced blocks and backtick spans are taken out
        // and rendered here, so every `[` and `<` Ink does see can be defused.
        var (prose, code) = extractingCode(body)
        // A first line `---` makes Ink read "metadata", and its reader runs
        // past the end of an unclosed block (found by FuzzRender); `***` is
        // the same horizontal rule without that.
        if let firstLine = prose.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first,
           firstLine.trimmed() == "---" {
            prose = "***" + prose.dropFirst(firstLine.count)
        }
        var html = MarkdownParser().html(from: defusingAngles(defusingBrackets(expandingAutolinks(prose))))
        for (index, fragment) in code.enumerated().reversed() {
            let token = codeToken(index)
            html = html.replacingOccurrences(of: "<p>\(token)</p>", with: fragment)
                .replacingOccurrences(of: token, with: fragment)
        }
        return sanitize(html: html, baseURL: baseURL)
    }

    /// A placeholder Ink passes through as text (private-use characters and digits).
    static func codeToken(_ index: Int) -> String { "\u{E000}\(index)\u{E001}" }

    /// Fenced blocks (a line starting with three or more backticks, to the
    /// next such line or the end) and backtick spans closed on their line,
    /// replaced by tokens; returns the text and the HTML of each piece.
    static func extractingCode(_ markdown: String) -> (String, [String]) {
        guard markdown.utf8.contains(UInt8(ascii: "`")) else { return (markdown, []) }
        var code: [String] = []
        var out: [String] = []
        var fence: [Substring]?
        var language = ""
        func open() -> String {
            language.isEmpty ? "<pre><code>" : "<pre><code class=\"language-\(language)\">"
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let block = fence {
                    code.append(open() + escape(block.joined(separator: "\n")) + "</code></pre>")
                    out.append("")
                    out.append(codeToken(code.count - 1))
                    out.append("")
                    fence = nil
                } else {
                    fence = []
                    language = String(line.drop(while: { $0 == "`" }).prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber || "+-_".contains($0)) }))
                }
                continue
            }
            if fence != nil {
                fence?.append(line)
                continue
            }
            var text = ""
            var rest = line[...]
            while let open = rest.firstIndex(of: "`") {
                let after = rest[rest.index(after: open)...]
                guard let close = after.firstIndex(of: "`") else { break }
                text += rest[..<open]
                code.append("<code>" + escape(String(after[..<close])) + "</code>")
                text += codeToken(code.count - 1)
                rest = after[after.index(after: close)...]
            }
            // A lone backtick is text; as an entity Ink cannot read it as code.
            text += rest.replacingOccurrences(of: "`", with: "&#96;")
            out.append(text)
        }
        if let block = fence {
            code.append(open() + escape(block.joined(separator: "\n")) + "</code></pre>")
            out.append("")
            out.append(codeToken(code.count - 1))
        }
        return (out.joined(separator: "\n"), code)
    }

    /// Writes every `[` that cannot open a link as `&#91;` — unmatched, or whose `]` is
    /// not followed by `(`, `[` or `:` — so Ink never tries it. Ink's link reader
    /// backtracks on such brackets, and nested ones cost exponential time
    /// (`*[[[[…` with 40 brackets took minutes; found by FuzzRender). Code
    /// never reaches Ink (see `extractingCode`).
    static func defusingBrackets(_ markdown: String) -> String {
        guard markdown.utf8.contains(UInt8(ascii: "[")) else { return markdown }
        var chars = Array(markdown)
        var stack: [Int] = []
        var escape = Set<Int>()
        for k in chars.indices {
            if chars[k] == "[", k > 0, chars[k - 1] == "\\" {
                // `\[` is a literal bracket, but Ink would still try a link on it.
                escape.insert(k)
            } else if k > 0 && chars[k - 1] == "\\" {
                continue
            } else if chars[k] == "[" {
                stack.append(k)
            } else if chars[k] == "]", let open = stack.popLast() {
                let next = k + 1 < chars.count ? chars[k + 1] : " "
                // Kept: `[text](url)`, `[text][ref]` (both halves) and a `[ref]: url` definition.
                let isReference = open > 0 && chars[open - 1] == "]"
                if next != "(" && next != "[" && next != ":" && !isReference { escape.insert(open) }
            }
        }
        escape.formUnion(stack)
        guard !escape.isEmpty else { return markdown }
        var out = ""
        out.reserveCapacity(markdown.utf8.count + escape.count)
        // `&#91;`, not `\[`: Ink starts a link on any `[`, escaped or not,
        // but passes character references through as text.
        for k in chars.indices {
            if escape.contains(k) {
                if k > 0, chars[k - 1] == "\\" { out.removeLast() }
                out += "&#91;"
            } else {
                out.append(chars[k])
            }
        }
        chars.removeAll()
        return out
    }

    /// Line ends become LF (Ink also breaks lines at a lone CR, and the
    /// masks below must see the lines Ink sees), tabs become four spaces,
    /// every line loses its trailing blanks, and the
    /// text its leading and trailing blank lines. Ink's list reader indexed
    /// past the end of a body that ended in a line of only whitespace and
    /// trapped (found by FuzzRender); none of this changes how Markdown renders.
    static func tidyWhitespace(_ markdown: String) -> String {
        var lines: [Substring] = []
        // Most bodies hold neither: no pass of Foundation's (slow) replacement for them.
        let unified = !markdown.utf8.contains(where: { $0 == 0x0D || $0 == 0x09 }) ? markdown
            : markdown.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .replacingOccurrences(of: "\t", with: "    ")
        for line in unified.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = line
            while let last = l.last, last.isWhitespace { l = l.dropLast() }
            lines.append(l)
        }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Writes every `<` that does not open a well-formed tag on its line
    /// (`<name …>`, `</name>`, `<name/>`) as `&lt;`, so Ink's raw-HTML reader
    /// only ever sees real tags: on stray `<` it could loop without end
    /// (found by FuzzRender). Code is left as written (Ink escapes it itself).
    static func defusingAngles(_ markdown: String) -> String {
        guard markdown.utf8.contains(UInt8(ascii: "<")) else { return markdown }
        let chars = Array(markdown)
        func isTag(at start: Int) -> Bool {
            var k = start + 1
            if k < chars.count, chars[k] == "/" { k += 1 }
            guard k < chars.count, chars[k].isASCII, chars[k].isLetter else { return false }
            while k < chars.count, chars[k].isASCII, chars[k].isLetter || chars[k].isNumber || chars[k] == "-" { k += 1 }
            while k < chars.count, chars[k] != ">" {
                if chars[k] == "<" || chars[k] == "\n" { return false }
                k += 1
            }
            return k < chars.count
        }
        var out = ""
        out.reserveCapacity(markdown.utf8.count)
        for k in chars.indices {
            if chars[k] == "<", k > 0, chars[k - 1] == "\\" {
                // `\<` is a literal `<` in Markdown; Ink loops on `\<p>` (found by FuzzRender).
                out.removeLast()
                out += "&lt;"
            } else if chars[k] == "<", !isTag(at: k) {
                out += "&lt;"
            } else {
                out.append(chars[k])
            }
        }
        return out
    }

    /// CommonMark autolinks (`<https://x.org/a>`, `<jobs@x.org>`) as inline
    /// links, which Ink does not know: left alone, the HTML parser would take
    /// them for unknown tags and the address would vanish. Lines in fenced or
    /// indented code, and lines with a code span, are left as written.
    static func expandingAutolinks(_ markdown: String) -> String {
        guard markdown.utf8.contains(UInt8(ascii: "<")) else { return markdown }
        var inFence = false
        var lines: [String] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle() }
            if inFence || line.hasPrefix("    ") || line.hasPrefix("\t") || line.utf8.contains(UInt8(ascii: "`")) || !line.utf8.contains(UInt8(ascii: "<")) {
                lines.append(String(line))
                continue
            }
            lines.append(autolinks(in: line))
        }
        return lines.joined(separator: "\n")
    }

    private static func autolinks(in line: Substring) -> String {
        var out = ""
        var rest = line
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: ">") else { break }
            let inner = after[..<close]
            if !inner.isEmpty, !inner.contains(where: { $0.isWhitespace || $0 == "<" || $0 == "[" || $0 == "]" || $0 == "(" || $0 == ")" }) {
                if let scheme = LinkTarget.scheme(of: String(inner)), LinkTarget.webSchemes.contains(scheme) {
                    out += "[\(inner)](\(inner))"
                    rest = after[after.index(after: close)...]
                    continue
                }
                if inner.utf8.contains(UInt8(ascii: "@")), !inner.utf8.contains(UInt8(ascii: ":")), !inner.utf8.contains(UInt8(ascii: "/")), inner.first != "@", inner.last != "@" {
                    out += "[\(inner)](mailto:\(inner))"
                    rest = after[after.index(after: close)...]
                    continue
                }
            }
            out += "<"
            rest = after
        }
        return out + rest
    }

    /// Keeps only allowed elements and attributes of `html`; see `HTMLSanitizer`.
    public static func sanitize(html: String, baseURL: String) -> String {
        HTMLSanitizer(baseURL: baseURL).sanitize(html)
    }

    /// Plain text as HTML text: `&`, `<`, `>` and `"` escaped, nothing else changed.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
