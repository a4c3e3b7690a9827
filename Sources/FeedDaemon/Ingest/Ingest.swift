import Foundation
import FeedModel
import FeedParse
import FeedDiff
import FeedStore
import Logging

/// What the ingest of a run's changes concluded.
struct Ingested: Sendable {
    var events: [Event] = []
    var conflicts: [KeyConflict] = []
    /// Problems found in the files read this run.
    var rejections: [Rejection] = []
    /// Files that are other names (hard links) of a file read under a smaller name.
    var aliases: [(alias: String, of: String)] = []
    /// The feeds the rows written or removed belong to.
    var touches: FeedTouches
    var filesParsed = 0
}

/// Parse → diff → state rows. The changed files are read and parsed on
/// every core while this thread takes their outcomes in path order, diffs
/// each file's entries (`DiffStream`, which also dates the rows) and writes
/// the rows, so the state is written while later files are still being
/// parsed. Call inside the run's transaction.
struct Ingest {
    let tree: SourceTree
    let store: StateStore
    let feeds: [FeedSpec]
    let logger: Logger
    let now: Timestamp

    func run(_ changes: SourceChanges) throws -> Ingested {
        var ingested = Ingested(touches: FeedTouches(dimensions: Set(feeds.flatMap(\.groupBy))))
        var known = try Known(store: store, changes: changes)
        var stream = DiffStream(now: now, capacity: changes.changed.count)
        for path in changes.deleted { stream.touch(path) }
        // The first (smallest) name of a file with several claims it; the others add nothing.
        var names: [FileIdentity: String] = [:]

        func write(_ row: StoredEntry, replacing old: StoredEntry?) throws {
            try store.put(entry: row)
            if let old { ingested.touches.note(old) }
            ingested.touches.note(row)
        }

        func offer(_ record: EntryRecord) throws {
            let old = stream.hasSeen(record.key) ? nil : try known.row(record.key)
            if let row = stream.offer(record, old: old) { try write(row, replacing: old) }
        }

        var progress = Progress(total: changes.changed.count, logger: logger)
        try parseInOrder(changes.changed) { outcome in
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
                for record in file.records { try offer(record) }
                if !file.listingItems.isEmpty {
                    // `resolve` keeps the items' order, so each entry pairs with its sketch.
                    let resolved = ListingIdentity.resolve(items: file.listingItems, previous: known.listing(path))
                    for (entry, item) in zip(resolved, file.listingItems) { try offer(EntryRecord(entry, sketch: item.sketch.bytes)) }
                }
            }
        }
        let result = stream.finish(candidates: known.rows.values)
        for removed in result.removals {
            try write(removed, replacing: known.rows[removed.key])
        }
        for path in changes.deleted { try store.deleteFile(path: path) }
        ingested.events = result.events
        ingested.conflicts = result.conflicts
        return ingested
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
    private func parseInOrder(_ paths: [String], consume: (Outcome) throws -> Void) throws {
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
            return Outcome(path: path, read: .bytes([], stamp), file: SourceFile.scan(bytes: bytes, path: path))
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

    mutating func row(_ key: EntryKey) throws -> StoredEntry? {
        if let row = rows[key] { return row }
        guard !complete, let found = try store.entries(keys: [key])[key] else { return nil }
        rows[key] = found
        return found
    }

    /// What the state held of a listing page: its live items, to pair with the page's items now.
    mutating func listing(_ source: String) -> [KnownListingEntry] {
        if listings == nil {
            listings = Dictionary(grouping: rows.values.filter { !$0.isRemoved && $0.sketch != nil }, by: \.source)
                .mapValues { $0.compactMap(KnownListingEntry.init) }
        }
        return listings?[source] ?? []
    }
}
