import Foundation
import FeedModel
import Yams

/// `*.md`: YAML front matter between `---` lines, then a Markdown body.
public enum MarkdownEntry {
    /// Most lines a front matter block may have before feedd calls it unterminated.
    public static let maxFrontMatterLines = 500

    /// - Parameters:
    ///   - text: the decoded file (see `SourceText.decode`).
    ///   - source: path relative to the source root.
    /// - Throws: `Rejection` naming the line of the problem.
    public static func parse(_ text: String, source: String) throws(Rejection) -> Entry {
        var text = text
        let result = text.withUTF8 { utf8 -> Result<Entry, Rejection> in
            do throws(Rejection) {
                var (entry, body) = try head(utf8, source: source)
                switch body {
                case let .bytes(range): entry.body = String(decoding: UnsafeBufferPointer(rebasing: utf8[range]), as: UTF8.self)
                case let .text(text): entry.body = text
                }
                return .success(entry)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What the diff needs of a file's entry, from its checked UTF-8 (see
    /// `SourceText.validated`): the body is fingerprinted where it lies,
    /// never copied into a `String`.
    public static func record(_ utf8: UnsafeBufferPointer<UInt8>, source: String) throws(Rejection) -> EntryRecord {
        let (entry, body) = try head(utf8, source: source)
        switch body {
        case let .bytes(range):
            return EntryRecord(entry, fingerprint: entry.fingerprint(bodyUTF8: UnsafeBufferPointer(rebasing: utf8[range])))
        case let .text(text):
            var text = text
            return EntryRecord(entry, fingerprint: text.withUTF8 { entry.fingerprint(bodyUTF8: $0) })
        }
    }

    /// Where an entry's body is: trimmed bytes of the file, or text made
    /// when that is not possible (an end that is not ASCII, which
    /// `trimmed()` judges; a `body` field).
    enum Body {
        case bytes(Range<Int>)
        case text(String)
    }

    /// The entry from the front matter (its `body` left empty) and where its body is.
    static func head(_ utf8: UnsafeBufferPointer<UInt8>, source: String) throws(Rejection) -> (Entry, Body) {
        guard let offsets = splitOffsets(utf8) else {
            // Not split on bytes: let the String version say why.
            _ = try split(String(decoding: utf8, as: UTF8.self), source: source)
            throw Rejection(source: source, line: 1, message: "unterminated front matter: the `---` on line 1 has no closing `---` line")
        }
        let yaml = UnsafeBufferPointer(rebasing: utf8[offsets.yaml])
        let bodyBytes = UnsafeBufferPointer(rebasing: utf8[offsets.body])
        let body: Body
        if let trimmed = asciiTrimmedRange(bodyBytes) {
            body = .bytes((trimmed.lowerBound + offsets.body.lowerBound)..<(trimmed.upperBound + offsets.body.lowerBound))
        } else {
            body = .text(String(decoding: bodyBytes, as: UTF8.self).trimmed())
        }
        let hasBody: Bool
        switch body {
        case let .bytes(range): hasBody = !range.isEmpty
        case let .text(text): hasBody = !text.isEmpty
        }
        let entry: Entry
        if let simple = SimpleEntry.entry(yaml, source: source, hasBody: hasBody) {
            entry = simple
        } else {
            // The general path: any YAML, and every rejection with its reason.
            let fields: [String: FieldValue]
            if let simple = SimpleFrontMatter.fields(yaml, firstLine: 2) {
                fields = simple
            } else {
                fields = try FrontMatter.fields(Substring(String(decoding: yaml, as: UTF8.self)), firstLine: 2, source: source)
            }
            let builder = EntryBuilder(source: source, line: 1, defaultKey: .pathWithoutExtension(source))
            entry = try builder.build(fields, hasBody: hasBody)
        }
        // Without a body of its own, the entry's body is its `body` field (or nothing).
        return (entry, hasBody ? body : .text(entry.body))
    }

    /// `split` on UTF-8 bytes: the byte ranges of the YAML and the body, or
    /// nil when `split` would throw. A line feed byte is always a whole
    /// `Character`, so both agree on every text.
    static func splitOffsets(_ b: UnsafeBufferPointer<UInt8>) -> (yaml: Range<Int>, body: Range<Int>)? {
        let n = b.count
        let dash = UInt8(ascii: "-"), dot = UInt8(ascii: "."), lf = UInt8(ascii: "\n")
        // `---`, then optional blanks, then the end of the line (as `split` accepts).
        guard n >= 3, b[0] == dash, b[1] == dash, b[2] == dash else { return nil }
        var i = 3
        while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        guard i == n || b[i] == lf else { return nil }
        guard let base = b.baseAddress else { return nil }
        // Line ends found by memchr (a byte loop here was 1.6 % of a first run).
        func lineEnd(from start: Int) -> Int {
            guard start < n, let found = memchr(base + start, Int32(lf), n - start) else { return n }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        let afterOpen = min(lineEnd(from: 0) + 1, n)
        var lineStart = afterOpen
        var lineNumber = 2
        while lineStart < n {
            let lineEnd = lineEnd(from: lineStart)
            var fenceEnd = lineEnd
            while fenceEnd > lineStart, b[fenceEnd - 1] == 0x20 || b[fenceEnd - 1] == 0x09 { fenceEnd -= 1 }
            if fenceEnd - lineStart == 3 {
                let c = b[lineStart]
                if (c == dash || c == dot) && b[lineStart + 1] == c && b[lineStart + 2] == c {
                    let bodyStart = lineEnd < n ? lineEnd + 1 : n
                    return (afterOpen..<lineStart, bodyStart..<n)
                }
            }
            if lineNumber > maxFrontMatterLines { return nil }
            lineStart = lineEnd < n ? lineEnd + 1 : n
            lineNumber += 1
        }
        return nil
    }

    /// Splits `---\nYAML\n---\nBODY`. The closing fence may also be `...`.
    static func split(_ text: String, source: String) throws(Rejection) -> (yaml: Substring, body: Substring) {
        // Trailing blanks on the opening fence are as harmless as on the closing one.
        let firstLineEnd = text.firstIndex(of: "\n") ?? text.endIndex
        var opening = text[..<firstLineEnd]
        while let last = opening.last, last == " " || last == "\t" { opening = opening.dropLast() }
        guard opening == "---" else {
            throw Rejection(source: source, line: 1,
                            message: "no front matter: a Markdown entry starts with a line `---`, then `title:`, `date:` … and a closing `---`")
        }
        let afterOpen = firstLineEnd < text.endIndex ? text.index(after: firstLineEnd) : text.endIndex
        var lineStart = afterOpen
        var lineNumber = 2
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
            let line = text[lineStart..<lineEnd]
            var fence = line
            while let last = fence.last, last == " " || last == "\t" { fence = fence.dropLast() }
            if fence == "---" || fence == "..." {
                let bodyStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
                return (text[afterOpen..<lineStart], text[bodyStart...])
            }
            if lineNumber > maxFrontMatterLines {
                try oversized(text[lineEnd...], after: lineNumber, source: source)
            }
            lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
            lineNumber += 1
        }
        throw Rejection(source: source, line: 1,
                        message: "unterminated front matter: the `---` on line 1 has no closing `---` line")
    }

    /// Past the line limit: an oversized block when a closing fence follows, else an unterminated one.
    private static func oversized(_ rest: Substring, after lineNumber: Int, source: String) throws(Rejection) -> Never {
        var number = lineNumber
        for line in rest.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            number += 1
            var fence = line
            while let last = fence.last, last == " " || last == "\t" { fence = fence.dropLast() }
            if fence == "---" || fence == "..." {
                throw Rejection(source: source, line: 1,
                                message: "front matter too long: it closes on line \(number), over the limit of \(maxFrontMatterLines) lines; move long text into the body")
            }
        }
        throw Rejection(source: source, line: 1,
                        message: "unterminated front matter: the `---` on line 1 has no closing `---` line")
    }
}

func stripExtension(_ path: String) -> String {
    guard let dot = path.lastIndex(of: "."), !path[dot...].utf8.contains(UInt8(ascii: "/")) else { return path }
    return String(path[..<dot])
}

/// YAML front matter → fields, through Yams (libyaml).
enum FrontMatter {
    static func fields(_ yaml: Substring, firstLine: Int, source: String) throws(Rejection) -> [String: FieldValue] {
        try YAMLScreen.check(yaml, firstLine: firstLine, source: source)
        let node: Node?
        do {
            node = try Yams.compose(yaml: String(yaml), .basic, .default, .utf8)
        } catch let error as YamlError {
            throw rejection(error, firstLine: firstLine, source: source)
        } catch {
            throw Rejection(source: source, line: firstLine, message: "front matter is not valid YAML: \(error)")
        }
        guard let node else { return [:] }
        guard case let .mapping(mapping) = node else {
            throw Rejection(source: source, line: firstLine, message: "front matter must be `key: value` lines")
        }
        var out: [String: FieldValue] = [:]
        for (k, v) in mapping {
            guard case let .scalar(keyScalar) = k else {
                throw Rejection(source: source, line: line(k, firstLine), message: "front matter keys must be plain words")
            }
            let key = keyScalar.string.lowercased()
            if out[key] != nil {
                throw Rejection(source: source, line: line(k, firstLine), message: "key \(key) appears twice")
            }
            out[key] = try value(v, depth: 0, firstLine: firstLine, source: source)
        }
        return out
    }

    private static func line(_ node: Node, _ firstLine: Int) -> Int {
        (node.mark?.line ?? 1) + firstLine - 1
    }

    private static func value(_ node: Node, depth: Int, firstLine: Int, source: String) throws(Rejection) -> FieldValue {
        let at = line(node, firstLine)
        guard depth < 4 else {
            throw Rejection(source: source, line: at, message: "front matter nests too deeply")
        }
        switch node {
        case let .scalar(s):
            if s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) { return .null(line: at) }
            return .text(s.string, line: at)
        case let .sequence(seq):
            var items: [FieldValue] = []
            for item in seq {
                items.append(try value(item, depth: depth + 1, firstLine: firstLine, source: source))
            }
            return .list(items, line: at)
        case let .mapping(map):
            var t: [String: FieldValue] = [:]
            for (k, v) in map {
                guard case let .scalar(ks) = k else {
                    throw Rejection(source: source, line: line(k, firstLine), message: "front matter keys must be plain words")
                }
                t[ks.string.lowercased()] = try value(v, depth: depth + 1, firstLine: firstLine, source: source)
            }
            return .table(t, line: at)
        case .alias:
            throw Rejection(source: source, line: at, message: "YAML aliases (*name) are not supported in front matter; write the value out")
        }
    }

    private static func rejection(_ error: YamlError, firstLine: Int, source: String) -> Rejection {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return Rejection(source: source, line: mark.line + firstLine - 1, message: "front matter is not valid YAML: \(problem)")
        case let .reader(problem, offset, value, yaml):
            // libyaml's reader refuses characters YAML forbids (C1 controls…) and gives an offset, not a line.
            let line = offset.map { yaml.prefix($0).reduce(0) { $1 == "\n" ? $0 + 1 : $0 } } ?? 0
            let hex = String(value, radix: 16, uppercase: true)
            let character = value >= 0 ? " (U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ")" : ""
            return Rejection(source: source, line: firstLine + line, message: "front matter is not valid YAML: \(problem)\(character); remove it")
        case let .duplicatedKeysInMapping(duplicates, _):
            // Yams collects them in a dictionary: sorted, the line is the same on every run.
            return Rejection(source: source, line: firstLine, message: "front matter repeats key(s) \(duplicates.sorted().joined(separator: ", "))")
        default:
            return Rejection(source: source, line: firstLine, message: "front matter is not valid YAML: \(error)")
        }
    }
}
