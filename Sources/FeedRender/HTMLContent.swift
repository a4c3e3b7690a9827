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
        let body = XMLText.sanitize(markdown)
        guard body.contains(where: { !$0.isWhitespace }) else { return "" }
        let html = MarkdownParser().html(from: expandingAutolinks(body))
        return sanitize(html: html, baseURL: baseURL)
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
