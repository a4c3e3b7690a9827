import Foundation
import FeedModel
import FeedDiff
import FeedRender
import FeedStore
import Logging

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

/// What a run did, for the log, the summary line and the exit code.
public struct RunReport: Sendable {
    public var events: [Event] = []
    /// Every problem in the source tree, including ones reported by earlier runs for files that did not change.
    public var rejections: [Rejection] = []
    public var feeds: [PublishedFile] = []
    /// Feeds rendered (each in all its formats), the page and the stylesheet included.
    public var feedsRendered = 0
    public var filesScanned = 0
    public var filesParsed = 0
    public var firstRun = false
    public var seconds = 0.0
    /// Front-matter keys no entry reads, in the files read this run (one `warning` line each).
    public var warnings: [Rejection] = []
    /// Files rejected before that read clean this run (one `info` line each).
    public var fixed: [String] = []
    /// Claims on an id another file holds: every one that stands, every run.
    public var conflicts: [KeyConflict] = []
    /// Entries first seen after their closing date: never published (one `info` line each).
    public var closedUnseen: [StoredEntry] = []
    /// When the clock next changes a feed on its own (an entry's closing date,
    /// the end of a closed entry's window): the daemon runs then.
    public var nextDeadline: Timestamp?
    /// Hard links: other names of a file read under a smaller one.
    var aliases: [(alias: String, of: String)] = []
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

/// The feedd pipeline. A run is: find what changed in the source tree
/// (`SourceChanges`), read, parse and diff it into the state
/// (`Ingest`), render and stage the files it touches (`Publisher`), then
/// make it all visible: the state flushed, the files renamed into place,
/// the run's lines logged, the state committed.
///
/// One instance owns the state store; a run is one transaction, committed
/// only after every feed is on disk.
public final class Pipeline {
    public var settings: PipelineSettings
    let store: StateStore
    let log: LogSink
    let logger: Logger
    /// Items built by earlier runs of this process (see `FeedItems`).
    let itemMemory = ItemMemory()
    /// Reads the clock for the run's time; tests pin it.
    var clock: @Sendable () -> Timestamp = { Timestamp.now() }

    public init(settings: PipelineSettings, store: StateStore, log: LogSink) {
        self.settings = settings
        self.store = store
        self.log = log
        logger = log.logger()
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

    var tree: SourceTree { SourceTree(root: settings.source, maxFileSize: settings.maxFileSize) }

    // MARK: - Run

    /// The order keeps all three promises: the previous feeds stay byte for
    /// byte when anything fails; the state never records what the feeds do
    /// not show; a notice may repeat after a crash but never goes missing.
    /// Feeds are staged (temp files written and fsync'd), the state's
    /// changes flushed to its WAL (a full or read-only state disk fails
    /// here, before anything is announced), the feeds renamed into place,
    /// the run's lines written, and only then is the state committed. A
    /// crash or a failing COMMIT after the log leaves the state behind: the
    /// next run announces the same events again.
    public func run(_ options: Options = Options(), scope: Scope = .full) throws(PipelineError) -> RunReport {
        let started = DispatchTime.now()
        var phases = PhaseClock(logger: logger)
        let now = clock()
        let tree = self.tree
        if scope == .full { removeDebris() }
        let changes: SourceChanges
        switch scope {
        case .full: changes = try SourceChanges.full(tree, store)
        case let .paths(changed, removed): changes = try SourceChanges.paths(changed: changed, removed: removed, tree, store)
        }
        phases.lap("scan")

        var report = RunReport()
        report.filesScanned = changes.filesScanned
        report.firstRun = changes.firstRun
        let batch = AtomicBatch(dryRun: options.dryRun)
        defer { batch.discard() }
        var announcement: Background<[UInt8]>?
        do {
            try store.transaction(bulk: changes.isBulk) {
                let ingest = Ingest(tree: tree, store: store, feeds: settings.feeds, logger: logger, now: now)
                // What the run announces is known once it is ingested: its lines are
                // made meanwhile on another thread, and written once the feeds are out.
                func ingestAndAnnounce() throws -> Ingested {
                    let ingested = try ingest.run(changes)
                    report.events = ingested.events
                    report.conflicts = ingested.conflicts
                    report.closedUnseen = ingested.closedUnseen
                    report.warnings = ingested.warnings
                    report.fixed = ingested.fixed
                    report.nextDeadline = ingested.nextDeadline
                    report.aliases = ingested.aliases
                    report.filesParsed = ingested.filesParsed
                    report.rejections = (changes.scanProblems + ingested.rejections + (options.repeatKnownProblems ? changes.unchangedProblems : []))
                        .sorted { ($0.source, $0.line ?? 0) < ($1.source, $1.line ?? 0) }
                    announcement = prepare(Announcement(report: report, firstRun: report.firstRun && !changes.changed.isEmpty,
                                                              settings: settings, structured: log.format == .json))
                    return ingested
                }
                // Many rows at once (a first run, a large import): the store loads them in bulk.
                let ingested = try changes.isBulk ? store.bulkLoad(ingestAndAnnounce) : ingestAndAnnounce()
                phases.lap("parse+store")
                (report.feeds, report.feedsRendered) = try Publisher(settings: settings, store: store, tree: tree, memory: itemMemory, now: now).publish(ingested.touches, into: batch, phases: &phases)
                phases.lap("render")
                if options.dryRun { throw DryRunRollback() }
                try store.flush()
                phases.lap("flush")
                try batch.commit()
                phases.lap("rename")
                log.output.write(lines: announcement?.wait() ?? [])
                phases.lap("log")
            }
        } catch is DryRunRollback {
            log.output.write(lines: announcement?.wait() ?? [])
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

    /// Thrown inside the transaction to roll a dry run back once everything was computed.
    private struct DryRunRollback: Error {}

    /// The run's lines, made into memory on another thread: the caller
    /// writes them after the feeds are in place (or drops them when the run fails).
    private func prepare(_ announcement: Announcement) -> Background<[UInt8]> {
        let lines = LogOutput()
        let logger = log.logger(to: lines)
        return Background {
            announcement.write(to: logger)
            return lines.take()
        }
    }

    /// A crash between writing and renaming leaves `.NAME.tmp-PID` beside
    /// the feeds; the next full scan removes those of any file feedd writes.
    private func removeDebris() {
        var exact: Set<String> = ["index.html", FeedStylesheet.fileName]
        for feed in settings.feeds {
            for format in FeedFormat.allCases { exact.insert(feed.file(for: format)) }
            exact.insert(IndexPage.pageFile(of: feed))
        }
        let categoryPrefixes = settings.feeds.map { $0.name + "-" }
        let suffixes = FeedFormat.allCases.map { "." + $0.rawValue }
        AtomicFile.removeDebris(in: settings.output) { name in
            exact.contains(name) || categoryPrefixes.contains(where: name.hasPrefix) && suffixes.contains(where: name.hasSuffix)
        }
    }
}

extension Pipeline {
    /// Counts for systemd's STATUS= line (live entries and files only: cheap after every run).
    public func summary() throws -> StateSummary { try store.summary(detailed: false) }

    /// Releases the state (and its lock) before another store is opened.
    public func close() { store.close() }
}
