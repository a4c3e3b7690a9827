import Foundation
import FeedModel

/// A front-matter or JSON value, reduced to what entries need, with the line
/// it came from so errors can point at it. Not `indirect`: lists and tables
/// already hold their values out of line, so a text value needs no box of its own.
public enum FieldValue: Sendable, Equatable {
    case text(String, line: Int?)
    /// A JSON number or boolean, as JSON wrote it: text fields refuse it (`"title": 42`).
    case number(String, line: Int?)
    case list([FieldValue], line: Int?)
    case table([String: FieldValue], line: Int?)
    case null(line: Int?)

    public var line: Int? {
        switch self {
        case let .text(_, line), let .number(_, line), let .list(_, line), let .table(_, line), let .null(line): return line
        }
    }
}

/// The fields an entry is built from, by (lower-case) name, as a reader
/// found them: the byte reader of front matter fills it directly, Yams' and
/// JSON's tables through `init(_:)`. Names an entry does not read are kept
/// only to notice a repeat.
struct EntryFields: Equatable {
    var kind, id, title, date, published, updated, link, url, authors, author, venue, team, tags, location, closes, body: FieldValue?
    /// Names an entry does not read, with their lines: each is a warning
    /// (a misspelt `titel:` would otherwise vanish without a word).
    private(set) var unknown: [UnknownKey] = []

    struct UnknownKey: Equatable {
        var name: String
        var line: Int?
    }

    /// Every name an entry reads, for suggestions.
    static let known = ["kind", "id", "title", "date", "published", "updated", "link", "url", "authors", "author",
                        "venue", "team", "tags", "location", "closes", "body"]

    init() {}

    /// Whether an `id` was given (`id: null` is none).
    var hasID: Bool {
        if let id, case .null = id { return false }
        return id != nil
    }

    init(_ table: [String: FieldValue]) {
        for (name, value) in table { _ = set(name, value) }
    }

    /// Keeps `value` under `name`; false when the name was set before.
    mutating func set(_ name: String, _ value: FieldValue) -> Bool {
        func take(_ slot: inout FieldValue?) -> Bool {
            guard slot == nil else { return false }
            slot = value
            return true
        }
        switch name {
        case "kind": return take(&kind)
        case "id": return take(&id)
        case "title": return take(&title)
        case "date": return take(&date)
        case "published": return take(&published)
        case "updated": return take(&updated)
        case "link": return take(&link)
        case "url": return take(&url)
        case "authors": return take(&authors)
        case "author": return take(&author)
        case "venue": return take(&venue)
        case "team": return take(&team)
        case "tags": return take(&tags)
        case "location": return take(&location)
        case "closes": return take(&closes)
        case "body": return take(&body)
        default:
            guard !unknown.contains(where: { $0.name == name }) else { return false }
            // In line order, whatever order the reader (a table, or the bytes) gives them in.
            let key = UnknownKey(name: name, line: value.line)
            let at = unknown.firstIndex { ($0.line ?? 0, $0.name) > (key.line ?? 0, key.name) } ?? unknown.endIndex
            unknown.insert(key, at: at)
            return true
        }
    }

    /// One warning per unknown name, in line order, with the closest known name when one is close.
    func warnings(source: String) -> [Rejection] {
        unknown.map { u in
            let hint = Self.closest(to: u.name).map { "; did you mean `\($0)`?" } ?? "; feedd does not read it"
            return Rejection(source: source, line: u.line, message: "unknown key `\(u.name)`\(hint) (the entry is published without it)")
        }
    }

    /// The known name within two edits (a letter added, dropped, changed or
    /// two swapped) of `name`, the nearest first; nil when none is that close.
    static func closest(to name: String) -> String? {
        let candidates = known.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= min(2, max(1, name.count / 3)) }
        return candidates.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}

/// Builds an `Entry` from named fields, the same way for Markdown front
/// matter and JSON, so both formats accept exactly the same keys.
struct EntryBuilder {
    var source: String
    /// Where the entry starts (the front matter's first line, the JSON object's line).
    var line: Int
    /// Key used when the entry has no `id`: the path without its extension.
    var defaultKey: DefaultKey

    enum DefaultKey {
        case text(String)
        /// This path without its extension, made only when there is no `id`
        /// (most entries have one).
        case pathWithoutExtension(String)

        var text: String {
            switch self {
            case let .text(t): t
            case let .pathWithoutExtension(path): stripExtension(path)
            }
        }
    }

    func build(_ fields: EntryFields, body: String) throws(Rejection) -> Entry {
        var entry = try build(fields, hasBody: !body.isEmpty)
        if !body.isEmpty { entry.body = body }
        return entry
    }

