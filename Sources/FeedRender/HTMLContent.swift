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
        let html = MarkdownParser().html(from: defusingAngles(defusingBrackets(expandingAutolinks(body))))
        return sanitize(html: html, baseURL: baseURL)
    }

    /// Writes every `[` that cannot open a link as `&#91;` — unmatched, or whose `]` is
    /// not followed by `(`, `[` or `:` — so Ink never tries it. Ink's link reader
    /// backtracks on such brackets, and nested ones cost exponential time
    /// (`*[[[[…` with 40 brackets took minutes; found by FuzzRender). Code
    /// (as Ink reads it, see `codeMask`) is left as written.
    static func defusingBrackets(_ markdown: String) -> String {
        guard markdown.contains("[") else { return markdown }
        var chars = Array(markdown)
        let inCode = codeMask(chars)
        var stack: [Int] = []
        var escape = Set<Int>()
        for k in chars.indices where !inCode[k] && !(k > 0 && chars[k - 1] == "\\") {
            if chars[k] == "[" {
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
            if escape.contains(k) { out += "&#91;" } else { out.append(chars[k]) }
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
        let unified = markdown.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
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

    /// Which characters Ink treats as code, mirroring its reader exactly
    /// (anything else would hand Ink text it parses as HTML after all):
    /// blocks fenced by a line starting with three or more backticks (to the
    /// matching fence, or the end), and spans from a backtick to the next one
    /// on the same line. Ink has no indented code blocks and no `~~~` fences.
    static func codeMask(_ chars: [Character]) -> [Bool] {
        var inCode = [Bool](repeating: false, count: chars.count)
        var i = 0
        var inFence = false
        while i < chars.count {
            var end = i
            while end < chars.count, chars[end] != "\n" { end += 1 }
            let fence = chars[i..<end].starts(with: ["`", "`", "`"])
            if fence { inFence.toggle() }
            if fence || inFence {
                for k in i..<end { inCode[k] = true }
            } else {
                var k = i
                while k < end {
                    if chars[k] == "`", let close = chars[(k + 1)..<end].firstIndex(of: "`") {
                        for m in k...close { inCode[m] = true }
                        k = close + 1
                    } else {
                        k += 1
                    }
                }
            }
            i = end + 1
        }
        return inCode
    }

    /// Writes every `<` that does not open a well-formed tag on its line
    /// (`<name …>`, `</name>`, `<name/>`) as `&lt;`, so Ink's raw-HTML reader
    /// only ever sees real tags: on stray `<` it could loop without end
    /// (found by FuzzRender). Code is left as written (Ink escapes it itself).
    static func defusingAngles(_ markdown: String) -> String {
        guard markdown.contains("<") else { return markdown }
        let chars = Array(markdown)
        let inCode = codeMask(chars)
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
            if chars[k] == "<", !inCode[k], !isTag(at: k) { out += "&lt;" } else { out.append(chars[k]) }
        }
        return out
    }

    /// CommonMark autolinks (`<https://x.org/a>`, `<jobs@x.org>`) as inline
    /// links, which Ink does not know: left alone, the HTML parser would take
    /// them for unknown tags and the address would vanish. Lines in fenced or
    /// indented code, and lines with a code span, are left as written.
    static func expandingAutolinks(_ markdown: String) -> String {
        guard markdown.contains("<") else { return markdown }
        var inFence = false
        var lines: [String] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle() }
            if inFence || line.hasPrefix("    ") || line.hasPrefix("\t") || line.contains("`") || !line.contains("<") {
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
                if inner.contains("@"), !inner.contains(":"), !inner.contains("/"), inner.first != "@", inner.last != "@" {
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
