import Foundation
import FeedModel
import FeedParse
import FeedDiff
import FeedStore
import Logging

/// What the ingest of a run's changes concluded.
struct Ingested: Sendable {
    var events: [Event] = []
    /// Every standing conflict (claims that lost, this run's and earlier ones').
    var conflicts: [KeyConflict] = []
    /// Problems found in the files read this run.
    var rejections: [Rejection] = []
    /// Keys the files read this run hold that entries do not read.
    var warnings: [Rejection] = []
    /// Files rejected before that read clean now.
    var fixed: [String] = []
    /// Files that are other names (hard links) of a file read under a smaller name.
    var aliases: [(alias: String, of: String)] = []
    /// Entries first seen after their closing date: never published.
    var closedUnseen: [StoredEntry] = []
    /// The feeds the rows written or removed belong to.
    var touches: FeedTouches
    var filesParsed = 0
    /// When the clock next changes a feed with no file changing: an entry's
    /// closing date, or the end of a closed entry's window.
    var nextDeadline: Timestamp?
}

/// Parse → diff → state rows. The changed files are read and parsed on
/// every core while this thread takes their outcomes in path order, diffs
/// each file's entries (`DiffStream`, which also dates the rows) and writes
/// the rows, so the state is written while later files are still being
/// parsed. Then the clock's work: entries whose closing date passed are
/// closed, and feeds whose closed entries' window ended since the last run
/// are noted for rendering. Call inside the run's transaction.
struct Ingest {
    let tree: SourceTree
    let store: StateStore
    let feeds: [FeedSpec]
    let logger: Logger
    let now: Timestamp

    func run(_ changes: SourceChanges) throws -> Ingested {
        var ingested = Ingested(touches: FeedTouches(dimensions: Set(feeds.flatMap(\.groupBy))))
        var known = try Known(store: store, changes: changes)
        // Every row written below is noted: on an empty state, that is every row it will hold.
        ingested.touches.coversState = try !store.hasEntries()
        let significant = Self.significant(feeds)
        // Both lists are sorted: whether the run touches a path is a binary search.
        let changed = changes.changed, deleted = changes.deleted
        var stream = DiffStream(now: now, capacity: changed.count,
                                touching: { changed.containsSorted($0) || deleted.containsSorted($0) },
                                significant: significant, floor: try store.lastAssigned())
        for path in deleted { stream.touch(path) }
        let digests = !significant.isEmpty
        // The first (smallest) name of a file with several claims it; the others add nothing.
        var names: [FileIdentity: String] = [:]

        // The earliest closing date ahead among the rows written (the clock's next duty, on a first run).
        var nextClosing: Timestamp?
        func write(_ row: StoredEntry, replacing old: StoredEntry?) throws {
            try store.put(entry: row)
            if let old { ingested.touches.note(old) }
            ingested.touches.note(row)
            if row.removedAt == nil, let closes = row.closes, closes > now { nextClosing = min(nextClosing ?? closes, closes) }
        }

        func offer(_ record: EntryRecord) throws {
            let old = stream.hasSeen(record.key) ? nil : try known.row(record.key)
            if let row = stream.offer(record, old: old) { try write(row, replacing: old) }
        }

        var progress = Progress(total: changed.count, logger: logger)
        try parseInOrder(changed, digests: digests) { outcome in
            progress.tick()
            ingested.filesParsed += 1
            let path = outcome.path
            switch outcome.read {
            case .gone:
                // Vanished between the walk and the read: a deletion.
                stream.touch(path)
            case let .rejected(rejection), let .unsettled(rejection):
                ingested.rejections.append(rejection)
                // Unsettled files are not stamped: they are read again next time.
                if case .rejected = outcome.read, let stamp = tree.stamp(path) {
                    try store.put(file: FileRecord(path: path, stamp: stamp, problems: [rejection]))
                }
            case let .bytes(_, stamp):
                let file = outcome.file
                ingested.rejections += file.rejections
                ingested.warnings += file.warnings
                if file.rejections.isEmpty && changes.wereRejected.contains(path) { ingested.fixed.append(path) }
                try store.put(file: FileRecord(path: path, stamp: stamp, problems: file.rejections))
                if file.isUnusable { return }  // the feeds keep what was last published from it
                if stamp.links > 1 {
                    if let first = names[stamp.identity] {
                        ingested.aliases.append((path, first))
                        stream.touch(path)
                        return
                    }
                    names[stamp.identity] = path
                }
                stream.touch(path)
                var records = file.records
                if !file.listingItems.isEmpty {
                    // `resolve` keeps the items' order, so each entry pairs with its sketch.
                    let resolved = ListingIdentity.resolve(items: file.listingItems, previous: known.listing(path))
                    for (entry, item) in zip(resolved, file.listingItems) {
                        var record = EntryRecord(entry, sketch: item.sketch.bytes)
                        if digests { record.digests = FieldDigests(entry) }
                        records.append(record)
                    }
                    // In the file's order: what comes first is the newest when times are assigned.
                    if !file.records.isEmpty { records = records.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element) }
                }
                for record in records { try offer(record) }
            }
        }
        let result = stream.finish(candidates: known.rows.values)
        for row in result.rows {
            try write(row, replacing: known.rows[row.key])
        }
        for path in deleted { try store.deleteFile(path: path) }
        if let last = result.lastAssigned { try store.setLastAssigned(last) }
        ingested.events = result.events
        ingested.closedUnseen = result.closedUnseen