    /// The entry without its body text: empty when `hasBody` (the caller
    /// has it), else the `body` field when there is one.
    ///
    /// Every field is checked, so one rejection names every problem of the
    /// entry (`Rejection.combining`), not only the first.
    func build(_ f: EntryFields, hasBody: Bool) throws(Rejection) -> Entry {
        var problems: [Rejection] = []
        func check<T>(_ body: () throws(Rejection) -> T) -> T? {
            do { return try body() } catch { problems.append(error); return nil }
        }
        let kind = check { () throws(Rejection) in try kindOf(f.kind) }
        let key: EntryKey? = check { () throws(Rejection) -> EntryKey in
            let key: EntryKey
            if let id = f.id, case .null = id {
                key = EntryKey(sanitizing: defaultKey.text)
            } else if let id = f.id {
                let raw = try identifier(id)
                key = EntryKey(sanitizing: raw)
                guard !key.rawValue.isEmpty else { throw reject(id, "id \(quoted(raw)) has no usable characters; use letters, digits and -") }
            } else {
                key = EntryKey(sanitizing: defaultKey.text)
            }
            guard !key.rawValue.isEmpty else { throw Rejection(source: source, line: line, message: "cannot derive an id from the file name; add an id field") }
            return key
        }
        let title = check { () throws(Rejection) -> String in
            guard let titleValue = f.title else {
                throw Rejection(source: source, line: line, message: "missing title; add `title: …`")
            }
            let title = try text(titleValue, "title").collapsingWhitespace()
            guard !title.isEmpty else { throw reject(titleValue, "title is empty") }
            return title
        }
        let published = check { () throws(Rejection) in try date(f.date ?? f.published, "date") }
        let updated = check { () throws(Rejection) in try date(f.updated, "updated") }
        let link = check { () throws(Rejection) in try self.link(f.link ?? f.url) }
        let authors = check { () throws(Rejection) in try list(f.authors ?? f.author, "authors") }
        let venue = check { () throws(Rejection) in try optionalText(f.venue, "venue") }
        let team = check { () throws(Rejection) in try optionalText(f.team, "team") }
        let tags = check { () throws(Rejection) in try list(f.tags, "tags") }
        let location = check { () throws(Rejection) in try f.location.flatMap { v throws(Rejection) in try self.location(v) } }
        let closes = check { () throws(Rejection) in try closingDate(f.closes) }
        let body = check { () throws(Rejection) in hasBody ? nil : try optionalText(f.body, "body") }
        guard problems.isEmpty, let kind, let key, let title else {
            throw Rejection.combining(problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        var entry = Entry(key: key, kind: kind, title: title, source: source, line: line)
        entry.published = published ?? nil
        entry.updated = updated ?? nil
        entry.link = link ?? nil
        entry.authors = authors ?? []
        entry.venue = venue ?? nil
        entry.team = team ?? nil
        entry.tags = tags ?? []
        entry.location = location ?? nil
        entry.closes = closes ?? nil
        if let body = body ?? nil { entry.body = body }
        return entry
    }

    /// An `id`: text, or a whole number (JSON ids often are).
    private func identifier(_ value: FieldValue) throws(Rejection) -> String {
        if case let .number(n, _) = value, Int(n) != nil { return n }
        return try text(value, "id")
    }

    /// `link` (or `url`): an absolute http or https URL. A relative one would
    /// silently point into the feeds' own site.
    private func link(_ value: FieldValue?) throws(Rejection) -> String? {
        guard let value, let raw = try optionalText(value, "link") else { return nil }
        // The scheme only, lower-cased: eight bytes make a small string (no allocation).
        let scheme = raw.prefix(8).lowercased()
        guard scheme.hasPrefix("http://") || scheme.hasPrefix("https://"),
              let url = URL(string: raw), let host = url.host, !host.isEmpty else {
            throw reject(value, "link \(quoted(raw)) is not an absolute http(s) URL; write it in full, e.g. https://example.org/papers/1")
        }
        return raw
    }

    private func kindOf(_ value: FieldValue?) throws(Rejection) -> EntryKind {
        if let value {
            let raw = try text(value, "kind")
            guard let kind = EntryKind(field: raw) else {
                throw reject(value, "kind \(quoted(raw)) is neither publication nor job")
            }
            return kind
        }
        if let kind = Self.kind(fromDirectoriesOf: source) { return kind }
        throw Rejection(source: source, line: line,
                        message: "cannot tell a publication from a job: add `kind: publication` or `kind: job`, or move the file under publications/ or jobs/")
    }

    /// The kind the nearest enclosing publications/ or jobs/ directory gives.
    static func kind(fromDirectoriesOf source: String) -> EntryKind? {
        for component in source.split(separator: "/").dropLast().reversed() {
            if let kind = EntryKind(directory: String(component)) { return kind }
        }
        return nil
    }

    private func reject(_ value: FieldValue, _ message: String) -> Rejection {
        Rejection(source: source, line: value.line ?? line, message: message)
    }

    private func text(_ value: FieldValue, _ name: String) throws(Rejection) -> String {
        switch value {
        case let .text(s, _):
            try checkCharacters(s, value, name)
            return s
        case .null: throw reject(value, "\(name) is empty")
        case let .number(n, _): throw reject(value, "\(name) must be text, got \(n) (a JSON number or boolean); put it in quotes")
        case .list: throw reject(value, "\(name) must be text, not a list")
        case .table: throw reject(value, "\(name) must be text, not a table")
        }
    }

    private func optionalText(_ value: FieldValue?, _ name: String) throws(Rejection) -> String? {
        guard let value else { return nil }
        if case .null = value { return nil }
        let s = try text(value, name).trimmed()
        return s.isEmpty ? nil : s
    }

    private func list(_ value: FieldValue?, _ name: String) throws(Rejection) -> [String] {
        guard let value else { return [] }
        switch value {
        case .null: return []
        case let .text(s, _):
            try checkCharacters(s, value, name)
            // "A. Author, B. Author" is a common shorthand for a list.
            return s.split(separator: ",").map { $0.collapsingWhitespace() }.filter { !$0.isEmpty }
        case let .list(items, _):
            var out: [String] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard case let .text(s, _) = item else {
                    throw reject(item, "\(name) must be a list of text")
                }
                try checkCharacters(s, item, name)
                let clean = s.collapsingWhitespace()
                if !clean.isEmpty { out.append(clean) }
            }
            return out
        case .table, .number:
            throw reject(value, "\(name) must be a list, e.g. [a, b]")
        }
    }

    /// The last instant a date may name. Later dates are typos (20204, 2205)
    /// that feed readers would pin above every other item for centuries.
    /// A fixed year, not "now + x": parsing stays deterministic and never
    /// reads the clock.
    static let latestDate = Timestamp.fromCivil(year: 2100, month: 12, day: 31, hour: 23, minute: 59, second: 59)!

    private func date(_ value: FieldValue?, _ name: String) throws(Rejection) -> Timestamp? {
        guard let value else { return nil }
        if case .null = value { return nil }
        let raw = try text(value, name)
        guard let t = Timestamp(rfc3339: raw) else {
            if let local = Timestamp(rfc3339: raw.trimmed() + "Z"), local <= Self.latestDate {
                throw reject(value, "\(name) \(quoted(raw)) has a time but no time zone; add one, e.g. \(raw.trimmed())Z or \(raw.trimmed())+02:00")
            }
            throw reject(value, "\(name) \(quoted(raw)) is not a date; use RFC 3339, e.g. 2024-05-01 or 2024-05-01T10:00:00Z")
        }
        guard t <= Self.latestDate else {
            throw reject(value, "\(name) \(quoted(raw)) is after the year 2100; a typo?")
        }
        return t
    }

    /// `closes:` as a moment: a date alone means the end of that day (UTC),
    /// as an application deadline does.
    private func closingDate(_ value: FieldValue?) throws(Rejection) -> Timestamp? {
        guard let value, let t = try date(value, "closes") else { return nil }
        guard case let .text(raw, _) = value, raw.trimmed().utf8.count == 10 else { return t }
        return Timestamp(seconds: t.seconds + 86_400)
    }

    /// Characters XML 1.0 forbids, written as escapes (`"\e"`, `"\u0000"`) that
    /// `SourceText` never saw as bytes: refused the same way, naming the field.
    private func checkCharacters(_ s: String, _ value: FieldValue, _ name: String) throws(Rejection) {
        // Read as UTF-8: a C0 control is one byte; EF BF BE and EF BF BF are U+FFFE and U+FFFF
        // (EF only ever leads a sequence).
        var s = s
        let found = s.withUTF8 { utf8 -> UInt32? in
            var previous: (UInt8, UInt8) = (0, 0)
            for b in utf8 {
                if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { return UInt32(b) }
                if previous == (0xEF, 0xBF), b == 0xBE || b == 0xBF { return 0xFFC0 | UInt32(b & 0x3F) }
                previous = (previous.1, b)
            }
            return nil
        }
        guard let v = found else { return }
        let what = v == 0 ? "a NUL character" : (v < 0x20 ? "control character" : "noncharacter") + " U+" + hex4(v)
        throw reject(value, "\(name) holds \(what) (written as an escape), which XML does not allow; remove it")
    }

    private func location(_ value: FieldValue) throws(Rejection) -> Location? {
        switch value {
        case .null: return nil
        case let .text(s, _):
            guard let loc = Location(parsing: s) else { throw reject(value, "location is empty") }
            return loc
        case let .table(t, _):
            guard let country = try optionalText(t["country"], "location.country") else {
                throw reject(value, "location needs at least a country")
            }
            return Location(country: country, region: try optionalText(t["region"], "location.region"),
                            city: try optionalText(t["city"], "location.city"))
        case .list, .number:
            throw reject(value, "location must be text like \"US, WA, Seattle\"")
        }
    }
}

private func hex4(_ v: UInt32) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}

func quoted(_ s: String) -> String {
    let short = s.count > 60 ? String(s.prefix(57)) + "…" : s
    return "\"" + short + "\""
}
