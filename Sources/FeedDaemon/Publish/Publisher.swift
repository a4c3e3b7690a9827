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
        /// An RFC 5005 archive document: counted, not listed, in the summary line.
        case archive
    }
}

/// Render → stage: the files a run's changes touch, and only those.
///
/// A feed is rendered again (in every format it is written in) when a row
/// a run wrote or removed belongs to it (`FeedTouches`), when one of its
/// files is not as feedd left it (missing, or changed by someone else), or
/// when the configuration it was rendered for changed (the render
/// signature: site, feeds, renderer version). The page is rendered again
/// when a configured feed was, or a category appeared or changed its count.
/// Every file rendered is staged in the batch, which keeps files whose bytes
/// did not change as they are.
struct Publisher {
    let settings: PipelineSettings
    let store: StateStore
    let tree: SourceTree
    let memory: ItemMemory
    /// The run's time: which closed entries feeds still hold.
    let now: Timestamp

    /// - Returns: every file of every feed, written or not, and how many feeds (pages included) were rendered.
    func publish(_ touches: FeedTouches, into batch: AtomicBatch, phases: inout PhaseClock) throws -> (files: [PublishedFile], rendered: Int) {
        let site = settings.site
        let signature = Self.signature(settings)
        let full = try store.renderSignature() != signature
        if full {
            try store.forgetFeeds()
            try store.setRenderSignature(signature)
        }
        let records = try store.feedRecords()
        let outputs = try store.outputRecords()
        let output = settings.output
        func isStale(_ file: String) -> Bool {
            guard let recorded = outputs[file] else { return true }
            return OutputStamp.of(output + "/" + file) != recorded.stamp
        }

        let feeds = try expandedFeeds(records: full ? [:] : records, touches: touches)
        let dirty = feeds.filter { feed in
            full || touches.reaches(feed.spec) || records[feed.spec.name] == nil
                || feed.spec.formats.contains { isStale(feed.spec.file(for: $0)) }
        }
        var items = FeedItems(store: store, tree: tree, baseURL: site.baseURL, memory: memory)
        // A feed with archives: only what this run wrote and what the feed
        // showed can be new to its archive, or have had news since it was
        // archived; any entry when the feed is rendered afresh. (The page
        // reads the items of feeds not rendered again with these too.)
        var archiveCandidates: [String: Set<EntryKey>?] = [:]
        for feed in feeds where feed.spec.archive {
            let name = feed.spec.name
            archiveCandidates[name] = full || records[name] == nil ? nil : try touches.keys.union(store.shown(feed: name))
        }
        let renderedItems = try items.items(for: dirty.map(\.spec), at: now, archiveCandidates: archiveCandidates)
        // What a feed with archives no longer shows takes the next places in its archive.
        var archiveTops: [String: (before: Int, after: Int)] = [:]
        for (feed, feedItems) in zip(dirty, renderedItems) where feed.spec.archive {
            let name = feed.spec.name
            let before = try store.archiveTop(feed: name)
            let shown = Set(feedItems.map(\.entry.key))
            let candidates = (archiveCandidates[name] ?? nil).map { $0.subtracting(shown) }
            let leaving = try store.unarchived(feed: name, kind: feed.spec.kind, among: candidates).filter { !shown.contains($0.key) }
            archiveTops[name] = (before, try store.archive(feed: name, leaving.reversed(), after: before))
        }
        phases.lap("render: items")
        var shown: [String: [FeedItem]] = [:]
        var files: [String: [PublishedFile]] = [:]
        var indexDirty = full || isStale("index.html")
        var rendered = dirty.count
        // Every file of every feed rendered on every core (rendering is pure),
        // then staged here in order. An empty feed is dated by its last
        // change (a removal), never by the clock.
        var jobs: [RenderJob] = []
        for (feed, feedItems) in zip(dirty, renderedItems) {
            let spec = feed.spec
            let emptyUpdated = feedItems.isEmpty ? try store.lastChange(kind: spec.kind, facet: spec.facet) : .epoch
            let pages = archiveTops[spec.name].map { ArchivePages(size: spec.archiveSize, top: $0.after) }
            let links = pages.map { $0.count > 0 ? ArchiveLinks(previous: spec.archivePage($0.count)) : .none } ?? .none
            for format in spec.formats.sorted() { jobs.append(RenderJob(spec: spec, items: feedItems, format: format, emptyUpdated: emptyUpdated, archive: links)) }
        }
        let staged = try FeedWriters(site: site).render(jobs, stagingIn: batch, output: settings.output)
        phases.lap("render: feeds")
        var next = 0
        for (feed, feedItems) in zip(dirty, renderedItems) {
            let spec = feed.spec
            shown[spec.name] = feedItems
            for format in spec.formats.sorted() {
                let file = spec.file(for: format)
                let written = try record(staged[next], file: file, feed: spec.name)
                next += 1
                files[spec.name, default: []].append(PublishedFile(feed: spec.name, file: file, entries: feedItems.count,
                                                                   written: written, role: spec.facet == nil ? .feed : .category))
            }
            try store.record(feed: FeedRecord(name: spec.name, base: feed.base, facet: spec.facet, entries: feedItems.count),
                             showing: feedItems.map(\.entry.key))
            // The page shows the configured feeds' newest entries and each category's count.
            if spec.facet == nil || records[spec.name]?.entries != feedItems.count { indexDirty = true }
        }
        // Every feed's files in the order of the configuration, rendered or not.
        var published: [PublishedFile] = []
        for feed in feeds {
            let spec = feed.spec
            published += files[spec.name] ?? spec.formats.sorted().map { format in
                PublishedFile(feed: spec.name, file: spec.file(for: format), entries: records[spec.name]?.entries ?? 0,
                              written: false, role: spec.facet == nil ? .feed : .category)
            }
        }
        for feed in feeds where feed.spec.archive {
            let (files, count) = try publishArchive(of: feed.spec, tops: archiveTops[feed.spec.name], full: full, isStale: isStale, into: batch)
            published += files
            rendered += count
        }
        phases.lap("render: archives")
        if site.stylesheet {
            var written = false
            if full || isStale(FeedStylesheet.fileName) {
                rendered += 1
                written = try stage(FeedStylesheet.bytes, file: FeedStylesheet.fileName, feed: "stylesheet", into: batch)
            }
            published.append(PublishedFile(feed: "stylesheet", file: FeedStylesheet.fileName, entries: 0, written: written, role: .page))
        }
        if site.indexPage {
            // The index, and each configured feed's own page (what a browser
            // opening the feed's URL is served): both show the configured
            // feeds' entries and their categories' counts.
            let configured = feeds.filter { $0.spec.facet == nil }.map(\.spec)
            let pagesDirty = configured.filter { indexDirty || full || isStale(IndexPage.pageFile(of: $0)) }
            var sections: [IndexPage.Section] = []
            if indexDirty || !pagesDirty.isEmpty {
                for feed in feeds {
                    let spec = feed.spec
                    if spec.facet == nil {
                        let sectionItems = try shown[spec.name] ?? items.items(for: [spec], at: now, archiveCandidates: archiveCandidates)[0]
                        sections.append(IndexPage.Section(feed: spec, items: sectionItems, categories: []))
                    } else if !sections.isEmpty {
                        let count = shown[spec.name]?.count ?? records[spec.name]?.entries ?? 0
                        sections[sections.count - 1].categories.append((spec, count))
                    }
                }
            }
            let pages = IndexPage(site: site)
            var written = false
            if indexDirty {
                rendered += 1
                written = try stage(try pages.render(sections), file: "index.html", feed: "index", into: batch)
            }
            published.append(PublishedFile(feed: "index", file: "index.html", entries: 0, written: written, role: .page))
            for spec in configured {
                let file = IndexPage.pageFile(of: spec)
                var pageWritten = false
                if pagesDirty.contains(spec), let section = sections.first(where: { $0.feed == spec }) {
                    rendered += 1
                    pageWritten = try stage(try pages.renderFeedPage(section), file: file, feed: spec.name + "-page", into: batch)
                }
                published.append(PublishedFile(feed: spec.name + "-page", file: file, entries: 0, written: pageWritten, role: .page))
            }
        }
        if !dirty.isEmpty {
            try items.save()
            try store.prunePayloads()
        }
        return (published, rendered)
    }

