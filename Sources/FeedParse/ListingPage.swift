import FeedModel

/// Reads a listing page (`*.txt`): a page dump with numbered publication
/// abstracts and, after a `Related content` line, job postings.
///
/// The shape, as scrapers save it:
///
///     Page title
///
///     Intro paragraph (ignored).
///
///       1. First paragraph of an abstract …
///
///         Continuation paragraph, indented …
///
///         Read the rest of the abstract and download the paper
///
///     Related content
///
///     US, WA, Seattle
///     One-line job description …
///
/// "Read … paper" link lines are not part of an abstract. The job list may
/// be missing (publications only); a page may hold only jobs, with or without
/// the `Related content` line. CRLF, a UTF-8 BOM and tab indentation are fine.
public enum ListingPage {
    /// Parses a page into items whose `entry.key` is the base key (see
    /// `baseKey(kind:source:location:text:)`); exact duplicates are dropped,
    /// the first one kept.
    ///
    /// Pure: no I/O, and the same text always gives the same items.
    /// - Throws: `Rejection` naming the line when something is malformed
    ///   there (a location with no description, a job description with no
    ///   location, an empty abstract, a NUL character), or with no line when
    ///   the page holds no items at all.
    public static func parse(text: String, source: String) throws(Rejection) -> [ListingItem] {
        let lines = splitLines(text)
        var reader = Reader(source: source)
        for (index, line) in lines.enumerated() {
            try reader.read(line, number: index + 1, next: { lines.dropFirst(index + 1).first { !$0.content.isEmpty } })
        }
        let items = try reader.finish()

        var seen = Set<Fingerprint>()
        return items.filter { seen.insert($0.entry.fingerprint).inserted }
    }

    // MARK: Keys

    /// The base key of an item: the page's path without extension, then the
    /// kind (and, for jobs, the place) and 12 hex digits of a SHA-256 over
    /// the first 20 normalised words — so re-numbering, re-ordering and edits
    /// late in the text leave it alone.
    /// `listing/science-page-2024/publication-3fa2c91b0d4e`,
    /// `listing/science-page-2024/job-us-wa-seattle-51c0e2d9a8f7`.
    ///
    /// Keys use only `[a-z0-9/-]`; `ListingIdentity` may add `~2`, `~3` when
    /// two different items share a base key.
    public static func baseKey(kind: EntryKind, source: String, location: Location?, text: String) -> EntryKey {
        let opening = TextSketch.normalisedWords(text).prefix(baseKeyWords).joined(separator: " ")
        var material = kind.rawValue + "\n"
        var name = kind.rawValue + "-"
        if let location {
            let place = TextSketch.normalisedWords(location.description).joined(separator: " ")
            material += place + "\n"
            let placeSlug = slug(location.description)
            if !placeSlug.isEmpty { name += placeSlug + "-" }
        }
        material += opening
        let hash = Fingerprint(ofText: material).hex.prefix(12)
        return EntryKey(rawValue: "\(pageSlug(source))/\(name)\(hash)")
    }

    /// Words of an item's opening that its base key depends on.
    public static let baseKeyWords = 20

    /// `listing/Science Page 2024.txt` → `listing/science-page-2024`.
    static func pageSlug(_ source: String) -> String {
        var path = Substring(source)
        if let dot = path.lastIndex(of: "."), !path[dot...].contains("/"), dot != path.startIndex, path[path.index(before: dot)] != "/" {
            path = path[..<dot]
        }
        let parts = path.split(separator: "/").map { slug(String($0)) }.filter { !$0.isEmpty }
        return parts.isEmpty ? "listing" : parts.joined(separator: "/")
    }

