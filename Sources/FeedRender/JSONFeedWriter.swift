import FeedModel

/// Renders a JSON Feed 1.1 (https://jsonfeed.org/version/1.1), item for item
/// the same as the Atom feed beside it: same ids (`tag:` URIs), titles and dates.
///
/// Built by hand rather than with `JSONEncoder` so the bytes are fixed by
/// this file alone: keys sorted, two-space indent, `/` not escaped, a
/// trailing newline.
public struct JSONFeedWriter: Sendable {
    public static let version = "https://jsonfeed.org/version/1.1"

    public var site: Site

    public init(site: Site) {
        self.site = site
    }

    /// - Parameters:
    ///   - items: already selected and ordered newest first (see `FeedItem.feedOrder`).
    ///   - file: this JSON file's name beside the Atom feed, for `feed_url`;
    ///     `feed.file(for: .json)` by default.
    ///   - archive: the archive documents of a feed with archives: JSON Feed
    ///     has no archive relations, so `next_url` (its pagination, "the next
    ///     n items") names the archive document of the entries before these.
    public func render(_ feed: FeedSpec, items: [FeedItem], file: String? = nil, archive: ArchiveLinks = .none) -> [UInt8] {
        var doc: [(String, JSONValue)] = [
            ("version", .string(Self.version)),
            ("title", .string(XMLText.singleLine(feed.title))),
            ("home_page_url", .string(site.homePage)),
            ("feed_url", .string(site.url(of: file ?? feed.file(for: .json)))),
            ("language", .string(site.language)),
            ("authors", .array([author(XMLText.singleLine(site.author),
                                       url: site.authorURI.flatMap { LinkTarget.absolute($0, base: site.baseURL) })])),
            ("items", .array(items.map(item))),
        ]
        if let subtitle = feed.subtitle { doc.append(("description", .string(XMLText.singleLine(subtitle)))) }
        if let older = archive.previous { doc.append(("next_url", .string(site.url(of: older.file(for: .json))))) }
        if !site.hubs.isEmpty {
            doc.append(("hubs", .array(site.hubs.map { .object([("type", .string("WebSub")), ("url", .string($0))]) })))
        }
        var out: [UInt8] = []
        JSONValue.object(doc).serialize(into: &out, indent: 0)
        out.append(0x0A)
        return out
    }

    private func item(_ item: FeedItem) -> JSONValue {
        let e = item.entry
        var fields: [(String, JSONValue)] = [
            ("id", .string(site.entryID(kind: e.kind, key: e.key))),
            ("title", .string(XMLText.singleLine(item.feedTitle))),
            ("date_published", .string(item.published.rfc3339)),
            ("date_modified", .string(item.updated.rfc3339)),
        ]
        if let link = site.link(of: e) { fields.append(("url", .string(link))) }
        let summary = item.feedSummary()
        if !summary.isEmpty { fields.append(("summary", .string(summary))) }
        let html = item.feedContentHTML(baseURL: site.baseURL)
        // The spec requires content_html or content_text; an empty body still has a title.
        fields.append(html.isEmpty ? ("content_text", .string(XMLText.singleLine(item.feedTitle))) : ("content_html", .string(html)))
        let authors = e.feedAuthors
        if !authors.isEmpty { fields.append(("authors", .array(authors.map { author($0, url: nil) }))) }
        let tags = item.feedCategories
        if !tags.isEmpty { fields.append(("tags", .array(tags.map(JSONValue.string)))) }
        return .object(fields)
    }

    private func author(_ name: String, url: String?) -> JSONValue {
        var fields: [(String, JSONValue)] = [("name", .string(name))]
        if let url { fields.append(("url", .string(url))) }
        return .object(fields)
    }
}

/// Just enough JSON for a feed: strings, arrays and objects with sorted keys.
enum JSONValue {
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// Appends the value's text, nested `indent` levels deep.
    func serialize(into out: inout [UInt8], indent: Int) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * level))
        }
        switch self {
        case .string(let s):
            Self.quote(s, into: &out)
        case .array(let values):
            guard !values.isEmpty else { return out += "[]".utf8 }
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                value.serialize(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            guard !fields.isEmpty else { return out += "{}".utf8 }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                Self.quote(key, into: &out)
                out += ": ".utf8
                value.serialize(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8259 string: quote, backslash and controls escaped; the rest as UTF-8.
    static func quote(_ s: String, into out: inout [UInt8]) {
        var text = XMLText.sanitize(s)
        out.append(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            // The bytes between two that need escaping go in one copy (an
            // archive's JSON documents are 150 MB of HTML on a first run).
            var plain = 0
            for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                out += UnsafeBufferPointer(rebasing: bytes[plain..<i])
                plain = i + 1
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case 0x0A: out += #"\n"#.utf8
                case 0x0D: out += #"\r"#.utf8
                case 0x09: out += #"\t"#.utf8
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out += #"\u00"#.utf8
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out += UnsafeBufferPointer(rebasing: bytes[plain...])
        }
        out.append(UInt8(ascii: "\""))
    }
}
