import Foundation
import FeedModel

/// Plain-text summaries from Markdown bodies: the first paragraph, without
/// markup, cut at a word.
public enum Summary {
    /// - Parameter limit: most characters kept; a cut ends in "…".
    public static func of(markdown body: String, limit: Int = 300) -> String {
        cut(paragraph(markdown: body), limit: limit)
    }

    /// An item's summary: from the paragraph the pipeline kept with it
    /// (`FeedItem.summary`), or from its body.
    public static func of(_ item: FeedItem, limit: Int = 300) -> String {
        cut(item.summary ?? paragraph(markdown: item.entry.body), limit: limit)
    }

    /// The body's first paragraph as plain text, uncut. Lines are read only
    /// up to the end of that paragraph.
    public static func paragraph(markdown body: String) -> String {
        var paragraph: [Substring] = []
        var rest = body[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
            let trimmed = line.trimmed()
            if trimmed.isEmpty {
                if paragraph.isEmpty { continue }
                break
            }
            // Headings are not a summary; skip them when nothing has been collected yet.
            if paragraph.isEmpty, trimmed.hasPrefix("#") { continue }
            paragraph.append(Substring(trimmed))
        }
        return plain(paragraph.joined(separator: " "))
    }

    /// Cuts at the last word boundary within `limit` characters: words are
    /// taken while they and the spaces between them stay under the limit
    /// (each word counted in Characters), trailing punctuation that would
    /// dangle goes, and "…" marks the cut.
    public static func cut(_ text: String, limit: Int) -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        var length = -1
        for (i, word) in words.enumerated() {
            length += 1 + word.count
            guard length > limit - 1 else { continue }
            if i == 0 { return String(word.prefix(limit - 1)) + "…" }
            var out = words[..<i].joined(separator: " ")
            while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
            return out + "…"
        }
        return words.joined(separator: " ")
    }

    /// Removes the common inline Markdown: links keep their text, emphasis
    /// and code marks go, inline tags go, one list or quote marker goes,
    /// whitespace runs become single spaces.
    static func plain(_ markdown: String) -> String {
        var s = Substring(markdown)
        var out = ""
        out.reserveCapacity(markdown.utf8.count)
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
        return text.collapsingWhitespace()
    }
}