    /// One file to render: a feed (or an archive document of one) in one format.
    struct RenderJob: Sendable {
        var spec: FeedSpec
        var items: [FeedItem]
        var format: FeedFormat
        /// The feed's date when it has no items.
        var emptyUpdated: Timestamp
        var archive: ArchiveLinks
    }

    /// The writer of each format, for one site.
    struct FeedWriters: Sendable {
        let atom: AtomWriter, rss: RSSWriter, json: JSONFeedWriter

        init(site: Site) {
            atom = AtomWriter(site: site, stylesheet: site.stylesheet ? FeedStylesheet.fileName : nil)
            rss = RSSWriter(site: site)
            json = JSONFeedWriter(site: site)
        }

        func render(_ job: RenderJob) throws -> [UInt8] {
            let file = job.spec.file(for: job.format)
            switch job.format {
            case .atom: return try atom.render(job.spec, items: job.items, emptyUpdated: job.emptyUpdated, archive: job.archive)
            case .rss: return try rss.render(job.spec, items: job.items, file: file, emptyUpdated: job.emptyUpdated, archive: job.archive)
            case .json: return json.render(job.spec, items: job.items, file: file, archive: job.archive)
            }
        }

        /// Renders every job and stages its file in `batch`, on every core
        /// (neither touches the state): one core's writes and fsyncs overlap
        /// the other's rendering. In the order of `jobs`.
        func render(_ jobs: [RenderJob], stagingIn batch: AtomicBatch, output: String) throws -> [AtomicBatch.Staged] {
            try concurrentMap(jobs) { job in
                Result { try batch.stage(render(job), to: output + "/" + job.spec.file(for: job.format)) }
            }.map { try $0.get() }
        }
    }

