import Foundation
import FeedModel
import FeedParse
import FeedDiff
import FeedRender
import FeedStore
import Logging
import Synchronization

/// Everything one run needs to know, resolved from the config and flags.
public struct PipelineSettings: Sendable {
    public var source: String
    public var output: String
    public var site: Site
    public var feeds: [FeedSpec]
    public var maxFileSize: Int

    public init(source: String, output: String, site: Site, feeds: [FeedSpec], maxFileSize: Int = 1 << 20) {
        self.source = source
        self.output = output
        self.site = site
        self.feeds = feeds
        self.maxFileSize = maxFileSize
    }
}

/// What a run did, for the summary line and the exit code.
public struct RunReport: Sendable {
    public var events: [Event] = []
    /// Every problem in the source tree, including ones reported by earlier runs for files that did not change.
    public var rejections: [Rejection] = []
    public var feeds: [PublishedFile] = []
    public var filesScanned = 0
    public var filesParsed = 0
    public var firstRun = false
    public var seconds = 0.0
    /// Duplicate ids across files, logged with the events once the run is committed.
    var conflicts: [KeyConflict] = []
}

/// A failure that stops a run; the previous feeds and state are intact.
public enum PipelineError: Error, CustomStringConvertible {
    case source(String)
    case output(String)
    case state(String)

    public var description: String {
        switch self {
        case let .source(m), let .output(m), let .state(m): return m
        }
    }

    /// `source`, `output` or `state`: what failed, without the details.
    public var kind: String {
        switch self {
        case .source: return "source"
        case .output: return "output"
        case .state: return "state"
        }
    }
}

/// The feedd pipeline: scan → parse what changed → diff → state → render → write → log.
///
/// One instance owns the state store; a run is one transaction, committed
/// only after every feed is on disk.
public final class Pipeline {
    public var settings: PipelineSettings {
        didSet { itemCache.removeAll() }
    }
    /// The items of the last publish, by key, with the fingerprint they were
    /// built from: the daemon's next run reuses them instead of reading and
    /// rendering the same entries again (keyed by fingerprint, so an edit or a
    /// rolled-back run can never serve a stale item).
    var itemCache: [EntryKey: (fingerprint: Fingerprint, item: FeedItem)] = [:]
    let store: StateStore
    let logger: Logger
    /// Set by the daemon to read the clock for first-seen dates; tests pin it.
    var clock: () -> Timestamp = { Timestamp.now() }
    /// The current run's phase timings (debug lines).
    private var phases: PhaseClock

    public init(settings: PipelineSettings, store: StateStore, logger: Logger) {
        self.settings = settings
        self.store = store
        self.logger = logger
        phases = PhaseClock(logger: logger)
    }

    public struct Options: Sendable {
        /// Do everything but write feeds and state.
        public var dryRun = false
        /// Log problems of unchanged files again (`--once`: CI must fail every time).
        public var repeatKnownProblems = true
        public init(dryRun: Bool = false, repeatKnownProblems: Bool = true) {
            self.dryRun = dryRun
            self.repeatKnownProblems = repeatKnownProblems
        }
    }

    /// What a run looks at.
    public enum Scope: Sendable, Equatable {
        /// Walk the whole source tree (`--once`, the daemon's first scan and safety-net rescans).
        case full
        /// Only these paths, relative to the source root, as the watcher reported them;
        /// a removed path may be a directory (everything below it goes).
        case paths(changed: Set<String>, removed: Set<String>)
    }

    // MARK: - Run

