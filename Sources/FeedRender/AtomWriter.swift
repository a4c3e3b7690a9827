import FeedModel

/// Renders an Atom 1.0 feed (RFC 4287) through libxml2's `xmlTextWriter`.
///
/// The same inputs give the same bytes: no wall clock, no hash-map order.
/// The feed's `updated` is its newest entry's.
///
/// What the W3C Feed Validation Service checks shapes a few choices:
/// text constructs holding `<` or `&` are written `type="html"` (see
/// `textConstruct`), content is sanitised HTML with absolute links, and the
/// feed has `generator`, a `self` link and `xml:lang`.
public struct AtomWriter: Sendable {
    public static let generatorName = "feedd"
    public static let generatorVersion = "0.1.0"
    /// The generator's home page, in `<generator uri="…">`.
    public static let generatorURI = "https://feedd.example/"
    /// RFC 5005's namespace, for `fh:archive`.
    public static let historyNamespace = "http://purl.org/syndication/history/1.0"

    public var site: Site
    /// When set, an `<?xml-stylesheet type="text/xsl" href="…"?>` before the
    /// root, so browsers that apply XSLT show a page instead of raw XML.
    public var stylesheet: String?

    public init(site: Site, stylesheet: String? = nil) {
        self.site = site
        self.stylesheet = stylesheet
    }

    /// - Parameters:
    ///   - items: already selected and ordered newest first (see `FeedItem.feedOrder`).
    ///   - emptyUpdated: the feed's `updated` when there are no items.
    ///   - archive: the RFC 5005 links of a feed with archives.
    public func render(_ feed: FeedSpec, items: [FeedItem], emptyUpdated: Timestamp = .epoch,
                       archive: ArchiveLinks = .none) throws(RenderError) -> [UInt8] {
        let w = try XMLWriter()
        try w.startDocument()
        if let href = stylesheet.flatMap(Self.stylesheetHref) {
            try w.processingInstruction("xml-stylesheet", "type=\"text/xsl\" href=\"\(href)\"")
        }
        try w.start("feed")
        try w.attribute("xmlns", "http://www.w3.org/2005/Atom")
        if archive.isArchive { try w.attribute("xmlns:fh", Self.historyNamespace) }
        try w.attribute("xml:lang", site.language)
        try w.element("id", site.feedID(name: feed.name))
        try textConstruct("title", feed.title, w)
        if let subtitle = feed.subtitle {
            try textConstruct("subtitle", subtitle, w)
        }
        let updated = items.map(\.updated).max() ?? emptyUpdated
        try w.element("updated", updated.rfc3339)
        try w.start("author")
        try w.element("name", XMLText.singleLine(site.author))
        if let uri = site.authorURI.flatMap({ LinkTarget.absolute($0, base: site.baseURL) }) { try w.element("uri", uri) }
        try w.end()
        try w.element("generator", Self.generatorName,
                      attributes: [("uri", Self.generatorURI), ("version", Self.generatorVersion)])
        try w.empty("link", attributes: [("rel", "self"), ("type", "application/atom+xml"), ("href", site.url(of: feed.file))])
        for hub in site.hubs { try w.empty("link", attributes: [("rel", "hub"), ("href", hub)]) }
        try w.empty("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", site.homePage)])
        for (rel, spec) in archive.relations {
            try w.empty("link", attributes: [("rel", rel), ("type", "application/atom+xml"), ("href", site.url(of: spec.file))])
        }
        if archive.isArchive { try w.empty("fh:archive", attributes: []) }
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
        try textConstruct("title", item.feedTitle, w)
        try w.element("published", item.published.rfc3339)
        try w.element("updated", item.updated.rfc3339)
        for name in e.feedAuthors {
            try w.start("author")
            try w.element("name", name)
            try w.end()
        }
        for term in item.feedCategories {
            try w.empty("category", attributes: [("term", term)])
        }
        if let link = site.link(of: e) {
            try w.empty("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", link)])
        }
        let summary = item.feedSummary()
        if !summary.isEmpty {
            try textConstruct("summary", summary, w)
        }
        let html = item.feedContentHTML(baseURL: site.baseURL)
        if !html.isEmpty {
            try w.element("content", html, attributes: [("type", "html")])
        }
        try w.end()
    }

    /// The stylesheet reference as written (relative stays relative: browsers
    /// apply XSLT only from the feed's own origin, which a relative reference
    /// always is), percent-encoded so it cannot end the instruction; nil for
    /// a scheme other than http or https.
    static func stylesheetHref(_ reference: String) -> String? {
        let ref = XMLText.singleLine(reference)
        guard !ref.isEmpty else { return nil }
        if let scheme = LinkTarget.scheme(of: ref), !LinkTarget.imageSchemes.contains(scheme) { return nil }
        return LinkTarget.encode(ref)
    }

    /// Writes a one-line Atom text construct (RFC 4287 §3.1).
    ///
    /// Plain text is `type="text"` (the default, left implicit) unless it
    /// holds `<` or `&`: the W3C validator reads such text as possibly
    /// undeclared markup (`ContainsUndeclaredHTML` for `</b>`, entity-like
    /// `&amp` …) and readers disagree on it, so it is written
    /// `type="html"` with the text HTML-escaped once — every reader then
    /// shows `R&D <Compilers>` exactly as written.
    func textConstruct(_ name: String, _ text: String, _ w: XMLWriter) throws(RenderError) {
        let line = XMLText.singleLine(text)
        if line.utf8.contains(UInt8(ascii: "<")) || line.utf8.contains(UInt8(ascii: "&")) {
            try w.element(name, HTMLContent.escape(line), attributes: [("type", "html")])
        } else {
            try w.element(name, line)
        }
    }
}