    /// Renders and stages the archive documents of `spec` that changed:
    /// those a run's new places reach (the open one, and the new ones after
    /// it), every one when the configuration changed, and any whose file is
    /// not as feedd left it. A full document is otherwise never rendered again.
    ///
    /// - Parameter tops: the archive's last place before and after this run, when the feed was rendered.
    /// - Returns: every archive file of the feed, written or not, and how many documents were rendered.
    private func publishArchive(of spec: FeedSpec, tops: (before: Int, after: Int)?, full: Bool,
                                isStale: (String) -> Bool, into batch: AtomicBatch) throws -> (files: [PublishedFile], rendered: Int) {
        let top = try tops?.after ?? store.archiveTop(feed: spec.name)
        let pages = ArchivePages(size: spec.archiveSize, top: top)
        guard pages.count > 0 else { return ([], 0) }
        let changed = tops.map { pages.changed(since: $0.before) } ?? 0..<0
        let formats = spec.formats.sorted()
        let dirty = (1...pages.count).filter { page in
            full || changed.contains(page) || formats.contains { isStale(spec.archivePage(page).file(for: $0)) }
        }
        var written: Set<String> = []
        let writers = FeedWriters(site: settings.site)
        // A first run archives nearly every entry: a few documents' items at a time keep memory flat.
        for start in stride(from: 0, to: dirty.count, by: 20) {
            let group = dirty[start..<min(start + 20, dirty.count)]
            var items = FeedItems(store: store, tree: tree, baseURL: settings.site.baseURL, memory: ItemMemory())
            let rows = try group.map { try store.archived(feed: spec.name, seqs: pages.places(of: $0)) }
            var jobs: [RenderJob] = []
            for (page, pageItems) in zip(group, try items.items(of: rows)) {
                let emptyUpdated = pageItems.isEmpty ? try store.lastChange(kind: spec.kind, facet: nil) : .epoch
                let links = ArchiveLinks(current: spec, previous: page > 1 ? spec.archivePage(page - 1) : nil,
                                         next: page < pages.count ? spec.archivePage(page + 1) : nil)
                for format in formats {
                    jobs.append(RenderJob(spec: spec.archivePage(page), items: pageItems, format: format, emptyUpdated: emptyUpdated, archive: links))
                }
            }
            for (job, staged) in zip(jobs, try writers.render(jobs, stagingIn: batch, output: settings.output)) {
                let file = job.spec.file(for: job.format)
                if try record(staged, file: file, feed: spec.name + "-archive") { written.insert(file) }
            }
        }
        let files = (1...pages.count).flatMap { page in
            formats.map { format in
                let file = spec.archivePage(page).file(for: format)
                let places = pages.places(of: page)
                return PublishedFile(feed: spec.name, file: file, entries: max(0, min(top, places.upperBound) - places.lowerBound + 1),
                                     written: written.contains(file), role: .archive)
            }
        }
        return (files, dirty.count)
    }