    public func run(_ options: Options = Options(), scope: Scope = .full) throws(PipelineError) -> RunReport {
        let started = DispatchTime.now()
        phases = PhaseClock(logger: logger)
        var report = RunReport()
        var changed: [String] = []
        var deleted: [String] = []
        var unchangedProblems: [Rejection] = []
        var scanProblems: [Rejection] = []
        switch scope {
        case .full:
            removeStaleTempFiles()
            // A state that knows no file (a first run) has no stamps to compare:
            // the walk lists names only, and every file is read.
            let firstRun: Bool
            do { firstRun = try !store.knowsFiles() } catch { throw .state(error.description) }
            // The walk (system calls, mostly) runs on another thread while
            // this one reads the state's list of files: neither waits for the other.
            let root = settings.source
            let walk = Background { () -> Result<SourceSnapshot, SourceScanner.MissingRoot> in
                do throws(SourceScanner.MissingRoot) { return .success(try SourceScanner.scan(root: root, stamps: !firstRun)) } catch { return .failure(error) }
            }
            var stored: [FileRecord] = []
            let read: Result<Void, StoreError>
            do { try store.forEachFile { stored.append($0) }; read = .success(()) } catch { read = .failure(error) }
            let snapshot: SourceSnapshot
            switch walk.wait() {
            case let .success(s): snapshot = s
            case let .failure(error): throw .source(error.description)
            }
            if case let .failure(error) = read { throw .state(error.description) }
            phases.lap("scan")
            report.filesScanned = snapshot.count
            scanProblems = snapshot.problems
            changed = snapshot.unstamped
            // One lookup per file the state lists.
            let known = stored.count
            var matched = 0
            for old in stored {
                guard let stamp = snapshot.files[old.path] else {
                    deleted.append(old.path)
                    continue
                }
                matched += 1
                if old.stamp == stamp {
                    unchangedProblems += old.problems
                } else {
                    changed.append(old.path)
                }
            }
            if matched < snapshot.files.count {
                // New files: whatever the state does not list.
                let listed = Set(stored.lazy.map(\.path))
                for path in snapshot.files.keys where !listed.contains(path) { changed.append(path) }
            }
            stored = []
            report.firstRun = known == 0
        case let .paths(changedPaths, removedPaths):
            do {
                var gone = Set<String>()
                for path in removedPaths { gone.formUnion(try store.filePaths(under: path)) }
                for path in changedPaths {
                    let name = path.split(separator: "/").last.map(String.init) ?? path
                    guard SourceScanner.isCandidate(name: name), !path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
                    let old = try store.file(path: path)
                    if let stamp = SourceScanner.stamp(root: settings.source, relative: path) {
                        gone.remove(path)
                        if old?.stamp != stamp { changed.append(path) }
                    } else if old != nil {
                        gone.insert(path)
                    }
                }
                deleted = Array(gone)
            } catch {
                throw .state(error.description)
            }
            report.filesScanned = changed.count
        }
        changed = sortedOnTwoCores(changed)
        deleted.sort()
        phases.lap("compare")

        // The files are parsed inside the transaction, on other threads,
        // while this one diffs and writes them in path order (see `apply`).
        //
        // The order keeps all three promises: the previous feeds stay byte
        // for byte when anything fails; the state never records what the
        // feeds do not show; a notice may repeat after a crash but never goes
        // missing. Feeds are staged (temp files written and fsync'd), then the
        // state's changes are flushed to its WAL (a full or read-only state
        // disk fails here, before anything is announced), then the feeds are
        // renamed into place, then the run's events are logged, and only then
        // is the state committed. A crash or a failing COMMIT after the log
        // leaves the state behind: the next run announces the same events
        // again. Logging after the COMMIT instead would lose them to a crash
        // between the two.
        let batch = AtomicBatch(dryRun: options.dryRun)
        defer { batch.discard() }
        do {
            report = try store.transaction(bulk: changed.count + deleted.count > Self.bulkThreshold) { () throws -> RunReport in
                let staged = try self.apply(changed: changed, deleted: deleted, unchangedProblems: options.repeatKnownProblems ? unchangedProblems : [],
                                            scanProblems: scanProblems, options: options, report: report, batch: batch)
                try self.store.flush()
                self.phases.lap("flush")
                try batch.commit()
                self.phases.lap("rename")
                self.announce(staged, firstRun: staged.firstRun && !changed.isEmpty)
                self.phases.lap("log")
                return staged
            }
        } catch let rollback as DryRunRollback {
            report = rollback.report
            announce(report, firstRun: report.firstRun && !changed.isEmpty)
        } catch let error as PipelineError {
            throw error
        } catch let error as StoreError {
            throw .state(error.description)
        } catch let error as FileWriteError {
            throw .output("cannot write feed \(error.description); the previous feed is unchanged")
        } catch {
            throw .state("\(error)")
        }
        phases.lap("commit")
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return report
    }