        // Claims: most states have none, and a run that finds none has nothing to forget.
        let hadClaims = try store.hasClaims()
        if hadClaims || !result.conflicts.isEmpty {
            try store.replaceClaims(of: hadClaims ? result.touched : [], with: result.conflicts)
            ingested.conflicts = try store.standingConflicts()
        }

        if known.isEmptyState {
            // Nothing was stored before this run: nothing else can be due or
            // closed, and the state's indexes may still be waiting for the bulk
            // load to build them (so no query of the whole table here).
            try store.setLastRun(now)
            ingested.nextDeadline = nextClosing
        } else {
            let clock = try keepTime(write: write, note: { ingested.touches.note($0) })
            if !clock.events.isEmpty {
                ingested.events += clock.events
                ingested.events.sort { ($0.source, $0.key.rawValue, $0.change.rawValue) < ($1.source, $1.key.rawValue, $1.change.rawValue) }
            }
            ingested.nextDeadline = clock.next
        }
        return ingested
    }

    /// The clock's work, every run: entries whose closing date passed are
    /// closed (`removed`, at that date); closed entries whose window (the
    /// feeds' `closed_days`) ended since the last run take their feeds with
    /// them into this run's rendering, which leaves them out.
    /// - Returns: the `removed` events, and when the clock next changes a feed.
    private func keepTime(write: (StoredEntry, StoredEntry?) throws -> Void,
                          note: (StoredEntry) -> Void) throws -> (events: [Event], next: Timestamp?) {
        var events: [Event] = []
        for row in try store.due(at: now) {
            let closedAt = row.closes ?? now
            try write(EntryRow.removed(row, at: closedAt), row)
            events.append(Event(change: .removed, key: row.key, kind: row.kind, title: row.title, source: row.source))
        }
        let lastRun = try store.lastRun()
        var next = try store.nextClosing(after: now)
        for (kind, days) in Self.closedWindows(feeds) {
            for d in days {
                let window = Int64(d) * 86_400
                if let lastRun {
                    for row in try store.closed(kind: kind, between: Timestamp(seconds: lastRun.seconds - window),
                                                and: Timestamp(seconds: now.seconds - window)) {
                        note(row)
                    }
                }
                if let first = try store.earliestClosed(kind: kind, after: Timestamp(seconds: now.seconds - window)) {
                    let leaves = Timestamp(seconds: first.seconds + window)
                    next = min(next ?? leaves, leaves)
                }
            }
        }
        try store.setLastRun(now)
        return (events, next)
    }

    /// Per kind, the fields whose change is news, when its feeds do not count
    /// every field (none listed: every edit is news, and no digest is taken).
    /// With several feeds of one kind, a field any of them names counts.
    static func significant(_ feeds: [FeedSpec]) -> [EntryKind: Set<EntryField>] {
        var out: [EntryKind: Set<EntryField>] = [:]
        for kind in EntryKind.allCases {
            let fields = feeds.filter { $0.kind == kind }.reduce(into: Set<EntryField>()) { $0.formUnion($1.significant) }
            if fields != Set(EntryField.allCases) { out[kind] = fields }
        }
        return out
    }

    /// Per kind, the distinct `closed_days` windows of its feeds (0 excluded).
    static func closedWindows(_ feeds: [FeedSpec]) -> [(EntryKind, [Int])] {
        EntryKind.allCases.compactMap { kind in
            let days = Set(feeds.filter { $0.kind == kind && $0.closedDays > 0 }.map(\.closedDays)).sorted()
            return days.isEmpty ? nil : (kind, days)
        }
    }

    /// One file's outcome: what reading it gave, and what it holds.
    private struct Outcome: Sendable {
        var path: String
        var read: SourceTree.ReadOutcome
        /// What the file holds, when it was read.
        var file = ScannedFile()
    }

    /// Reads and parses `paths` on every core and hands each outcome to
    /// `consume`, on this thread and in the order of `paths`. Bodies are
    /// dropped as soon as the fingerprint is taken (`ScannedFile`).
    private func parseInOrder(_ paths: [String], digests: Bool, consume: (Outcome) throws -> Void) throws {
        guard !paths.isEmpty else { return }
        let tree = self.tree
        let rootFD = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if rootFD >= 0 { close(rootFD) } }
        let root: Int32? = rootFD >= 0 ? rootFD : nil
        try OrderedHandOff.run(count: paths.count, threads: ProcessInfo.processInfo.activeProcessorCount, work: { i in
            let path = paths[i]
            let read = tree.read(path, rootFD: root)
            guard case let .bytes(bytes, stamp) = read else { return Outcome(path: path, read: read) }
            // The bytes are not kept past the parse.
            return Outcome(path: path, read: .bytes([], stamp), file: SourceFile.scan(bytes: bytes, path: path, digests: digests))
        }, consume: consume)
    }
}