    /// Stages a file and records its stamp; true when its bytes changed.
    private func stage(_ bytes: [UInt8], file: String, feed: String, into batch: AtomicBatch) throws -> Bool {
        try record(try batch.stage(bytes, to: settings.output + "/" + file), file: file, feed: feed)
    }

    /// Records the stamp of a file staged; true when its bytes changed.
    private func record(_ staged: AtomicBatch.Staged, file: String, feed: String) throws -> Bool {
        if let stamp = staged.stamp { try store.record(output: OutputRecord(file: file, feed: feed, stamp: stamp)) }
        return staged.outcome == .written
    }

    /// A feed to publish: a configured feed, or a per-category feed derived from one.
    struct Feed {
        var spec: FeedSpec
        /// The name of the configured feed.
        var base: String
    }

    /// Every feed the configuration asks for: each configured feed, then
    /// its per-category feeds, by dimension, then value. The categories are
    /// those rendered before and those a change touched; without records
    /// (a first run, a new configuration) every facet the state knows, the
    /// removed entries' included, so a category whose last entry left keeps
    /// its (now empty) feed.
    private func expandedFeeds(records: [String: FeedRecord], touches: FeedTouches) throws -> [Feed] {
        var out: [Feed] = []
        var known: [EntryKind: Set<Facet>] = [:]
        for base in settings.feeds {
            out.append(Feed(spec: base, base: base.name))
            for dimension in base.groupBy {
                var facets: Set<Facet>
                if records.isEmpty {
                    // After a first run the state's facets are the ones it touched
                    // (asking the state is a pass over every entry: 50 ms at 100,000).
                    if known[base.kind] == nil {
                        known[base.kind] = touches.coversState ? Set(touches.facets.filter { $0.kind == base.kind }.map(\.facet))
                                                               : try store.facets(kind: base.kind)
                    }
                    facets = known[base.kind, default: []].filter { $0.dimension == dimension }
                } else {
                    facets = Set(records.values.compactMap { $0.base == base.name ? $0.facet : nil }.filter { $0.dimension == dimension })
                    facets.formUnion(touches.facets(kind: base.kind, dimension: dimension))
                }
                // Values in the order of their bytes, as SQLite sorts them.
                for facet in facets.sorted(by: { $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) }) {
                    out.append(Feed(spec: base.derived(for: facet), base: base.name))
                }
            }
        }
        return out
    }

    /// What the files are rendered for, besides the entries: the site, every
    /// feed's settings and the renderer's version. When it changes, every
    /// file is rendered again.
    static func signature(_ settings: PipelineSettings) -> String {
        let site = settings.site
        var parts = [AtomWriter.generatorName, AtomWriter.generatorVersion, site.title, site.baseURL, site.tagAuthority,
                     site.author, site.authorURI ?? "", site.language, "\(site.indexPage)", "\(site.stylesheet)",
                     site.hubs.joined(separator: " ")]
        for feed in settings.feeds {
            parts += [feed.name, feed.file, feed.kind.rawValue, feed.title, feed.subtitle ?? "", "\(feed.cap)",
                      feed.formats.sorted().map(\.rawValue).joined(separator: ","), feed.groupBy.map(\.rawValue).joined(separator: ","),
                      "\(feed.closedDays)", "\(feed.archive)", "\(feed.archiveSize)"]
        }
        return Fingerprint(ofText: parts.joined(separator: "\u{1F}")).description
    }
}

/// The archive documents of a feed whose archive's last place is `top`.
///
/// Document N holds places (N − 1) × size + 1 … N × size. The newest is open
/// (it takes the places to come), and exists from the moment the one before
/// it is full, even empty: a full document is then written once, already
/// linking to the next (`next-archive`), and never changes again.
struct ArchivePages: Equatable {
    var size: Int
    var top: Int

    /// How many documents there are: none before the first place is taken.
    var count: Int { top == 0 ? 0 : top / size + 1 }

    /// The places document `page` holds (or will: the open one's run past `top`).
    func places(of page: Int) -> ClosedRange<Int> { ((page - 1) * size + 1)...(page * size) }

    /// The documents whose entries or links changed since the archive's last
    /// place was `before`: the one that was open, and every one after it.
    func changed(since before: Int) -> Range<Int> {
        before == top ? 0..<0 : max(1, ArchivePages(size: size, top: before).count)..<(count + 1)
    }
}
