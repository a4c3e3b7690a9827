import FeedModel
import FeedDiff
import Logging

/// A run's lines, the log contract's core: the first-run notice, one line
/// per rejected file, hard link, conflict and item event. (The summary line
/// is `Pipeline.logSummary`'s.)
struct Announcement: Sendable {
    var report: RunReport
    /// Say once that every entry is announced as new.
    var firstRun: Bool
    var settings: PipelineSettings
    /// Whether lines carry their metadata (the JSON format).
    var structured: Bool

    func write(to logger: Logger) {
        if firstRun {
            logger.info("first run on this state directory: every entry found is announced as new", metadata: ["event": "first-run"])
        }
        for r in Pipeline.onePerFile(report.rejections) {
            var meta: Logger.Metadata = ["event": "rejected", "source": "\(r.source)", "message": "\(r.message)"]
            if let line = r.line { meta["line"] = .int(line) }
            logger.error("rejected \(Pipeline.field(r.description))", metadata: meta)
        }
        for path in report.fixed {
            logger.info("\(Pipeline.field(path)) reads clean again: its entries are published as it now says",
                        metadata: ["event": "fixed", "source": "\(path)"])
        }
        for w in report.warnings {
            var meta: Logger.Metadata = ["event": "unknown-key", "source": "\(w.source)", "message": "\(w.message)"]
            if let line = w.line { meta["line"] = .int(line) }
            logger.warning("\(Pipeline.field(w.description))", metadata: meta)
        }
        for a in report.aliases {
            logger.info("\(Pipeline.field(a.alias)) is another name (a hard link) of \(Pipeline.field(a.of)); its entries are read from \(Pipeline.field(a.of))",
                        metadata: ["event": "hard-link", "source": "\(a.alias)", "winner": "\(a.of)"])
        }
        for c in report.conflicts {
            let place = Pipeline.field(c.loser) + (c.line.map { ":\($0)" } ?? "")
            var meta: Logger.Metadata = ["event": "conflict", "key": "\(c.key)", "source": "\(c.loser)", "winner": "\(c.winner)"]
            if let kind = c.kind { meta["id"] = .string(settings.site.entryID(kind: kind, key: c.key)) }
            if let line = c.line { meta["line"] = .int(line) }
            if c.winner == c.loser {
                logger.warning("conflict: id \(c.key) appears again at \(place); the first one is kept; give each entry its own id", metadata: meta)
            } else {
                logger.warning("conflict: id \(c.key) at \(place) is also in \(Pipeline.field(c.winner)), which keeps it; give each entry its own id",
                               metadata: meta)
            }
        }
        for e in report.closedUnseen {
            let closed = e.removedAt ?? e.closes ?? e.firstSeen
            logger.info("not published: \(e.kind.rawValue) \(LogEscape.quoted(e.title)) in \(Pipeline.field(e.source)) closed on \(closed.rfc3339), before feedd first saw it",
                        metadata: ["event": "closed-unseen", "kind": .string(e.kind.rawValue), "key": "\(e.key)",
                                   "id": .string(settings.site.entryID(kind: e.kind, key: e.key)), "title": .string(e.title),
                                   "source": .string(e.source), "closed": .string(closed.rfc3339)])
        }
        // A first run has an event per entry: at `warning` and above, none of them is built.
        guard logger.logLevel <= .notice else { return }
        var feedOf: [EntryKind: String] = [:]
        for kind in EntryKind.allCases { feedOf[kind] = settings.feeds.first(where: { $0.kind == kind })?.name }
        // Entries of a kind no feed takes are not news anyone receives: one warning says so instead.
        for kind in EntryKind.allCases where feedOf[kind] == nil {
            let count = report.events.filter { $0.kind == kind }.count
            guard count > 0 else { continue }
            logger.warning("\(count) \(kind.rawValue) entr\(count == 1 ? "y" : "ies") changed but no feed takes kind \(kind.rawValue); add a [[feed]] with kind = \"\(kind.rawValue)\", or move them out of the source",
                           metadata: ["event": "no-feed", "kind": .string(kind.rawValue), "entries": .int(count)])
        }
        for e in report.events {
            guard let feed = feedOf[e.kind] else { continue }
            let id = settings.site.entryID(kind: e.kind, key: e.key)
            // A quiet revision is not news: `info`, below the notices readers follow.
            // A text line is its message (FeedLogHandler): the metadata of a
            // first run's 100,000 events is made only when it is written.
            let title = LogEscape.quoted(e.title), source = Pipeline.field(e.source)
            // Made at its full size at once (interpolation grows a line this long three or four times).
            var line = e.change.rawValue
            line.reserveCapacity(line.utf8.count + title.utf8.count + id.utf8.count + feed.utf8.count + source.utf8.count + 32)
            line += " "; line += e.kind.rawValue; line += " "; line += title
            line += " id="; line += id; line += " feed="; line += feed; line += " source="; line += source
            logger.log(level: e.change == .revised ? .info : .notice, Logger.Message(stringLiteral: line),
                       metadata: !structured ? nil : ["event": .string(e.change.rawValue), "kind": .string(e.kind.rawValue), "id": .string(id),
                                                       "title": .string(e.title), "feed": .string(feed), "source": .string(e.source)])
        }
    }
}

