/// The front matter almost every entry uses, read straight from UTF-8
/// without building a YAML document: `key: value` lines at column 0 whose
/// values are plain or single-line quoted scalars, flow lists `[a, "b"]`, or
/// block lists of `- item` lines.
///
/// It gives exactly the `FieldValue`s (lines included) that
/// `FrontMatter.fields` gets through Yams, and returns nil for anything else
/// it does not fully understand — comments, tabs, escapes, anchors, tags,
/// multi-line or block scalars, nested mappings, repeated keys, unusual
/// characters — so that Yams decides those (and reports their errors).
/// `SimpleFrontMatterTests` runs both over every front matter it can find.
enum SimpleFrontMatter {
    /// - Parameter firstLine: the file line of the YAML's first line.
    static func fields(_ yaml: UnsafeBufferPointer<UInt8>, firstLine: Int) -> [String: FieldValue]? {
        guard isPlainText(yaml) else { return nil }
        var reader = Reader(bytes: yaml, lineOffset: firstLine - 1)
        return reader.mapping()
    }

    /// Bytes that YAML treats specially wherever they are: tabs, carriage
    /// returns, DEL, C1 controls (NEL among them), a byte-order mark, the
    /// Unicode line and paragraph separators.
    private static func isPlainText(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 {
                if c == 0x09 || c == 0x0D || c == 0x7F { return false }
                i += 1
                continue
            }
            if c == 0xC2, i + 1 < n, b[i + 1] < 0xA0 { return false }
            if c == 0xEF, i + 2 < n, b[i + 1] == 0xBB, b[i + 2] == 0xBF { return false }
            if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 { return false }
            i += 1
        }
        return true
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Added to the 1-based YAML line to give the file line.
        let lineOffset: Int
        var position = 0
        var line = 1

        init(bytes: UnsafeBufferPointer<UInt8>, lineOffset: Int) {
            self.bytes = bytes
            self.lineOffset = lineOffset
        }

        private var fileLine: Int { line + lineOffset }

        private func lineEnd(from start: Int) -> Int {
            var i = start
            while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            return i
        }

        private func isBlank(_ start: Int, _ end: Int) -> Bool {
            var i = start
            while i < end {
                if bytes[i] != 0x20 { return false }
                i += 1
            }
            return true
        }

        private mutating func nextLine(after end: Int) {
            position = end + 1
            line += 1
        }

        mutating func mapping() -> [String: FieldValue]? {
            var out = [String: FieldValue](minimumCapacity: 12)
            while position < bytes.count {
                let end = lineEnd(from: position)
                if isBlank(position, end) {
                    nextLine(after: end)
                    continue
                }
                // key: [A-Za-z_][A-Za-z0-9_-]* then ':' at column 0
                var i = position
                guard isKeyStart(bytes[i]) else { return nil }
                i += 1
                while i < end, isKeyByte(bytes[i]) { i += 1 }
                guard i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
                // Lower-cased ASCII, straight into the key (short keys live inside the String: no allocation).
                let start = position
                let key = String(unsafeUninitializedCapacity: i - start) { out in
                    for k in 0..<(i - start) {
                        let c = bytes[start + k]
                        out[k] = c >= 0x41 && c <= 0x5A ? c + 0x20 : c
                    }
                    return i - start
                }
                i += 1
                guard i == end || bytes[i] == 0x20 else { return nil }
                while i < end, bytes[i] == 0x20 { i += 1 }
                let value: FieldValue
                if i == end {
                    let keyLine = fileLine
                    nextLine(after: end)
                    guard let items = blockList() else { return nil }
                    value = items.isEmpty ? .null(line: keyLine) : .list(items, line: items[0].line)
                } else if bytes[i] == UInt8(ascii: "[") {
                    guard let list = flowList(from: i, end: end) else { return nil }
                    value = list
                    nextLine(after: end)
                } else {
                    guard let scalar = blockScalar(from: i, end: end) else { return nil }
                    value = scalar
                    nextLine(after: end)
                }
                // A repeated key is for Yams to report.
                guard out.updateValue(value, forKey: key) == nil else { return nil }
            }
            return out.isEmpty ? nil : out
        }

