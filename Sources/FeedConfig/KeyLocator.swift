import Foundation

/// Finds the line on which each key of a TOML document is defined.
///
/// TOMLKit reports line and column for syntax errors only; the values it
/// returns carry no position. This scanner walks the raw text once — table
/// headers (`[site]`, `[[feed]]`), `key = value` lines (dotted and quoted keys
/// included), inline tables and arrays, skipping strings (multi-line ones
/// too) and comments — and records the 1-based line of every key path, so that
/// errors can say `feedd.toml:14: feed[1].cap: …`.
///
/// It is meant to run on text that TOMLKit has already accepted; on invalid
/// text it never crashes, but the lines it reports may be approximate.
struct KeyLocator {
    private(set) var lines: [TOMLKeyPath: Int] = [:]

    /// Input that toml++ 3.4 (inside TOMLKit 0.6.0) does not report as an
    /// error but asserts on — aborting the process in debug builds, undefined
    /// behaviour under NDEBUG: a table header whose first key character is
    /// neither a bare-key character nor a quote (`[#x]`, a `[` ending a
    /// line), and an array element that starts with `}` or a Unicode line
    /// separator (`[1, }`). The loader reports these itself and never hands
    /// them to toml++. toml++ stops at its first error, so when it would reach
    /// such a spot, everything before it was valid TOML and this scanner,
    /// which follows valid TOML exactly, reaches the same spot.
    private(set) var unsafeSyntax: (line: Int, column: Int, message: String)?

    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// How many `[[x]]` headers have been seen per array path.
    private var arrayTableCounts: [TOMLKeyPath: Int] = [:]
    private var table: TOMLKeyPath = .root

    init(text: String) {
        bytes = Array(text.utf8)
        scanDocument()
    }

    /// The line of `path`, or of its closest ancestor that has one.
    func line(of path: TOMLKeyPath) -> Int? {
        var current: TOMLKeyPath? = path
        while let candidate = current, !candidate.isRoot {
            if let found = lines[candidate] { return found }
            current = candidate.parent
        }
        return nil
    }

    /// The line of `path` itself, if it was written in the document.
    func exactLine(of path: TOMLKeyPath) -> Int? { lines[path] }

    // MARK: - Unsafe input

    private mutating func flagUnsafe(_ message: String) {
        if unsafeSyntax == nil { unsafeSyntax = (line, pos - lineStart + 1, message) }
    }

    /// U+0085, U+2028, U+2029: vertical whitespace to toml++, yet not a line break.
    private func startsWithUnicodeLineBreak() -> Bool {
        (peek() == 0xC2 && peek(1) == 0x85) || (peek() == 0xE2 && peek(1) == 0x80 && (peek(2) == 0xA8 || peek(2) == 0xA9))
    }

    /// `2024-01-01 1,`: toml++ reads ahead for a time after the space and
    /// asserts on the terminator after one digit. Always invalid TOML.
    private func isTruncatedDateTime() -> Bool {
        var index = pos
        var chars: [UInt8] = []
        while index < bytes.count, chars.count <= 10 {
            let b = bytes[index]
            if b == Self.space || b == Self.tab || b == Self.newline || b == Self.cr || b == Self.comma
                || b == Self.closeBracket || b == Self.closeBrace || b == Self.hash || b >= 0x80 {
                break
            }
            if b != UInt8(ascii: "_") { chars.append(b) }
            index += 1
        }
        guard chars.count == 10, (0x30...0x39).contains(chars[0]), chars[4] == UInt8(ascii: "-"),
              chars[7] == UInt8(ascii: "-"), index + 2 < bytes.count, bytes[index] == Self.space,
              (0x30...0x39).contains(bytes[index + 1])
        else { return false }
        let after = bytes[index + 2]
        return after == Self.space || after == Self.tab || after == Self.newline || after == Self.cr
            || after == 0x0B || after == 0x0C || after == Self.comma || after == Self.closeBracket
            || after == Self.closeBrace || after == Self.hash || after >= 0x80
    }

    private func describeCurrent() -> String {
        guard let c = peek() else { return "the end of the file" }
        switch c {
        case Self.newline, Self.cr: return "the end of the line"
        case 0x21...0x7E: return "'" + String(UnicodeScalar(c)) + "'"
        default:
            let rest = String(decoding: bytes[pos..<min(pos + 4, bytes.count)], as: UTF8.self)
            return rest.unicodeScalars.first.map { String(format: "U+%04X", $0.value) } ?? "an invalid byte"
        }
    }