extension Pipeline {

    /// One rejection per file (a JSON array can have several bad items): the
    /// first problem, with the others' lines and messages appended.
    static func onePerFile(_ rejections: [Rejection]) -> [Rejection] {
        var order: [String] = []
        var bySource: [String: [Rejection]] = [:]
        for r in rejections {
            if bySource[r.source] == nil { order.append(r.source) }
            bySource[r.source, default: []].append(r)
        }
        return order.map { Rejection.combining(bySource[$0] ?? []) }
    }

    /// A summary line for the end of a run.
    public func logSummary(_ report: RunReport, dryRun: Bool) {
        var counts: [Event.Change: Int] = [:]
        // Only the change of each event (a first run has 100,000, counted after the run, on nothing else's time).
        for change in report.events.lazy.map(\.change) { counts[change, default: 0] += 1 }
        func count(_ c: Event.Change) -> Int { counts[c] ?? 0 }
        func state(_ written: Bool) -> String { written ? (dryRun ? "would be written" : "written") : "unchanged" }
        var feeds = report.feeds.filter { $0.role == .feed }.map { "\($0.file) \($0.entries) entries (\(state($0.written)))" }
        feeds += report.feeds.filter { $0.role == .page }.map { "\($0.file) (\(state($0.written)))" }
        let categories = report.feeds.filter { $0.role == .category }
        if !categories.isEmpty {
            let written = categories.filter(\.written).count
            feeds.append("\(categories.count) per-category files (\(written) \(state(true)))")
        }
        let archives = report.feeds.filter { $0.role == .archive }
        if !archives.isEmpty {
            feeds.append("\(archives.count) archive files (\(archives.filter(\.written).count) \(state(true)))")
        }
        let rejectedFiles = Set(report.rejections.map(\.source)).count
        let seconds = (report.seconds * 1000).rounded() / 1000
        let revised = count(.revised) > 0 ? ", \(count(.revised)) revised" : ""
        let conflicts = report.conflicts.isEmpty ? "" : "; \(report.conflicts.count) conflict(s)"
        logger.info("\(dryRun ? "dry run: " : "")\(count(.new)) new, \(count(.updated)) updated\(revised), \(count(.removed)) removed; \(rejectedFiles) file(s) rejected\(conflicts); \(report.filesParsed) of \(report.filesScanned) files read; \(feeds.joined(separator: ", ")); \(seconds) s",
                    metadata: ["event": "summary", "new": .int(count(.new)), "updated": .int(count(.updated)), "revised": .int(count(.revised)),
                               "conflicts": .int(report.conflicts.count),
                               "removed": .int(count(.removed)), "rejected": .int(rejectedFiles),
                               "files": .int(report.filesScanned), "parsed": .int(report.filesParsed),
                               "seconds": .number(seconds), "dry_run": .bool(dryRun), "log_format": .int(LogContract.version)])
    }

    /// Paths and values are shown bare unless they need quoting to stay one token.
    static func field(_ s: String) -> String {
        LogEscape.containsByte(s, where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }) ? LogEscape.quoted(s) : s
    }
}
