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

    /// Cuts at the last word boundary within `limit` characters.
    public static func cut(_ text: String, limit: Int) -> String {
        if let fast = asciiCut(text, limit: limit) { return fast }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        var count = 0
        for (i, word) in words.enumerated() {
            // Characters add up across the joining space, unless the word
            // opens with a scalar that may join it (a combining mark): then
            // the joined text is counted as a whole.
            let ascii = word.utf8.allSatisfy { $0 < 0x80 }
            let next = ascii ? (i == 0 ? 0 : count + 1) + word.utf8.count
                : words[0...i].joined(separator: " ").count
            if next > limit - 1 {
                if i == 0 { return String(word.prefix(limit - 1)) + "…" }
                var out = words[..<i].joined(separator: " ")
                while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
                return out + "…"
            }
            count = next
        }
        return words.joined(separator: " ")
    }

    /// `cut` read on bytes, for text whose part up to the cut is ASCII with
    /// single spaces between words (every byte a Character, the words
    /// already joined as `cut` joins them); nil for any other text.
    static func asciiCut(_ text: String, limit: Int) -> String? {
        let budget = limit - 1
        guard budget > 0 else { return nil }
        let utf8 = text.utf8
        var lastSpace = -1  // the last space at or before `budget`
        var previous: UInt8 = 0x20  // a leading space counts as doubled
        var i = 0
        for byte in utf8 {
            guard byte < 0x80, byte != 0x20 || previous != 0x20, byte < 0x09 || byte > 0x0D else { return nil }
            if i == budget { break }
            if byte == 0x20 { lastSpace = i }
            previous = byte
            i += 1
        }
        if i < budget || utf8.count == budget {
            // All of it fits: it must not end in a space either.
            return previous == 0x20 ? nil : text
        }
        // Bytes from `budget` on exist; unless they are all spaces (then the
        // words fit after all: that is for the general path), the text is too long.
        let rest = utf8[utf8.index(utf8.startIndex, offsetBy: budget)...]
        guard rest.contains(where: { $0 != 0x20 }) else { return nil }
        let atBudget = rest[rest.startIndex]
        let end = atBudget == 0x20 ? budget : lastSpace
        guard end > 0 else {
            // The first word alone is too long.
            return String(decoding: utf8.prefix(budget), as: UTF8.self) + "…"
        }
        var out = String(decoding: utf8.prefix(end), as: UTF8.self)
        while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
        return out + "…"
    }

    /// Removes the common inline Markdown: links keep their text, emphasis
    /// and code marks go, list markers go.
    static func plain(_ markdown: String) -> String {
        // ASCII without carriage returns, the usual paragraph: every byte is a Character.
        if let fast = markdown.utf8.withContiguousStorageIfAvailable({ b -> String? in
            b.allSatisfy { $0 < 0x80 && $0 != 0x0D } ? plainASCII(b) : nil
        }), let fast {
            return fast
        }
        return plainCharacters(markdown)
    }

    /// `plainCharacters` on the bytes of ASCII text without CR, where bytes
    /// and Characters are one and the same.
    static func plainASCII(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        let n = b.count
        func index(of byte: UInt8, from start: Int) -> Int? {
            var k = start
            while k < n {
                if b[k] == byte { return k }
                k += 1
            }
            return nil
        }
        while i < n {
            let c = b[i]
            switch c {
            case UInt8(ascii: "!") where i + 1 < n && b[i + 1] == UInt8(ascii: "["):
                i += 1
            case UInt8(ascii: "["):
                if let close = index(of: UInt8(ascii: "]"), from: i), close + 1 < n, b[close + 1] == UInt8(ascii: "("),
                   let paren = index(of: UInt8(ascii: ")"), from: close) {
                    out += plainASCII(UnsafeBufferPointer(rebasing: b[(i + 1)..<close])).utf8
                    i = paren + 1
                } else {
                    out.append(c)
                    i += 1
                }
            case UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"):
                i += 1
            case UInt8(ascii: "<"):
                if let close = index(of: UInt8(ascii: ">"), from: i), close - i < 200 {
                    i = close + 1
                } else {
                    out.append(c)
                    i += 1
                }
            default:
                out.append(c)
                i += 1
            }
        }
        // Trimmed, one list or quote marker dropped (each checked once, in
        // order), whitespace runs made single spaces.
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        var start = 0, end = out.count
        while start < end, isSpace(out[start]) { start += 1 }
        while end > start, isSpace(out[end - 1]) { end -= 1 }
        for marker in [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: ">")]
        where end - start >= 2 && out[start] == marker && out[start + 1] == 0x20 {
            start += 2
        }
        var words: [UInt8] = []
        words.reserveCapacity(end - start)
        var pendingSpace = false
        for k in start..<end {
            let c = out[k]
            if isSpace(c) {
                pendingSpace = !words.isEmpty
            } else {
                if pendingSpace { words.append(0x20); pendingSpace = false }
                words.append(c)
            }
        }
        return String(decoding: words, as: UTF8.self)
    }

    /// The definition `plain` follows, Character by Character.
    static func plainCharacters(_ markdown: String) -> String {
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
                    out += plainCharacters(String(s[s.index(after: s.startIndex)..<close]))
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