    // MARK: - Scanning

    private static let newline = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let quote = UInt8(ascii: "\"")
    private static let apostrophe = UInt8(ascii: "'")
    private static let backslash = UInt8(ascii: "\\")
    private static let openBracket = UInt8(ascii: "[")
    private static let closeBracket = UInt8(ascii: "]")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")
    private static let comma = UInt8(ascii: ",")
    private static let equals = UInt8(ascii: "=")
    private static let dot = UInt8(ascii: ".")

    private func peek(_ offset: Int = 0) -> UInt8? {
        let index = pos + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func advance() {
        guard pos < bytes.count else { return }
        if bytes[pos] == Self.newline {
            line += 1
            lineStart = pos + 1
        }
        pos += 1
    }

    private mutating func skipSpaces() {
        while let c = peek(), c == Self.space || c == Self.tab { pos += 1 }
    }

    private mutating func skipToEndOfLine() {
        while let c = peek(), c != Self.newline { advance() }
    }

    /// Whitespace, newlines and comments (inside arrays and inline tables).
    private mutating func skipTrivia() {
        while let c = peek() {
            if c == Self.space || c == Self.tab || c == Self.newline || c == Self.cr {
                advance()
            } else if c == Self.hash {
                skipToEndOfLine()
            } else {
                return
            }
        }
    }

    private mutating func record(_ path: TOMLKeyPath, line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    private mutating func scanDocument() {
        while pos < bytes.count {
            skipSpaces()
            guard let c = peek() else { break }
            if c == Self.newline || c == Self.cr {
                advance()
                continue
            }
            if c == Self.hash {
                skipToEndOfLine()
                continue
            }
            if c == Self.openBracket {
                scanHeader()
                skipToEndOfLine()
                continue
            }
            let keyLine = line
            guard let keys = scanKey(), !keys.isEmpty else {
                skipToEndOfLine()
                continue
            }
            skipSpaces()
            guard peek() == Self.equals else {
                skipToEndOfLine()
                continue
            }
            pos += 1
            var path = table
            for key in keys {
                path = path.appending(key)
                record(path, line: keyLine)
            }
            skipSpaces()
            scanValue(at: path)
            skipToEndOfLine()
        }
    }

    private mutating func scanHeader() {
        let headerLine = line
        let isArray = peek(1) == Self.openBracket
        pos += isArray ? 2 : 1
        skipSpaces()
        if let c = peek(), !TOMLKeyPath.isBareByte(c), c != Self.quote, c != Self.apostrophe, c != Self.closeBracket {
            flagUnsafe("in table header: expected a key name, saw \(describeCurrent())")
        }
        guard let keys = scanKey(), !keys.isEmpty else { return }
        var canonical = TOMLKeyPath.root
        for (offset, key) in keys.enumerated() {
            canonical = canonical.appending(key)
            if isArray && offset == keys.count - 1 {
                let count = arrayTableCounts[canonical] ?? 0
                arrayTableCounts[canonical] = count + 1
                record(canonical, line: headerLine)
                canonical = canonical.appending(index: count)
            } else if let count = arrayTableCounts[canonical], count > 0 {
                // `[feed.extra]` after `[[feed]]` extends the last element.
                canonical = canonical.appending(index: count - 1)
            }
            record(canonical, line: headerLine)
        }
        table = canonical
    }

    /// A possibly dotted key: `a`, `"a b".c`, `'lit'.d`.
    private mutating func scanKey() -> [String]? {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let c = peek() else { return keys.isEmpty ? nil : keys }
            if c == Self.quote {
                guard let key = scanBasicStringContent() else { return nil }
                keys.append(key)
            } else if c == Self.apostrophe {
                guard let key = scanLiteralStringContent() else { return nil }
                keys.append(key)
            } else {
                let start = pos
                while let b = peek(), TOMLKeyPath.isBareByte(b) { pos += 1 }
                guard pos > start else { return keys.isEmpty ? nil : keys }
                keys.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            }
            skipSpaces()
            if peek() == Self.dot {
                pos += 1
            } else {
                return keys
            }
        }
    }

    private mutating func scanValue(at path: TOMLKeyPath) {
        guard let c = peek() else { return }
        switch c {
        case Self.quote:
            if peek(1) == Self.quote && peek(2) == Self.quote {
                skipMultilineString(delimiter: Self.quote)
            } else {
                _ = scanBasicStringContent()
            }
        case Self.apostrophe:
            if peek(1) == Self.apostrophe && peek(2) == Self.apostrophe {
                skipMultilineString(delimiter: Self.apostrophe)
            } else {
                _ = scanLiteralStringContent()
            }
        case Self.openBracket:
            scanArray(at: path)
        case Self.openBrace:
            scanInlineTable(at: path)
        default:
            if isTruncatedDateTime() {
                flagUnsafe("in value: a date followed by a space needs a time, e.g. 1979-05-27 07:32:00")
            }
            // Numbers, booleans, dates and times (which may contain a space).
            while let b = peek(), b != Self.comma, b != Self.closeBracket, b != Self.closeBrace,
                  b != Self.newline, b != Self.cr, b != Self.hash {
                pos += 1
            }
        }
    }

    private mutating func scanArray(at path: TOMLKeyPath) {
        pos += 1
        var index = 0
        while pos < bytes.count {
            skipTrivia()
            guard let c = peek() else { return }
            if c == Self.closeBracket {
                pos += 1
                return
            }
            if c == Self.closeBrace || startsWithUnicodeLineBreak() {
                flagUnsafe("in array: expected a value, ',' or ']', saw \(describeCurrent())")
            }
            if c == Self.comma {
                pos += 1
                continue
            }
            let start = pos
            let element = path.appending(index: index)
            record(element, line: line)
            scanValue(at: element)
            index += 1
            if pos == start { advance() }  // never loop on unexpected input
        }
    }

    private mutating func scanInlineTable(at path: TOMLKeyPath) {
        pos += 1
        while pos < bytes.count {
            skipTrivia()
            guard let c = peek() else { return }
            if c == Self.closeBrace {
                pos += 1
                return
            }
            if c == Self.comma {
                pos += 1
                continue
            }
            let keyLine = line
            guard let keys = scanKey(), !keys.isEmpty else {
                advance()
                continue
            }
            skipSpaces()
            guard peek() == Self.equals else { continue }
            pos += 1
            var full = path
            for key in keys {
                full = full.appending(key)
                record(full, line: keyLine)
            }
            skipSpaces()
            scanValue(at: full)
        }
    }

    /// A single-line basic string starting at `"`; returns its decoded text.
    private mutating func scanBasicStringContent() -> String? {
        pos += 1
        var out: [UInt8] = []
        while let c = peek() {
            if c == Self.quote {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == Self.newline { return nil }
            if c == Self.backslash {
                pos += 1
                guard let e = peek() else { return nil }
                pos += 1
                switch e {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "e"): out.append(0x1B)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = e == UInt8(ascii: "u") ? 4 : 8
                    let end = min(pos + width, bytes.count)
                    let hex = String(decoding: bytes[pos..<end], as: UTF8.self)
                    pos = end
                    if let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                        out.append(contentsOf: Array(String(scalar).utf8))
                    }
                default: out.append(e)
                }
                continue
            }
            out.append(c)
            pos += 1
        }
        return nil
    }

    private mutating func scanLiteralStringContent() -> String? {
        pos += 1
        let start = pos
        while let c = peek() {
            if c == Self.apostrophe {
                let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                pos += 1
                return text
            }
            if c == Self.newline { return nil }
            pos += 1
        }
        return nil
    }

    private mutating func skipMultilineString(delimiter: UInt8) {
        pos += 3
        while let c = peek() {
            if c == Self.backslash && delimiter == Self.quote {
                pos += 1
                advance()
                continue
            }
            if c == delimiter && peek(1) == delimiter && peek(2) == delimiter {
                pos += 3
                // Up to two more quotes may close the content: `""""" ` is legal.
                var extra = 0
                while extra < 2, peek() == delimiter {
                    pos += 1
                    extra += 1
                }
                return
            }
            advance()
        }
    }
}

extension TOMLKeyPath {
    static func isBareByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte == 0x2D
    }
}