    /// The run's lines: the first-run notice (with the events, so a failing
    /// first run that is retried does not repeat it), then the events.
    private func announce(_ report: RunReport, firstRun: Bool) {
        if firstRun {
            logger.info("first run on this state directory: every entry found is announced as new", metadata: ["event": "first-run"])
        }
        log(report: report, conflicts: report.conflicts)
    }

    /// Raised inside the transaction to roll back a dry run after everything was computed.
    private struct DryRunRollback: Error { var report: RunReport }

    /// Parses `changed`, diffs and writes each file in path order as its
    /// outcome arrives (the parse runs on other threads meanwhile), then
    /// removes what touched files no longer hold and renders the feeds.
    private func apply(changed: [String], deleted: [String], unchangedProblems: [Rejection],
                       scanProblems: [Rejection], options: Options, report initial: RunReport,
                       batch: AtomicBatch) throws -> RunReport {
        var report = initial
        let now = clock()
        // The facet index covers what the feeds group by, and nothing else.
        try store.indexFacets(Set(settings.feeds.flatMap(\.groupBy)))

        var stream = DiffStream(capacity: changed.count)
        for path in deleted { stream.touch(path) }
        var newProblems: [Rejection] = []
        // A first run's bulk load ends by building the state's indexes on this
        // thread: meanwhile another renders the entries the feeds will most
        // likely show (see `Prefetch`).
        let bulk = changed.count + deleted.count > Self.bulkThreshold
        var newest = report.firstRun && bulk ? NewestEntries(feeds: settings.feeds) : nil
        var prefetch: Prefetch?

        func load() throws {
            // The state's entries before this run: all of them when many files
            // changed (one table scan), else those of the files involved; other
            // keys are looked up when first met, before anything writes them.
            let knownIsComplete = changed.count + deleted.count > 2000
            var known: [EntryKey: StoredEntry] = [:]
            if knownIsComplete {
                known = try store.allEntries()
            } else {
                for source in deleted + changed {
                    for e in try store.entries(source: source) { known[e.key] = e }
                }
            }
            // Listing pages pair their items with what the state held of the page.
            var listingEntries: [String: [StoredEntry]]?
            func previousListing(_ source: String) -> [KnownListingEntry] {
                if listingEntries == nil {
                    listingEntries = Dictionary(grouping: known.values.filter { $0.sketch != nil }, by: \.source)
                }
                return (listingEntries?[source] ?? []).compactMap { e -> KnownListingEntry? in
                    guard e.removedAt == nil, let bytes = e.sketch, let sketch = TextSketch(bytes: bytes) else { return nil }
                    return KnownListingEntry(key: e.key, kind: e.kind, fingerprint: e.fingerprint, sketch: sketch)
                }
            }

            func offer(_ record: EntryRecord) throws {
                var old: StoredEntry?
                // (A first run's state is complete and empty: nothing to look up.)
                if !(knownIsComplete && known.isEmpty), !stream.hasSeen(record.key) {
                    old = known[record.key]
                    if old == nil, !knownIsComplete, let found = try store.entries(keys: [record.key])[record.key] {
                        old = found
                        known[record.key] = found
                    }
                }
                guard case let .write(isNews) = stream.offer(record, old: old.map(KnownEntry.init)) else { return }
                let reborn = old?.removedAt != nil && isNews
                let firstSeen = (reborn ? nil : old?.firstSeen) ?? now
                let lastChanged = isNews ? now : (old?.lastChanged ?? now)
                let published = record.published ?? firstSeen
                let updated = record.updated ?? (record.published ?? lastChanged)
                if old == nil || isNews { try store.setFacets(key: record.key, record.facets, replacing: old != nil) }
                let stored = StoredEntry(key: record.key, kind: record.kind, source: record.source, title: record.title,
                                         fingerprint: record.fingerprint, published: published, updated: max(updated, published),
                                         firstSeen: firstSeen, lastChanged: lastChanged, removedAt: nil,
                                         sketch: record.sketch)
                try store.put(entry: stored, facets: record.facets)
                newest?.offer(stored)
            }

            try parseInOrder(changed) { outcome in
                report.filesParsed += 1
                switch outcome.kind {
                case .gone:
                    // Vanished between the walk and the read: a deletion.
                    stream.touch(outcome.path)
                case .parsed:
                    // Read in place (`outcome.file.…`), not bound to a copy.
                    if !outcome.file.rejections.isEmpty { newProblems += outcome.file.rejections }
                    if let stamp = outcome.stamp {
                        try store.put(file: FileRecord(path: outcome.path, stamp: stamp, problems: outcome.file.rejections))
                    }
                    if outcome.file.isUnusable { return }  // keep what was last published from it
                    stream.touch(outcome.path)
                    for i in outcome.file.records.indices { try offer(outcome.file.records[i]) }
                    if !outcome.file.listingItems.isEmpty {
                        // `resolve` keeps the items' order, so each entry pairs with its sketch.
                        let items = outcome.file.listingItems
                        let resolved = ListingIdentity.resolve(items: items, previous: previousListing(outcome.path))
                        for (entry, item) in zip(resolved, items) { try offer(EntryRecord(entry, sketch: item.sketch.bytes)) }
                    }
                case .rejected:
                    guard let rejection = outcome.rejection else { return }
                    newProblems.append(rejection)
                    if let stamp = outcome.stamp { try store.put(file: FileRecord(path: outcome.path, stamp: stamp, problems: [rejection])) }
                }
            }
            phases.lap("parse+store")
            if let newest {
                let root = settings.source, maxSize = settings.maxFileSize, baseURL = settings.site.baseURL
                let entries = newest.entries
                prefetch = Prefetch(entries, root: root, maxSize: maxSize, baseURL: baseURL)
            }

            let result = stream.finish(candidates: known.values.lazy.map(KnownEntry.init))
            for removal in result.removals {
                try store.markRemoved(key: removal.key, at: now)
            }
            for path in deleted { try store.deleteFile(path: path) }
            report.events = result.events
            report.conflicts = result.conflicts
        }
        // Many rows at once (a first run, a large import): let the store load them in bulk.
        if bulk { try store.bulkLoad(load) } else { try load() }
        if let prefetch {
            // Done with the indexes: this thread helps with what is left.
            let items = prefetch.finish()
            for (fingerprint, item) in items { itemCache[item.entry.key] = (fingerprint, item) }
            logger.debug("rendered \(items.count) of the newest entries while the state built its indexes",
                         metadata: ["event": "prefetch", "rendered": "\(items.count)"])
        }
        phases.lap("finish")

        // Render every feed from the state as it now stands (see Publishing.swift).
        report.feeds = try publish(into: batch)
        phases.lap("render")

        report.rejections = scanProblems + newProblems + unchangedProblems
        report.rejections.sort { ($0.source, $0.line ?? 0) < ($1.source, $1.line ?? 0) }
        if options.dryRun { throw DryRunRollback(report: report) }
        return report
    }

