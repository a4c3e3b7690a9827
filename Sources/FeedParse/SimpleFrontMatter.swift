#if canImport(Glibc)
import Glibc
#endif

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
    static func fields(_ yaml: UnsafeBufferPointer<UInt8>, firstLine: Int) -> EntryFields? {
        var out = EntryFields()
        var reader = Reader(bytes: yaml, lineOffset: firstLine - 1)
        let read = reader.read { key, value, items in
            // Lower-cased ASCII, straight into the name (short names live inside the String: no allocation).
            let name = String(unsafeUninitializedCapacity: key.count) { out in
                for k in 0..<key.count { out[k] = key[k] >= 0x41 && key[k] <= 0x5A ? key[k] + 0x20 : key[k] }
                return key.count
            }
            // A repeated key is for Yams to report.
            return out.set(name, value.fieldValue(in: yaml, items: items))
        }
        return read ? out : nil
    }

    /// A scalar as it lies in the YAML's bytes.
    struct Scalar {
        /// Its text's bytes (inside the quotes of a quoted scalar).
        var start: Int
        var end: Int
        /// The file line.
        var line: Int
        /// A plain `~`, `null`, `Null` or `NULL`.
        var isNull = false
        /// Single-quoted with `''` inside: the text is the bytes with each `''` made one `'`.
        var doubledQuotes = false

        /// Its text.
        func text(in bytes: UnsafeBufferPointer<UInt8>) -> String {
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard doubledQuotes else { return String(decoding: raw, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var i = 0
            while i < raw.count {
                out.append(raw[i])
                i += raw[i] == UInt8(ascii: "'") ? 2 : 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A field's value, its list items kept by the reader (`Reader.items`).
    enum Value {
        case scalar(Scalar)
        case list(Range<Int>, line: Int)
        /// A key with nothing after it (no block list either).
        case null(line: Int)

        func fieldValue(in bytes: UnsafeBufferPointer<UInt8>, items: UnsafeBufferPointer<Scalar>) -> FieldValue {
            switch self {
            case let .scalar(s): s.fieldValue(in: bytes)
            case let .list(range, line): .list(range.map { items[$0].fieldValue(in: bytes) }, line: line)
            case let .null(line): .null(line: line)
            }
        }
    }

    /// Bytes that YAML treats specially wherever they are: tabs, carriage
    /// returns, DEL, C1 controls (NEL among them), a byte-order mark, the
    /// Unicode line and paragraph separators.
    static func isPlainText(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        guard let base = b.baseAddress else { return true }
        // Sixteen bytes at a time where all are ASCII but tab, CR and DEL (nearly all front matter).
        let tab = SIMD16<UInt8>(repeating: 0x09), cr = SIMD16<UInt8>(repeating: 0x0D), del = SIMD16<UInt8>(repeating: 0x7F)
        let high = SIMD16<UInt8>(repeating: 0x80)
        while i + 16 <= n {
            let chunk = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
            if !((chunk .== tab) .| (chunk .== cr) .| (chunk .== del) .| (chunk .>= high)).anySet {
                i += 16
                continue
            }
            if !plainBytes(b, from: i, to: i + 16) { return false }
            i += 16
        }
        return plainBytes(b, from: i, to: n)
    }

    /// `isPlainText` byte by byte over `from..<to` (a sequence's later bytes may lie past `to`).
    private static func plainBytes(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        let n = b.count
        var i = from
        while i < to {
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

    /// Reads the fields in order, each handed to a visitor as it is read.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Added to the 1-based YAML line to give the file line.
        let lineOffset: Int
        private var position = 0
        private var line = 1
        /// Every list item read so far (`Value.list` ranges point here).
        private(set) var items: [Scalar] = []

        init(bytes: UnsafeBufferPointer<UInt8>, lineOffset: Int) {
            self.bytes = bytes
            self.lineOffset = lineOffset
        }

        private var fileLine: Int { line + lineOffset }

        private func lineEnd(from start: Int) -> Int {
            guard start < bytes.count, let base = bytes.baseAddress,
                  let lf = memchr(base + start, 0x0A, bytes.count - start) else { return bytes.count }
            return base.distance(to: lf.assumingMemoryBound(to: UInt8.self))
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

        /// Hands `visit` each field: its key's bytes (as written), its value
        /// and the items read so far. False when the front matter is not
        /// all plain text, any line is not one this reader fully
        /// understands, it has no field, or `visit` returns false.
        mutating func read(_ visit: (UnsafeBufferPointer<UInt8>, Value, UnsafeBufferPointer<Scalar>) -> Bool) -> Bool {
            guard SimpleFrontMatter.isPlainText(bytes) else { return false }
            var count = 0
            while position < bytes.count {
                let end = lineEnd(from: position)
                if isBlank(position, end) {
                    nextLine(after: end)
                    continue
                }
                // key: [A-Za-z_][A-Za-z0-9_-]* then ':' at column 0
                var i = position
                guard isKeyStart(bytes[i]) else { return false }
                i += 1
                while i < end, isKeyByte(bytes[i]) { i += 1 }
                guard i < end, bytes[i] == UInt8(ascii: ":") else { return false }
                let key = UnsafeBufferPointer(rebasing: bytes[position..<i])
                i += 1
                guard i == end || bytes[i] == 0x20 else { return false }
                while i < end, bytes[i] == 0x20 { i += 1 }
                let value: Value
                if i == end {
                    let keyLine = fileLine
                    nextLine(after: end)
                    let first = items.count
                    guard blockList() else { return false }
                    value = items.count == first ? .null(line: keyLine) : .list(first..<items.count, line: items[first].line)
                } else if bytes[i] == UInt8(ascii: "[") {
                    guard let list = flowList(from: i, end: end) else { return false }
                    value = list
                    nextLine(after: end)
                } else {
                    guard let scalar = blockScalar(from: i, end: end) else { return false }
                    value = .scalar(scalar)
                    nextLine(after: end)
                }
                count += 1
                let kept = items.withUnsafeBufferPointer { visit(key, value, $0) }
                guard kept else { return false }
            }
            return count > 0
        }

        /// `- item` lines after a key with no value, all at one indentation,
        /// appended to `items`; none when the next line is another key (the value is null).
        private mutating func blockList() -> Bool {
            var indent: Int?
            while position < bytes.count {
                let end = lineEnd(from: position)
                var i = position
                while i < end, bytes[i] == 0x20 { i += 1 }
                guard i < end, bytes[i] == UInt8(ascii: "-") else {
                    // A blank line, or anything indented that is not an item, is for Yams.
                    if i == end || i > position { return false }
                    break
                }
                if let indent, indent != i - position { return false }
                indent = i - position
                guard i + 1 < end, bytes[i + 1] == 0x20 else { return false }
                i += 2
                while i < end, bytes[i] == 0x20 { i += 1 }
                guard i < end, bytes[i] != UInt8(ascii: "["), let item = blockScalar(from: i, end: end) else { return false }
                reserveItems()
                items.append(item)
                nextLine(after: end)
            }
            return true
        }

        /// A value that runs to the end of its line.
        private func blockScalar(from start: Int, end: Int) -> Scalar? {
            let c = bytes[start]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                guard let (scalar, after) = quoted(from: start, limit: end), isBlank(after, end) else { return nil }
                return scalar
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

        /// `[a, "b", c]` on one line, its items appended to `items`.
        private mutating func flowList(from start: Int, end: Int) -> Value? {
            let first = items.count
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
                        guard let (scalar, after) = quoted(from: i, limit: end) else { return nil }
                        reserveItems()
                        items.append(scalar)
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
                        reserveItems()
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
            return .list(first..<items.count, line: fileLine)
        }

        /// Room for a front matter's list items at once (authors and tags
        /// together: one allocation instead of one each time the list grows).
        private mutating func reserveItems() {
            if items.capacity == 0 { items.reserveCapacity(16) }
        }

        private func plain(_ start: Int, _ end: Int) -> Scalar {
            var scalar = Scalar(start: start, end: end, line: fileLine)
            switch end - start {
            case 1: scalar.isNull = bytes[start] == UInt8(ascii: "~")
            case 4:
                let b0 = bytes[start], rest = (bytes[start + 1], bytes[start + 2], bytes[start + 3])
                scalar.isNull = (b0 == UInt8(ascii: "n") || b0 == UInt8(ascii: "N")) && rest == (0x75, 0x6C, 0x6C)  // ull
                    || (b0 == UInt8(ascii: "N") && rest == (0x55, 0x4C, 0x4C))  // NULL
            default: break
            }
            return scalar
        }

        /// A quoted scalar closed on the same line, and the index after the closing quote.
        /// Double-quoted escapes are left to Yams.
        private func quoted(from start: Int, limit: Int) -> (Scalar, Int)? {
            let quote = bytes[start]
            var i = start + 1
            var doubled = false
            while i < limit {
                if bytes[i] == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") { return nil }
                if bytes[i] == quote {
                    if quote == UInt8(ascii: "'"), i + 1 < limit, bytes[i + 1] == quote {
                        doubled = true
                        i += 2
                        continue
                    }
                    return (Scalar(start: start + 1, end: i, line: fileLine, doubledQuotes: doubled), i + 1)
                }
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

extension SimpleFrontMatter.Scalar {
    func fieldValue(in bytes: UnsafeBufferPointer<UInt8>) -> FieldValue {
        isNull ? .null(line: line) : .text(text(in: bytes), line: line)
    }
}
