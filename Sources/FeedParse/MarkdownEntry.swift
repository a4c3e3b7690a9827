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
    /// - Returns: the entry, and a warning per front-matter key it does not read.
    public static func parse(_ text: String, source: String) throws(Rejection) -> (entry: Entry, warnings: [Rejection]) {
        var text = text
        let result = text.withUTF8 { utf8 -> Result<(entry: Entry, warnings: [Rejection]), Rejection> in
            do throws(Rejection) {
                var (entry, body, warnings) = try head(utf8, source: source)
                if !body.isEmpty { entry.body = String(decoding: UnsafeBufferPointer(rebasing: utf8[body]), as: UTF8.self) }
                return .success((entry, warnings))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What the diff needs of a file's entry, from its checked UTF-8
    /// (`SourceText.validated`): the body is fingerprinted where it lies,
    /// never copied into a `String` (a first run reads 100,000 bodies).
    /// - Parameter digests: also take the fields' digests (`FieldDigests`).
    public static func record(_ utf8: UnsafeBufferPointer<UInt8>, source: String,
                              digests: Bool = false) throws(Rejection) -> (record: EntryRecord, warnings: [Rejection]) {
        let (entry, range, warnings) = try head(utf8, source: source)
        // No body in the file: the entry's `body` field, if any, is its body.
        guard !range.isEmpty else {
            var record = EntryRecord(entry)
            if digests { record.digests = FieldDigests(entry) }
            return (record, warnings)
        }
        let body = UnsafeBufferPointer(rebasing: utf8[range])
        var record = EntryRecord(entry, fingerprint: entry.fingerprint(bodyUTF8: body))
        if digests { record.digests = FieldDigests(entry, body: body) }
        return (record, warnings)
    }

    /// The entry from the front matter, and where its body lies in `utf8`
    /// (trimmed; empty when the file has none, and the entry's body is then
    /// its `body` field, if any).
    static func head(_ utf8: UnsafeBufferPointer<UInt8>, source: String) throws(Rejection) -> (Entry, body: Range<Int>, warnings: [Rejection]) {
        let (yamlRange, bodyRange) = try split(utf8, source: source)
        let yaml = UnsafeBufferPointer(rebasing: utf8[yamlRange])
        let trimmed = Whitespace.trimmedRange(UnsafeBufferPointer(rebasing: utf8[bodyRange]))
        let body = (bodyRange.lowerBound + trimmed.lowerBound)..<(bodyRange.lowerBound + trimmed.upperBound)
        // The usual `key: value` lines straight from the bytes; anything else through Yams.
        let fields: EntryFields
        if let simple = SimpleFrontMatter.fields(yaml, firstLine: 2) {
            fields = simple
        } else {
            fields = EntryFields(try FrontMatter.fields(Substring(String(decoding: yaml, as: UTF8.self)), firstLine: 2, source: source))
        }
        let builder = EntryBuilder(source: source, line: 1, defaultKey: .pathWithoutExtension(source))
        return (try builder.build(fields, hasBody: !body.isEmpty), body, fields.warnings(source: source))
    }

    /// Splits `---\nYAML\n---\nBODY` into the byte ranges of the YAML and
    /// the body. The closing fence may also be `...`; blanks may trail either fence.
    static func split(_ b: UnsafeBufferPointer<UInt8>, source: String) throws(Rejection) -> (yaml: Range<Int>, body: Range<Int>) {
        let n = b.count
        func lineEnd(from start: Int) -> Int {
            var i = start
            while i < n, b[i] != 0x0A { i += 1 }
            return i
        }
        /// Whether the line is `fence` (`-` or `.` three times), blanks after it allowed.
        func isFence(_ start: Int, _ end: Int, _ mark: UInt8) -> Bool {
            var e = end
            while e > start, b[e - 1] == 0x20 || b[e - 1] == 0x09 { e -= 1 }
            return e - start == 3 && b[start] == mark && b[start + 1] == mark && b[start + 2] == mark
        }
        let firstEnd = lineEnd(from: 0)
        guard isFence(0, firstEnd, UInt8(ascii: "-")) else {
            throw Rejection(source: source, line: 1,
                            message: "no front matter: a Markdown entry starts with a line `---`, then `title:`, `date:` … and a closing `---`")
        }
        let afterOpen = min(firstEnd + 1, n)
        var lineStart = afterOpen
        var lineNumber = 2
        var tooLong = false
        while lineStart < n {
            let end = lineEnd(from: lineStart)
            if isFence(lineStart, end, UInt8(ascii: "-")) || isFence(lineStart, end, UInt8(ascii: ".")) {
                if tooLong {
                    throw Rejection(source: source, line: 1,
                                    message: "front matter too long: it closes on line \(lineNumber), over the limit of \(maxFrontMatterLines) lines; move long text into the body")
                }
                return (afterOpen..<lineStart, min(end + 1, n)..<n)
            }
            if lineNumber > maxFrontMatterLines { tooLong = true }
            lineStart = end + 1
            lineNumber += 1
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
            // The usual cause: `title: Foo: a system` (a second `: ` in a plain value).
            let hint = problem.contains("mapping values are not allowed")
                ? "; a value holding `: ` must be quoted, e.g. title: \"Foo: a system\"" : ""
            return Rejection(source: source, line: mark.line + firstLine - 1, message: "front matter is not valid YAML: \(problem)\(hint)")
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
