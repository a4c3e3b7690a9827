import Foundation
import FeedModel

/// Renders an Atom 1.0 feed (RFC 4287) through libxml2's `xmlTextWriter`.
///
/// The same inputs give the same bytes: no wall clock, no hash-map order.
/// The feed's `updated` is its newest entry's.
public struct AtomWriter: Sendable {
    public static let generatorName = "feedd"
    public static let generatorVersion = "0.1.0"

    public var site: Site

    public init(site: Site) {
        self.site = site
    }

    /// - Parameters:
    ///   - items: already selected and ordered newest first (see `FeedItem.feedOrder`).
    ///   - emptyUpdated: the feed's `updated` when there are no items.
    public func render(_ feed: FeedSpec, items: [FeedItem], emptyUpdated: Timestamp = .epoch) throws(RenderError) -> [UInt8] {
        let w = try XMLWriter()
        try w.startDocument()
        try w.start("feed")
        try w.attribute("xmlns", "http://www.w3.org/2005/Atom")
        try w.attribute("xml:lang", site.language)
        try w.element("id", site.feedID(name: feed.name))
        try w.element("title", XMLText.singleLine(feed.title))
        if let subtitle = feed.subtitle {
            try w.element("subtitle", XMLText.singleLine(subtitle))
        }
        let updated = items.map(\.updated).max() ?? emptyUpdated
        try w.element("updated", updated.rfc3339)
        try w.start("author")
        try w.element("name", XMLText.singleLine(site.author))
        if let uri = site.authorURI { try w.element("uri", uri) }
        try w.end()
        try w.element("generator", Self.generatorName, attributes: [("version", Self.generatorVersion)])
        try w.empty("link", attributes: [("rel", "self"), ("type", "application/atom+xml"), ("href", site.url(of: feed.file))])
        try w.empty("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", site.baseURL)])
        for item in items {
            try entry(item, w)
        }
        try w.end()
        return try w.finish()
    }

    private func entry(_ item: FeedItem, _ w: XMLWriter) throws(RenderError) {
        let e = item.entry
        try w.start("entry")
        try w.element("id", site.entryID(kind: e.kind, key: e.key))
        try w.element("title", XMLText.singleLine(e.title))
        try w.element("published", item.published.rfc3339)
        try w.element("updated", item.updated.rfc3339)
        for name in authors(of: e) {
            try w.start("author")
            try w.element("name", name)
            try w.end()
        }
        for term in categories(of: e) {
            try w.empty("category", attributes: [("term", term)])
        }
        if let link = e.link.flatMap(absolute) {
            try w.empty("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", link)])
        }
        let summary = Summary.of(markdown: e.body)
        if !summary.isEmpty {
            try w.element("summary", summary)
        }
        if !e.body.isEmpty {
            try w.element("content", XMLText.sanitize(e.body), attributes: [("type", "text")])
        }
        try w.end()
    }

    /// Papers list their authors; openings name the team (or the site's author).
    func authors(of e: Entry) -> [String] {
        switch e.kind {
        case .publication:
            return e.authors.map(XMLText.singleLine).filter { !$0.isEmpty }
        case .job:
            if let team = e.team.map(XMLText.singleLine), !team.isEmpty { return [team] }
            return e.authors.map(XMLText.singleLine).filter { !$0.isEmpty }
        }
    }

    /// Tags, then for openings the country, region, city and team; no repeats.
    func categories(of e: Entry) -> [String] {
        var terms = e.tags
        if e.kind == .job {
            if let loc = e.location {
                terms.append(loc.country)
                if let region = loc.region { terms.append(region) }
                if let city = loc.city { terms.append(city) }
            }
            if let team = e.team { terms.append(team) }
        }
        var seen = Set<String>()
        return terms.map(XMLText.singleLine).filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Links in entries may be relative to the site; only web and mail
    /// schemes are published (never `javascript:` or `data:`).
    func absolute(_ link: String) -> String? {
        let trimmed = XMLText.singleLine(link).replacingOccurrences(of: " ", with: "%20")
        guard !trimmed.isEmpty else { return nil }
        if let colon = trimmed.firstIndex(of: ":"),
           trimmed[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
           trimmed.first?.isLetter == true {
            let scheme = trimmed[..<colon].lowercased()
            return ["http", "https", "ftp", "mailto"].contains(scheme) ? trimmed : nil
        }
        if trimmed.hasPrefix("/") {
            // Keep scheme and host of the base URL.
            let base = site.baseURL
            if let schemeEnd = base.range(of: "://") {
                let afterScheme = base[schemeEnd.upperBound...]
                let hostEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
                return String(base[..<hostEnd]) + trimmed
            }
        }
        return site.baseURL + trimmed
    }
}