    /// Lower-case ASCII letters and digits; runs of anything else become one `-`.
    static func slug(_ text: String) -> String {
        var out = ""
        var dash = false
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if dash && !out.isEmpty { out.append("-") }
                out.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
        }
        return out
    }

    // MARK: Lines

    struct Line {
        /// Columns of leading whitespace, a tab counting to the next multiple of 4.
        var indent: Int
        /// The line without leading and trailing whitespace.
        var content: String
    }

    /// Lines after dropping a BOM; `\n`, `\r\n` and `\r` all end a line.
    static func splitLines(_ text: String) -> [Line] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let body = String(String.UnicodeScalarView(scalars))
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { raw in
                var indent = 0
                for c in raw {
                    if c == " " { indent += 1 } else if c == "\t" { indent = (indent / 4 + 1) * 4 } else { break }
                }
                let content = raw.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
                return Line(indent: indent, content: String(content))
            }
    }

    static func numbered(_ content: String) -> (number: Int, rest: String)? {
        let digits = content.prefix { $0.isASCII && $0.isNumber }
        guard (1...4).contains(digits.count), let number = Int(digits) else { return nil }
        let after = content.dropFirst(digits.count)
        guard let mark = after.first, mark == "." || mark == ")" else { return nil }
        let rest = after.dropFirst()
        guard rest.isEmpty || rest.first?.isWhitespace == true else { return nil }
        return (number, rest.trimmingWhitespace())
    }

    static func isReadLink(_ content: String) -> Bool {
        let lower = content.lowercased()
        return lower.count <= 100 && lower.hasPrefix("read ") && lower.contains("paper")
    }

    static func isRelatedHeader(_ content: String) -> Bool {
        var lower = content.lowercased()
        if lower.hasSuffix(":") { lower.removeLast() }
        return lower == "related content"
    }

    /// A place line as pages print it: `US, WA, Seattle`, `GB, London`. With
    /// `strict`, the first part must be a 2–3 letter upper-case country code
    /// (used to spot a job list with no `Related content` line); otherwise
    /// any short comma-separated line that is not a sentence (`Remote`).
    static func looksLikeLocation(_ content: String, strict: Bool) -> Bool {
        guard !content.isEmpty, content.count <= 80, let last = content.last, !".!?:;".contains(last) else { return false }
        let parts = content.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        guard (1...4).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 40 }),
              parts.allSatisfy({ $0.split(separator: " ").count <= 5 }),
              parts[0].contains(where: { $0.isLetter }) else { return false }
        if strict {
            return parts.count >= 2 && (2...3).contains(parts[0].count) && parts[0].allSatisfy { $0.isASCII && $0.isUppercase }
        }
        return true
    }

    // MARK: Reading

    private struct PendingAbstract {
        var line: Int
        var number: Int
        var paragraphs: [[String]]
        var breakPending = false
    }

    private struct PendingLocation {
        var line: Int
        var text: String
        var location: Location
    }

    private struct Reader {
        enum Section { case preamble, abstracts, jobs }

        let source: String
        var section = Section.preamble
        var abstractIndent: Int?
        var abstract: PendingAbstract?
        var location: PendingLocation?
        var sawRelatedHeader = false
        var items: [ListingItem] = []

        init(source: String) { self.source = source }

        mutating func read(_ line: Line, number: Int, next: () -> Line?) throws(Rejection) {
            let content = line.content
            if content.unicodeScalars.contains(where: { $0.value == 0 }) {
                throw Rejection(source: source, line: number,
                                message: "contains a NUL character; a listing page must be plain UTF-8 text")
            }
            if ListingPage.isRelatedHeader(content) {
                try finishAbstract()
                section = .jobs
                sawRelatedHeader = true
                return
            }
            switch section {
            case .preamble, .abstracts:
                try readAbstractLine(line, number: number, next: next)
            case .jobs:
                try readJobLine(content, number: number)
            }
        }

        private mutating func readAbstractLine(_ line: Line, number: Int, next: () -> Line?) throws(Rejection) {
            let content = line.content
            if content.isEmpty {
                abstract?.breakPending = true
                return
            }
            if let (n, rest) = ListingPage.numbered(content), line.indent <= (abstractIndent ?? line.indent) {
                try finishAbstract()
                abstractIndent = abstractIndent ?? line.indent
                section = .abstracts
                abstract = PendingAbstract(line: number, number: n, paragraphs: rest.isEmpty ? [] : [[rest]])
                return
            }
            if ListingPage.isReadLink(content) {
                abstract?.breakPending = true
                return
            }
            // A job list without its `Related content` line: a place, then a description.
            if line.indent <= (abstractIndent ?? 0), ListingPage.looksLikeLocation(content, strict: true), let following = next(),
               ListingPage.numbered(following.content) == nil,
               !ListingPage.looksLikeLocation(following.content, strict: false), following.content.count >= 40 {
                try finishAbstract()
                section = .jobs
                try readJobLine(content, number: number)
                return
            }
            guard var current = abstract else { return } // title and intro
            if current.breakPending || current.paragraphs.isEmpty {
                current.paragraphs.append([content])
            } else {
                current.paragraphs[current.paragraphs.count - 1].append(content)
            }
            current.breakPending = false
            abstract = current
        }

        private mutating func readJobLine(_ content: String, number: Int) throws(Rejection) {
            if content.isEmpty { return }
            guard let pending = location else {
                guard ListingPage.looksLikeLocation(content, strict: false), let place = Location(parsing: content) else {
                    throw Rejection(source: source, line: number, message:
                        "expected a job location line such as 'US, WA, Seattle' (country, region, city), found “\(ListingTitle.shorten(content, limit: 40))”; "
                        + "after 'Related content' each job is a location line followed by a one-line description")
                }
                location = PendingLocation(line: number, text: content, location: place)
                return
            }
            if ListingPage.looksLikeLocation(content, strict: false) && content.contains(",") {
                throw noDescription(pending)
            }
            location = nil
            let kind = EntryKind.job
            let team = ListingTitle.team(in: content)
            let entry = Entry(
                key: ListingPage.baseKey(kind: kind, source: source, location: pending.location, text: content),
                kind: kind,
                title: ListingTitle.job(description: content, location: pending.location, team: team),
                location: pending.location,
                team: team,
                body: content,
                source: source,
                line: pending.line)
            items.append(ListingItem(entry: entry, sketch: TextSketch(text: pending.location.description + "\n" + content)))
        }

        private func noDescription(_ pending: PendingLocation) -> Rejection {
            Rejection(source: source, line: pending.line,
                      message: "location line '\(pending.text)' has no job description after it; each location line must be followed by a one-line description")
        }

        private mutating func finishAbstract() throws(Rejection) {
            guard let pending = abstract else { return }
            abstract = nil
            let body = pending.paragraphs.map { $0.joined(separator: " ") }.joined(separator: "\n\n")
            guard !body.isEmpty else {
                throw Rejection(source: source, line: pending.line,
                                message: "abstract \(pending.number) has no text; a numbered line must start an abstract")
            }
            let kind = EntryKind.publication
            let entry = Entry(
                key: ListingPage.baseKey(kind: kind, source: source, location: nil, text: body),
                kind: kind,
                title: ListingTitle.publication(abstract: body),
                body: body,
                source: source,
                line: pending.line)
            items.append(ListingItem(entry: entry, sketch: TextSketch(text: body)))
        }

        mutating func finish() throws(Rejection) -> [ListingItem] {
            try finishAbstract()
            if let pending = location { throw noDescription(pending) }
            if items.isEmpty {
                let message = sawRelatedHeader
                    ? "found 'Related content' but no job postings after it and no numbered abstracts before it; see README 'Listing pages'"
                    : "no numbered abstracts and no 'Related content' job list found; see README 'Listing pages'"
                throw Rejection(source: source, line: nil, message: message)
            }
            return items
        }
    }
}

private extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension ListingItem {
    /// An item with no id of its own (in a JSON array), keyed from its
    /// content as a listing page's items are: the base key from its kind,
    /// place, title and opening words, the sketch from the same text.
    init(contentKeyed entry: Entry) {
        let text = entry.title + "\n" + entry.body
        var keyed = entry
        keyed.key = ListingPage.baseKey(kind: entry.kind, source: entry.source, location: entry.location, text: text)
        self.init(entry: keyed, sketch: TextSketch(text: (entry.location.map { $0.description + "\n" } ?? "") + text))
    }
}
