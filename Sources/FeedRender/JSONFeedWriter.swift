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
    public func render(_ feed: FeedSpec, items: [FeedItem], file: String? = nil) -> [UInt8] {
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
        var out = JSONValue.object(doc).serialized(indent: 0)
        out += "\n"
        return Array(out.utf8)
    }

    private func item(_ item: FeedItem) -> JSONValue {
        let e = item.entry
        var fields: [(String, JSONValue)] = [
            ("id", .string(site.entryID(kind: e.kind, key: e.key))),
            ("title", .string(XMLText.singleLine(e.title))),
            ("date_published", .string(item.published.rfc3339)),
            ("date_modified", .string(item.updated.rfc3339)),
        ]
        if let link = site.link(of: e) { fields.append(("url", .string(link))) }
        let summary = Summary.of(item)
        if !summary.isEmpty { fields.append(("summary", .string(summary))) }
        let html = item.contentHTML ?? HTMLContent.render(markdown: e.body, baseURL: site.baseURL)
        // The spec requires content_html or content_text; an empty body still has a title.
        fields.append(html.isEmpty ? ("content_text", .string(XMLText.singleLine(e.title))) : ("content_html", .string(html)))
        let authors = e.feedAuthors
        if !authors.isEmpty { fields.append(("authors", .array(authors.map { author($0, url: nil) }))) }
        let tags = e.feedCategories
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

    func serialized(indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .string(let s):
            return Self.quote(s)
        case .array(let values):
            if values.isEmpty { return "[]" }
            return "[\n" + values.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            let sorted = fields.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            return "{\n" + sorted.map { pad + Self.quote($0.0) + ": " + $0.1.serialized(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + close + "}"
        }
    }

    /// RFC 8259 string: quote, backslash and controls escaped; the rest as UTF-8.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in XMLText.sanitize(s).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
