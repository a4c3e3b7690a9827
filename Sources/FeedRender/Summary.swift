import Foundation

/// Plain-text summaries from Markdown bodies: the first paragraph, without
/// markup, cut at a word.
public enum Summary {
    /// - Parameter limit: most characters kept; a cut ends in "…".
    public static func of(markdown body: String, limit: Int = 300) -> String {
        var paragraph: [Substring] = []
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmed()
            if trimmed.isEmpty {
                if paragraph.isEmpty { continue }
                break
            }
            // Headings are not a summary; skip them when nothing has been collected yet.
            if paragraph.isEmpty, trimmed.hasPrefix("#") { continue }
            paragraph.append(Substring(trimmed))
        }
        return cut(plain(paragraph.joined(separator: " ")), limit: limit)
    }

    /// Cuts at the last word boundary within `limit` characters.
    public static func cut(_ text: String, limit: Int) -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        var out = ""
        for word in words {
            let next = out.isEmpty ? String(word) : out + " " + word
            if next.count > limit - 1 {
                if out.isEmpty { return String(word.prefix(limit - 1)) + "…" }
                while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
                return out + "…"
            }
            out = next
        }
        return out
    }

    /// Removes the common inline Markdown: links keep their text, emphasis
    /// and code marks go, list markers go.
    static func plain(_ markdown: String) -> String {
        var s = Substring(markdown)
        var out = ""
        out.reserveCapacity(markdown.count)
        while let c = s.first {
            switch c {
            case "!" where s.dropFirst().first == "[":
                s = s.dropFirst()
            case "[":
                if let close = s.firstIndex(of: "]"), s[s.index(after: close)...].first == "(",
                   let paren = s[close...].firstIndex(of: ")") {
                    out += plain(String(s[s.index(after: s.startIndex)..<close]))
                    s = s[s.index(after: paren)...]
                } else {
                    out.append(c)
                    s = s.dropFirst()
                }
            case "*", "_", "`":
                s = s.dropFirst()
            case "<":
                // Inline HTML tags are markup, not text.
                if let close = s.firstIndex(of: ">"), s.distance(from: s.startIndex, to: close) < 200 {
                    s = s[s.index(after: close)...]
                } else {
                    out.append(c)
                    s = s.dropFirst()
                }
            default:
                out.append(c)
                s = s.dropFirst()
            }
        }
        var text = out.trimmed()
        for marker in ["- ", "+ ", "> "] where text.hasPrefix(marker) {
            text = String(text.dropFirst(2))
        }
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