    /// More changed and deleted files than this make a run a bulk load (see `StateStore.bulkLoad`).
    static let bulkThreshold = 1000

    // MARK: - Parsing

    /// One file's outcome. Fields, not an enum's payloads: the consumer
    /// reads them in place, where binding payloads copied (retained and
    /// later released) every array of every file.
    struct ParsedOutcome: Sendable {
        enum Kind: Sendable { case parsed, gone, rejected }
        var path: String
        var kind: Kind
        /// `parsed`: what the file holds.
        var file = ScannedFile()
        /// `parsed`: always; `rejected`: when the file could be stamped.
        var stamp: FileStamp?
        /// `rejected`: why.
        var rejection: Rejection?
    }

    /// Reads and parses `paths` on every core and hands each outcome to
    /// `consume`, on this thread and in the order of `paths`, as soon as it
    /// and all before it are ready. Markdown and JSON bodies are dropped as
    /// soon as the fingerprint is taken (see `ScannedFile`).
    func parseInOrder(_ paths: [String], consume: (ParsedOutcome) throws -> Void) throws {
        guard !paths.isEmpty else { return }
        let root = settings.source
        let maxSize = settings.maxFileSize
        let progress = Progress(total: paths.count, logger: logger)
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if rootFD >= 0 { Glibc.close(rootFD) } }
        try OrderedWork.run(count: paths.count, threads: ProcessInfo.processInfo.activeProcessorCount, work: { i in
            let path = paths[i]
            let outcome: ParsedOutcome
            let read = rootFD >= 0 ? SourceReader.read(rootFD: rootFD, relative: path, maxSize: maxSize)
                : SourceReader.read(root: root, relative: path, maxSize: maxSize)
            switch read {
            case .gone: outcome = ParsedOutcome(path: path, kind: .gone)
            case let .rejected(r):
                outcome = ParsedOutcome(path: path, kind: .rejected, stamp: SourceScanner.stamp(root: root, relative: path), rejection: r)
            case let .unsettled(r): outcome = ParsedOutcome(path: path, kind: .rejected, rejection: r)  // no stamp: read again next time
            case let .bytes(bytes, stamp):
                outcome = ParsedOutcome(path: path, kind: .parsed, file: SourceFile.scan(bytes: bytes, path: path), stamp: stamp)
            }
            return outcome
        }, consume: { outcome in
            // Counted here, in order, on one thread: per file on the parse
            // threads, the shared counter's cache line went back and forth.
            progress.tick()
            try consume(outcome)
        })
    }

    // MARK: - Rendering

    /// The newest entries of each feed, with their bodies: from the last
    /// published copy when unchanged, else from the source file.
    ///
    /// An entry appears in several feeds (its kind's, each of its
    /// categories') and formats: its body is read and rendered once, and the
    /// renders of a run (every item on a first run) share the cores.
    func items(for feeds: [FeedSpec]) throws -> [[FeedItem]] {
        var newest: [[StoredEntry]] = []
        for feed in feeds {
            newest.append(try feed.facet.map { try store.newest(kind: feed.kind, facet: $0, limit: feed.cap) }
                ?? store.newest(kind: feed.kind, limit: feed.cap))
        }
        var rendered: [EntryKey: FeedItem] = [:]
        var pending: [(stored: StoredEntry, entry: Entry, html: String?)] = []
        var queued = Set<EntryKey>()
        for stored in newest.joined() where rendered[stored.key] == nil && !queued.contains(stored.key) {
            if let cached = itemCache[stored.key], cached.fingerprint == stored.fingerprint,
               cached.item.published == stored.published, cached.item.updated == stored.updated {
                rendered[stored.key] = cached.item
                continue
            }
            guard let (entry, cachedHTML) = try body(of: stored) else { continue }
            pending.append((stored, entry, cachedHTML))
            queued.insert(stored.key)
        }
        let baseURL = settings.site.baseURL
        let built = ResultSlots<FeedItem>(count: pending.count)
        let work = pending
        let render = { @Sendable (i: Int) in
            let (stored, entry, html) = work[i]
            built.set(i, Self.item(entry, published: stored.published, updated: stored.updated, html: html, baseURL: baseURL))
        }
        if pending.count > 8 {
            DispatchQueue.concurrentPerform(iterations: pending.count, execute: render)
        } else {
            for i in pending.indices { render(i) }
        }
        for (p, item) in zip(pending, built.values()) {
            rendered[p.stored.key] = item
            itemCache[p.stored.key] = (p.stored.fingerprint, item)
        }
        return newest.map { entries in entries.compactMap { rendered[$0.key] }.sorted(by: FeedItem.feedOrder) }
    }

    /// One feed item: the entry with its state's dates, its body rendered
    /// (unless `html` is a still-good earlier render) and summarised.
    static func item(_ entry: Entry, published: Timestamp, updated: Timestamp, html: String?, baseURL: String) -> FeedItem {
        FeedItem(entry: entry, published: published, updated: updated,
                 contentHTML: html ?? HTMLContent.render(markdown: entry.body, baseURL: baseURL),
                 summary: Summary.paragraph(markdown: entry.body))
    }

    /// What the cached HTML of a payload was rendered for: it is reused only for the same.
    var htmlBase: String { settings.site.baseURL + "|" + AtomWriter.generatorVersion }

    /// The entry's body, and its HTML when a cached render is still good.
    private func body(of stored: StoredEntry) throws -> (Entry, String?)? {
        if let cached = try store.payload(key: stored.key, fingerprint: stored.fingerprint, htmlBase: htmlBase) { return cached }
        if case let .bytes(bytes, _) = SourceReader.read(root: settings.source, relative: stored.source, maxSize: settings.maxFileSize) {
            let file = SourceFile.parse(bytes: bytes, path: stored.source)
            if let entry = file.entries.first(where: { $0.key == stored.key }) { return (entry, nil) }
            if !file.listingItems.isEmpty {
                let previous = try store.entries(source: stored.source).compactMap { e -> KnownListingEntry? in
                    guard e.removedAt == nil, let b = e.sketch, let sketch = TextSketch(bytes: b) else { return nil }
                    return KnownListingEntry(key: e.key, kind: e.kind, fingerprint: e.fingerprint, sketch: sketch)
                }
                if let entry = ListingIdentity.resolve(items: file.listingItems, previous: previous).first(where: { $0.key == stored.key }) {
                    return (entry, nil)
                }
            }
        }
        // The source no longer parses: keep showing what was last published.
        return try store.lastPublished(key: stored.key).map { ($0, nil) }
    }

    // MARK: - Housekeeping

    /// A crash between writing and renaming leaves `.NAME.tmp-PID`; nothing else may.
    /// NAME is any file feedd writes: a configured feed in any format, a
    /// per-category feed (`NAME-DIMENSION-VALUE.atom`), the browser page or the
    /// stylesheet. Temp files of a live feedd other than this one stay.
    func removeStaleTempFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: settings.output) else { return }
        var exact: Set<String> = ["index.html", FeedStylesheet.fileName]
        for feed in settings.feeds {
            exact.insert(feed.file)
            for format in FeedFormat.allCases { exact.insert(feed.file(for: format)) }
        }
        let categoryPrefixes = settings.feeds.map { $0.name + "-" }
        let suffixes = FeedFormat.allCases.map { "." + $0.rawValue }
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards),
                  let pid = Int32(name[marker.upperBound...]), pid > 0 else { continue }
            let base = String(name[name.index(after: name.startIndex)..<marker.lowerBound])
            let ours = exact.contains(base)
                || categoryPrefixes.contains(where: base.hasPrefix) && suffixes.contains(where: base.hasSuffix)
            guard ours else { continue }
            // The writer is gone (or it is us, between runs): the temp is debris.
            guard pid == getpid() || kill(pid, 0) != 0 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: settings.output + "/" + name)
        }
    }
}

