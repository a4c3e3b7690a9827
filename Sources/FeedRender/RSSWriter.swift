import FeedModel

/// Renders an RSS 2.0 feed through libxml2's `xmlTextWriter`, item for item
/// the same as the Atom feed beside it.
///
/// What the W3C Feed Validation Service wants of RSS shapes it:
/// - `atom:link rel="self"` (`MissingAtomSelfLink`), `guid` in every item
///   (`MissingGuid`) with `isPermaLink="false"`, since a `tag:` id is not a
///   link (`InvalidPermalink`);
/// - RFC 822 dates with a numeric zone (`Timestamp.rfc822`);
/// - plain-text elements (titles, categories, the channel description) with
///   `&`, `<` and `>` as hexadecimal character references, as the RSS Best
///   Practices Profile recommends (`CharacterData`);
/// - `author` only for an e-mail address, which entries do not have, so
///   names go in `dc:creator`;
/// - `description` holds the sanitised HTML, escaped once, with absolute
///   links (`ContainsRelRef`), never CDATA.
public struct RSSWriter: Sendable {
    public static let docs = "https://www.rssboard.org/rss-specification"

    public var site: Site

    public init(site: Site) {
        self.site = site
    }

    /// - Parameters:
    ///   - items: already selected and ordered newest first (see `FeedItem.feedOrder`).
    ///   - file: this RSS file's name beside the Atom feed, for the self link;
    ///     `feed.file(for: .rss)` by default.
    ///   - emptyUpdated: `lastBuildDate` when there are no items.
    ///   - archive: the RFC 5005 links of a feed with archives, as `atom:link`
    ///     and `fh:archive` (RFC 5005, Appendix B).
    public func render(_ feed: FeedSpec, items: [FeedItem], file: String? = nil,
                       emptyUpdated: Timestamp = .epoch, archive: ArchiveLinks = .none) throws(RenderError) -> [UInt8] {
        let w = try XMLWriter()
        try w.startDocument()
        try w.start("rss")
        try w.attribute("version", "2.0")
        try w.attribute("xmlns:atom", "http://www.w3.org/2005/Atom")
        try w.attribute("xmlns:dc", "http://purl.org/dc/elements/1.1/")
        if archive.isArchive { try w.attribute("xmlns:fh", AtomWriter.historyNamespace) }
        try w.start("channel")
        try plainText("title", feed.title, w)
        try w.element("link", site.homePage)
        try plainText("description", feed.subtitle ?? feed.title, w)
        try w.element("language", site.language)
        let updated = items.map(\.updated).max() ?? emptyUpdated
        try w.element("lastBuildDate", updated.rfc822)
        try w.element("generator", "\(AtomWriter.generatorName) \(AtomWriter.generatorVersion) (\(AtomWriter.generatorURI))")
        try w.element("docs", Self.docs)
        let selfFile = file ?? feed.file(for: .rss)
        try w.empty("atom:link", attributes: [("href", site.url(of: selfFile)), ("rel", "self"), ("type", "application/rss+xml")])
        for hub in site.hubs { try w.empty("atom:link", attributes: [("href", hub), ("rel", "hub")]) }
        for (rel, spec) in archive.relations {
            try w.empty("atom:link", attributes: [("href", site.url(of: spec.file(for: .rss))), ("rel", rel), ("type", "application/rss+xml")])
        }
        if archive.isArchive { try w.empty("fh:archive", attributes: []) }
        for item in items {
            try self.item(item, w)
        }
        try w.end()
        try w.end()
        return try w.finish()
    }

    private func item(_ item: FeedItem, _ w: XMLWriter) throws(RenderError) {
        let e = item.entry
        try w.start("item")
        try plainText("title", item.feedTitle, w)
        if let link = site.link(of: e) {
            try w.element("link", link)
        }
        let html = item.feedContentHTML(baseURL: site.baseURL)
        if !html.isEmpty {
            try w.element("description", html)
        }
        for name in e.feedAuthors {
            try w.element("dc:creator", name)
        }
        for term in item.feedCategories {
            try plainText("category", term, w)
        }
        try w.element("guid", site.entryID(kind: e.kind, key: e.key), attributes: [("isPermaLink", "false")])
        try w.element("pubDate", item.published.rfc822)
        try w.end()
    }

    private func plainText(_ name: String, _ text: String, _ w: XMLWriter) throws(RenderError) {
        try w.start(name)
        try w.characterData(XMLText.singleLine(text))
        try w.end()
    }
}
