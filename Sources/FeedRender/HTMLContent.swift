/// Entry bodies as the HTML that feeds carry in `content type="html"`, RSS
/// `description` and JSON Feed `content_html`.
///
/// Markdown becomes HTML through cmark-gfm (GitHub-flavoured CommonMark, see
/// `CommonMark`); that HTML (which passes raw HTML in the body through) is
/// then rebuilt from libxml2's HTML parse tree keeping only an allowlist (see
/// `HTMLSanitizer`), so what a reader renders is the same whatever the body
/// held. The result is text: writers escape it once more as XML character
/// data, never CDATA.
public enum HTMLContent {
    /// Markdown → sanitised HTML with absolute links.
    ///
    /// - Parameter baseURL: absolute URL relative links and images are resolved against.
    public static func render(markdown: String, baseURL: String) -> String {
        let body = XMLText.sanitize(markdown)
        guard !body.isEmpty else { return "" }
        return sanitize(html: CommonMark.html(body), baseURL: baseURL)
    }

    /// Keeps only allowed elements and attributes of `html`; see `HTMLSanitizer`.
    public static func sanitize(html: String, baseURL: String) -> String {
        HTMLSanitizer(baseURL: baseURL).sanitize(html)
    }

    /// Plain text as HTML text: `&`, `<`, `>` and `"` escaped, nothing else changed.
    public static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): out += "&amp;".utf8
                case UInt8(ascii: "<"): out += "&lt;".utf8
                case UInt8(ascii: ">"): out += "&gt;".utf8
                case UInt8(ascii: "\""): out += "&quot;".utf8
                default: out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