extension KnownEntry {
    init(_ s: StoredEntry) {
        self.init(key: s.key, kind: s.kind, fingerprint: s.fingerprint, source: s.source, title: s.title, isRemoved: s.removedAt != nil)
    }
}

extension Pipeline {
    /// Counts for systemd's STATUS= line (live entries and files only: cheap after every run).
    public func summary() throws -> StateSummary { try store.summary(detailed: false) }

    /// Releases the state (and its lock) before another store is opened.
    public func close() { store.close() }
}

/// The items of the newest entries read from their Markdown and JSON source
/// files (a listing page's items need the state to be told apart: left
/// out), each with the fingerprint it was rendered for. No state is touched:
/// this runs beside the thread that holds it, on a thread of its own, and
/// that thread joins in (`finish`) once it is free.
final class Prefetch: Sendable {
    private let entries: [NewestEntries.Entry]
    private let root: String, maxSize: Int, baseURL: String
    private let next = AtomicCounter()
    private let built: ResultSlots<(fingerprint: Fingerprint, item: FeedItem)>
    private let helper = Mutex<Background<Void>?>(nil)

    /// Starts rendering on a thread of its own.
    init(_ entries: [NewestEntries.Entry], root: String, maxSize: Int, baseURL: String) {
        self.entries = entries
        self.root = root
        self.maxSize = maxSize
        self.baseURL = baseURL
        built = ResultSlots(count: entries.count)
        let thread = Background { [self] in work() }
        helper.withLock { $0 = thread }
    }

