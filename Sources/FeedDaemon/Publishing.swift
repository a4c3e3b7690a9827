import FeedModel
import FeedRender
import FeedStore

/// One file the pipeline wrote or left alone.
public struct PublishedFile: Sendable, Equatable {
    public var feed: String
    public var file: String
    public var entries: Int
    public var written: Bool
    public var role: Role

    public enum Role: Sendable, Equatable {
        /// A configured feed: listed in the summary line.
        case feed
        /// A per-category feed: counted, not listed, in the summary line.
        case category
        /// The browser page or the stylesheet.
        case page
    }
}

extension Pipeline {
    /// Every feed the configuration asks for: each configured feed, then its
    /// per-category feeds (one per facet value the state knows, in a stable order).
    func expandedFeeds() throws -> [FeedSpec] {
        var out: [FeedSpec] = []
        for base in settings.feeds {
            out.append(base)
            for dimension in base.groupBy {
                for facet in try store.facets(kind: base.kind, dimension: dimension) {
                    out.append(base.derived(for: facet))
                }
            }
        }
        return out
    }

    /// Renders every feed in every format, the browser page and the
    /// stylesheet, stages the files that change in `batch` (written and
    /// fsync'd beside their targets, nothing replaced yet: the caller commits
    /// the batch), and records which entries are now published.
    func publish(into batch: AtomicBatch) throws -> [PublishedFile] {
        let site = settings.site
        let atom = AtomWriter(site: site, stylesheet: site.stylesheet ? FeedStylesheet.fileName : nil)
        let rss = RSSWriter(site: site)
        let json = JSONFeedWriter(site: site)
        var files: [PublishedFile] = []
        var published: [(entry: Entry, html: String?)] = []
        var seen = Set<EntryKey>()
        var sections: [IndexPage.Section] = []
        let feeds = try expandedFeeds()
        for (feed, items) in zip(feeds, try items(for: feeds)) {
            // An empty feed is dated by its last change (a removal), never by the clock.
            let emptyUpdated = items.isEmpty ? try store.lastChange(kind: feed.kind, facet: feed.facet) : .epoch
            for item in items where seen.insert(item.entry.key).inserted { published.append((item.entry, item.contentHTML)) }
            if feed.facet == nil {
                sections.append(IndexPage.Section(feed: feed, items: items, categories: []))
            } else if !sections.isEmpty {
                sections[sections.count - 1].categories.append((feed, items.count))
            }
            for format in feed.formats.sorted() {
                let file = feed.file(for: format)
                let bytes: [UInt8]
                switch format {
                case .atom: bytes = try atom.render(feed, items: items, emptyUpdated: emptyUpdated)
                case .rss: bytes = try rss.render(feed, items: items, file: file, emptyUpdated: emptyUpdated)
                case .json: bytes = json.render(feed, items: items, file: file)
                }
                let outcome = try batch.stage(bytes, to: settings.output + "/" + file)
                files.append(PublishedFile(feed: feed.name, file: file, entries: items.count,
                                           written: outcome == .written, role: feed.facet == nil ? .feed : .category))
            }
        }
        if site.stylesheet {
            let outcome = try batch.stage(FeedStylesheet.bytes, to: settings.output + "/" + FeedStylesheet.fileName)
            files.append(PublishedFile(feed: "stylesheet", file: FeedStylesheet.fileName, entries: 0, written: outcome == .written, role: .page))
        }
        if site.indexPage {
            let bytes = try IndexPage(site: site).render(sections)
            let outcome = try batch.stage(bytes, to: settings.output + "/index.html")
            files.append(PublishedFile(feed: "index", file: "index.html", entries: 0, written: outcome == .written, role: .page))
        }
        try store.setPublished(published, htmlBase: htmlBase)
        // Keep only what this publish showed.
        itemCache = itemCache.filter { seen.contains($0.key) }
        return files
    }
}
