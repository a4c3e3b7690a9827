import FeedModel

/// Plain-text summaries from Markdown bodies: the first paragraph, without
/// markup, cut at a word.
///
/// The markup is ASCII, and in UTF-8 no byte of another character is
/// ASCII: the text is read as bytes.
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

    /// The body's first paragraph as plain text, uncut: its lines (up to the
    /// first blank line after some text; headings before it skipped), joined.
    public static func paragraph(markdown body: String) -> String {
        var body = body
        return body.withUTF8 { b -> String in
            guard let p = b.baseAddress else { return "" }
            var lines: [UnsafeBufferPointer<UInt8>] = []
            var start = 0
            while start < b.count {
                var end = start
                while end < b.count, p[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: b[start..<end])
                let kept = UnsafeBufferPointer(rebasing: line[Whitespace.trimmedRange(line)])
                start = end + 1
                if kept.isEmpty {
                    if lines.isEmpty { continue }
                    break
                }
                // Headings are not a summary; skip them when nothing has been collected yet.
                if lines.isEmpty, kept.first == UInt8(ascii: "#") { continue }
                lines.append(kept)
            }
            var joined: [UInt8] = []
            for (i, line) in lines.enumerated() {
                if i > 0 { joined.append(0x20) }
                joined.append(contentsOf: line)
            }
            return joined.withUnsafeBufferPointer(plain)
        }
    }

    /// Cuts at the last word boundary within `limit` characters: words (split
    /// at U+0020) are taken while they and the spaces between them stay under
    /// the limit (each word counted in Characters), trailing punctuation that
    /// would dangle goes, and "…" marks the cut. Reads only as far as the cut.
    ///
    /// On the UTF-8 bytes: the summary of every entry of a first run's
    /// archive is cut once per format, and walking it by Character was a
    /// tenth of that run.
    public static func cut(_ text: String, limit: Int) -> String {
        var text = text
        return text.withUTF8 { b -> String in
            func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
            // An ASCII byte is a Character of its own, but for CR LF.
            func characters(_ r: Range<Int>) -> Int {
                b[r].contains { $0 >= 0x80 || $0 == 0x0D } ? string(r).count : r.count
            }
            var kept: [Range<Int>] = []
            func joined() -> String {
                var out: [UInt8] = []
                for (n, word) in kept.enumerated() {
                    if n > 0 { out.append(0x20) }
                    out += UnsafeBufferPointer(rebasing: b[word])
                }
                return String(decoding: out, as: UTF8.self)
            }
            var length = -1
            var i = 0
            while i < b.count {
                while i < b.count, b[i] == 0x20 { i += 1 }
                guard i < b.count else { break }
                let start = i
                while i < b.count, b[i] != 0x20 { i += 1 }
                length += 1 + characters(start..<i)
                if length > limit - 1 {
                    if kept.isEmpty { return String(string(start..<i).prefix(max(0, limit - 1))) + "…" }
                    var out = joined()
                    while let last = out.last, ",;:-–—(".contains(last) { out.removeLast() }
                    return out + "…"
                }
                kept.append(start..<i)
            }
            return joined()
        }
    }

    /// Removes the common inline Markdown: links keep their text, emphasis
    /// and code marks go, inline tags go, one list or quote marker goes,
    /// whitespace runs become single spaces.
    static func plain(_ markdown: String) -> String {
        var markdown = markdown
        return markdown.withUTF8(plain)
    }

    private static func plain(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        strip(b, into: &out)
        return out.withUnsafeBufferPointer { text -> String in
            var t = UnsafeBufferPointer(rebasing: text[Whitespace.trimmedRange(text)])
            for marker in [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: ">")]
            where t.count >= 2 && t[0] == marker && t[1] == 0x20 {
                t = UnsafeBufferPointer(rebasing: t[2...])
            }
            guard let p = t.baseAddress else { return "" }
            return String(unsafeUninitializedCapacity: t.count + 1) { collapsed in
                var pending = false
                return Whitespace.collapse(p, t.count, into: collapsed.baseAddress!, at: 0, pendingSpace: &pending)
            }
        }
    }

    /// Appends the text of `b` without its inline markup.
    private static func strip(_ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        func index(of byte: UInt8, from start: Int) -> Int? {
            var k = start
            while k < b.count {
                if b[k] == byte { return k }
                k += 1
            }
            return nil
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "!") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "["):
                i += 1
            case UInt8(ascii: "["):
                if let close = index(of: UInt8(ascii: "]"), from: i), close + 1 < b.count, b[close + 1] == UInt8(ascii: "("),
                   let paren = index(of: UInt8(ascii: ")"), from: close) {
                    strip(UnsafeBufferPointer(rebasing: b[(i + 1)..<close]), into: &out)
                    i = paren + 1
                } else {
                    out.append(c)
                    i += 1
                }
            case UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"):
                i += 1
            case UInt8(ascii: "<"):
                // Inline HTML tags are markup, not text.
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
    }
}