    /// Renders what is left on this thread too, then waits for the other;
    /// the items rendered (call once).
    func finish() -> [(fingerprint: Fingerprint, item: FeedItem)] {
        work()
        helper.withLock { $0 }?.wait()
        return built.values()
    }

    /// Renders entries until none is left to take.
    private func work() {
        while true {
            let i = next.increment()
            guard i < entries.count else { return }
            let e = entries[i]
            guard SourceFormat(path: e.source) != .listing,
                  case let .bytes(bytes, _) = SourceReader.read(root: root, relative: e.source, maxSize: maxSize),
                  let entry = SourceFile.parse(bytes: bytes, path: e.source).entries.first(where: { $0.key == e.key }),
                  entry.fingerprint == e.fingerprint else { continue }
            built.set(i, (e.fingerprint, Pipeline.item(entry, published: e.published, updated: e.updated, html: nil, baseURL: baseURL)))
        }
    }
}

/// The newest entries of each configured feed's kind, as a run writes them:
/// what those feeds will most likely show once the run is over. A guess, not
/// a query: the render it lets start early is kept only for entries whose
/// fingerprint and dates match what the feeds then show (`itemCache`).
struct NewestEntries {
    /// What a prefetch needs of an entry (a first run offers every entry: a
    /// whole `StoredEntry` copied in and out of the heap cost five retains
    /// and releases each).
    struct Entry: Sendable {
        var key: EntryKey
        var source: String
        var fingerprint: Fingerprint
        var published: Timestamp
        var updated: Timestamp
    }