        /// `- item` lines after a key with no value, all at one indentation;
        /// empty when the next line is another key (the value is null).
        private mutating func blockList() -> [FieldValue]? {
            var items: [FieldValue] = []
            var indent: Int?
            while position < bytes.count {
                let end = lineEnd(from: position)
                var i = position
                while i < end, bytes[i] == 0x20 { i += 1 }
                guard i < end, bytes[i] == UInt8(ascii: "-") else {
                    // A blank line, or anything indented that is not an item, is for Yams.
                    if i == end || i > position { return nil }
                    break
                }
                if let indent, indent != i - position { return nil }
                indent = i - position
                guard i + 1 < end, bytes[i + 1] == 0x20 else { return nil }
                i += 2
                while i < end, bytes[i] == 0x20 { i += 1 }
                guard i < end, bytes[i] != UInt8(ascii: "["), let item = blockScalar(from: i, end: end) else { return nil }
                items.append(item)
                nextLine(after: end)
            }
            return items
        }

        /// A value that runs to the end of its line.
        private func blockScalar(from start: Int, end: Int) -> FieldValue? {
            let c = bytes[start]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                guard let (text, after) = quoted(from: start, limit: end), isBlank(after, end) else { return nil }
                return .text(text, line: fileLine)
            }
            guard !isIndicator(c) else { return nil }
            var last = start
            var i = start
            while i < end {
                let b = bytes[i]
                if b == UInt8(ascii: "#") { return nil }
                if b == UInt8(ascii: ":"), i + 1 == end || bytes[i + 1] == 0x20 { return nil }
                if b != 0x20 { last = i }
                i += 1
            }
            return plain(start, last + 1)
        }

        /// `[a, "b", c]` on one line.
        private func flowList(from start: Int, end: Int) -> FieldValue? {
            var items: [FieldValue] = []
            var i = start + 1
            func skipSpaces() { while i < end, bytes[i] == 0x20 { i += 1 } }
            skipSpaces()
            if i < end, bytes[i] == UInt8(ascii: "]") {
                i += 1
            } else {
                while true {
                    skipSpaces()
                    guard i < end else { return nil }
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        guard let (text, after) = quoted(from: i, limit: end) else { return nil }
                        items.append(.text(text, line: fileLine))
                        i = after
                    } else {
                        guard !isIndicator(c) else { return nil }
                        let itemStart = i
                        var last = i
                        while i < end {
                            let b = bytes[i]
                            if b == UInt8(ascii: ",") || b == UInt8(ascii: "]") { break }
                            switch b {
                            case UInt8(ascii: "#"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "}"):
                                return nil
                            default:
                                break
                            }
                            if b != 0x20 { last = i }
                            i += 1
                        }
                        items.append(plain(itemStart, last + 1))
                    }
                    skipSpaces()
                    guard i < end else { return nil }
                    if bytes[i] == UInt8(ascii: "]") {
                        i += 1
                        break
                    }
                    guard bytes[i] == UInt8(ascii: ",") else { return nil }
                    i += 1
                    skipSpaces()
                    // A trailing comma is valid YAML, but rare enough to leave to Yams.
                    guard i < end, bytes[i] != UInt8(ascii: "]") else { return nil }
                }
            }
            guard isBlank(i, end) else { return nil }
            return .list(items, line: fileLine)
        }

        private func plain(_ start: Int, _ end: Int) -> FieldValue {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            switch text {
            case "~", "null", "Null", "NULL": return .null(line: fileLine)
            default: return .text(text, line: fileLine)
            }
        }

        /// A quoted scalar closed on the same line: its text and the index after the closing quote.
        /// Double-quoted escapes are left to Yams.
        private func quoted(from start: Int, limit: Int) -> (String, Int)? {
            let quote = bytes[start]
            var i = start + 1
            if quote == UInt8(ascii: "\"") {
                while i < limit, bytes[i] != quote {
                    if bytes[i] == UInt8(ascii: "\\") { return nil }
                    i += 1
                }
                guard i < limit else { return nil }
                return (String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<i]), as: UTF8.self), i + 1)
            }
            var out: [UInt8] = []
            while i < limit {
                if bytes[i] == quote {
                    if i + 1 < limit, bytes[i + 1] == quote {
                        out.append(quote)
                        i += 2
                        continue
                    }
                    return (String(decoding: out, as: UTF8.self), i + 1)
                }
                out.append(bytes[i])
                i += 1
            }
            return nil
        }

        private func isKeyStart(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
        }

        private func isKeyByte(_ b: UInt8) -> Bool {
            isKeyStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-")
        }

        /// Characters that may not start a plain scalar (or start something else).
        private func isIndicator(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["),
                 UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"),
                 UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"),
                 UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"), 0x20:
                return true
            default:
                return false
            }
        }
    }
}