/// The state's rows before this run, as the diff asks for them: all of
/// them when many files changed (one table scan), else those of the files
/// involved, and other keys when first asked (before anything writes them).
private struct Known {
    private(set) var rows: [EntryKey: StoredEntry] = [:]
    private let complete: Bool
    private let store: StateStore
    /// Listing pages' items by source, made when first asked.
    private var listings: [String: [KnownListingEntry]]?

    init(store: StateStore, changes: SourceChanges) throws {
        self.store = store
        complete = changes.changed.count + changes.deleted.count > 2000
        if complete {
            rows = try store.allEntries()
        } else {
            for source in changes.deleted + changes.changed {
                for e in try store.entries(source: source) { rows[e.key] = e }
            }
        }
    }

    /// The state held no entry before this run (a first run).
    var isEmptyState: Bool { complete && rows.isEmpty }

    mutating func row(_ key: EntryKey) throws -> StoredEntry? {
        if let row = rows[key] { return row }
        guard !complete, let found = try store.entries(keys: [key])[key] else { return nil }
        rows[key] = found
        return found
    }

    /// What the state held of a listing page: its live items, to pair with the page's items now.
    mutating func listing(_ source: String) -> [KnownListingEntry] {
        if listings == nil {
            listings = Dictionary(grouping: rows.values.filter { !$0.isRemoved }, by: \.source)
                .mapValues { $0.compactMap(KnownListingEntry.init) }
        }
        return listings?[source] ?? []
    }
}

extension Array where Element == String {
    /// Whether this array, sorted ascending, holds `value`.
    func containsSorted(_ value: String) -> Bool {
        var low = startIndex, high = endIndex
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < endIndex && self[low] == value
    }
}