    /// Per kind (`slot`): at most `caps[k]` entries,
    /// in a heap whose root is the one to give up first (the oldest; of the
    /// same date, the greatest key). Arrays, not a dictionary: a first run
    /// offers every entry, in date order on a tree named by date (each one
    /// then replaces the root).
    private var caps = [0, 0]
    private var heaps: [[Entry]] = [[], []]

    private static func slot(_ kind: EntryKind) -> Int {
        switch kind {
        case .publication: 0
        case .job: 1
        }
    }

    init(feeds: [FeedSpec]) {
        for feed in feeds where feed.facet == nil {
            caps[Self.slot(feed.kind)] = max(caps[Self.slot(feed.kind)], feed.cap)
        }
    }

    /// Whether `a` comes before `b` in a feed (newer; of the same date, the smaller key).
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.published != b.published ? a.published > b.published : a.key < b.key
    }

    private static func before(_ published: Timestamp, _ key: EntryKey, _ b: Entry) -> Bool {
        published != b.published ? published > b.published : key < b.key
    }

    mutating func offer(_ e: StoredEntry) {
        let k = Self.slot(e.kind)
        let cap = caps[k]
        guard cap > 0 else { return }
        // Most entries of a large tree are older than all kept: decided before anything is copied.
        if heaps[k].count == cap, !Self.before(e.published, e.key, heaps[k][0]) { return }
        let entry = Entry(key: e.key, source: e.source, fingerprint: e.fingerprint, published: e.published, updated: e.updated)
        if heaps[k].count < cap {
            heaps[k].append(entry)
            heaps[k].withUnsafeMutableBufferPointer { heap in
                var i = heap.count - 1
                while i > 0 {
                    let parent = (i - 1) / 2
                    guard Self.before(heap[parent], heap[i]) else { break }
                    heap.swapAt(parent, i)
                    i = parent
                }
            }
            return
        }
        // Compared in place (the nested array's elements were copied out for each comparison).
        heaps[k].withUnsafeMutableBufferPointer { heap in
            heap[0] = entry
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var last = i
                if l < heap.count, Self.before(heap[last], heap[l]) { last = l }
                if r < heap.count, Self.before(heap[last], heap[r]) { last = r }
                if last == i { break }
                heap.swapAt(i, last)
                i = last
            }
        }
    }

    /// Every entry kept, of every kind.
    var entries: [Entry] { heaps.flatMap { $0 } }
}
