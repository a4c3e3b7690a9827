import ArgumentParser
import Foundation
import FeedConfig
import FeedDaemon
import FeedModel
import FeedStore
import Logging

/// `feedd state`: what feedd remembers, for a person or a script.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print what feedd remembers: files with problems, conflicts, entries and their times.",
        discussion: """
        Reads the state directory (--state-dir or the config's state_dir) without \
        locking it, so it works beside a running daemon: it shows the last run that \
        finished. --log-format json prints one JSON object instead of the table.
        """
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Also list entries that were removed long ago (those closed within a feed's closed_days are always listed).")
    var all = false

    func run() throws {
        let config: Configuration
        do { config = try common.configuration() } catch {
            FileHandle.standardError.write(Data("feedd: invalid configuration: \(error.fullDescription)\n".utf8))
            throw ExitStatus.badConfig
        }
        guard FileManager.default.fileExists(atPath: config.stateDir + "/state.sqlite") else {
            if common.logFormat == .json {
                print("{\"state\":\(LogEscape.json(config.stateDir)),\"exists\":false}")
            } else {
                print("No state in \(config.stateDir) yet: run `feedd --once` first.")
            }
            return
        }
        let store: StateStore
        do { store = try StateStore(readingFrom: config.stateDir) } catch {
            FileHandle.standardError.write(Data("feedd: \(error.description)\n".utf8))
            throw ExitStatus.stateFailure
        }
        let report = try Report(store: store, config: config, all: all)
        print(common.logFormat == .json ? report.json() : report.text())
    }

    /// What `feedd state` says, read once.
    struct Report {
        var config: Configuration
        var summary: StateSummary
        var problems: [Rejection]
        var conflicts: [KeyConflict]
        var rows: [StoredEntry]

        init(store: StateStore, config: Configuration, all: Bool) throws {
            self.config = config
            summary = try store.summary()
            problems = try store.problems()
            conflicts = try store.standingConflicts()
            // Closed entries the feeds still show are listed with the live ones.
            let now = Timestamp.now()
            var window: [EntryKind: Int64] = [:]
            for feed in config.feeds { window[feed.kind] = max(window[feed.kind] ?? 0, Int64(feed.closedDays) * 86_400) }
            rows = try store.listing(includeRemoved: true).filter { e in
                guard let removed = e.removedAt else { return true }
                let days = window[e.kind] ?? 0
                return all || e.shown && days > 0 && removed.seconds >= now.seconds - days
            }
        }

        func text() -> String {
            var out: [String] = []
            out.append("state: \(config.stateDir)")
            out.append("files: \(summary.files) (\(summary.rejectedFiles) with problems)")
            for p in problems { out.append("  " + oneLine(p.description)) }
            out.append("entries: \(summary.live[.publication] ?? 0) publications, \(summary.live[.job] ?? 0) openings live; \(summary.removed) removed")
            if !conflicts.isEmpty {
                out.append("conflicts: \(conflicts.count) (a run exits 65 until they are fixed)")
                for c in conflicts {
                    let place = c.loser + (c.line.map { ":\($0)" } ?? "")
                    out.append(oneLine(c.winner == c.loser ? "  id \(c.key) appears again at \(place); the first one is kept"
                                                           : "  id \(c.key) at \(place) is also in \(c.winner), which keeps it"))
                }
            }
            guard !rows.isEmpty else { return out.joined(separator: "\n") }
            out.append("")
            out.append(pad("KIND", 12) + pad("PUBLISHED", 21) + pad("FIRST SEEN", 21) + pad("UPDATED", 21) + pad("STATUS", 32) + "KEY / TITLE (SOURCE)")
            for e in rows {
                out.append(pad(e.kind.rawValue, 12) + pad(e.published.rfc3339, 21) + pad(e.firstSeen.rfc3339, 21) + pad(e.updated.rfc3339, 21)
                           + pad(status(e), 32) + oneLine(e.key.rawValue))
                out.append(String(repeating: " ", count: 107) + oneLine(e.title) + "  (" + oneLine(e.source) + ")")
            }
            return out.joined(separator: "\n")
        }

        /// One JSON object: the same facts, typed (numbers as numbers, ids as `tag:` URIs).
        func json() -> String {
            func s(_ text: String) -> String { LogEscape.json(text) }
            func obj(_ fields: [(String, String?)]) -> String {
                "{" + fields.compactMap { k, v in v.map { s(k) + ":" + $0 } }.joined(separator: ",") + "}"
            }
            let site = config.site
            let problemList = problems.map { p in obj([("source", s(p.source)), ("line", p.line.map(String.init)), ("message", s(p.message))]) }
            let conflictList = conflicts.map { c in
                obj([("id", c.kind.map { s(site.entryID(kind: $0, key: c.key)) }), ("key", s(c.key.rawValue)), ("source", s(c.loser)),
                     ("line", c.line.map(String.init)), ("winner", s(c.winner))])
            }
            let entryList = rows.map { e in
                obj([("id", s(site.entryID(kind: e.kind, key: e.key))), ("key", s(e.key.rawValue)), ("kind", s(e.kind.rawValue)),
                     ("title", s(e.title)), ("source", s(e.source)), ("published", s(e.published.rfc3339)),
                     ("first_seen", s(e.firstSeen.rfc3339)), ("updated", s(e.updated.rfc3339)),
                     ("status", s(e.removedAt == nil ? "live" : e.shown ? "closed" : "never-shown")),
                     ("closes", e.closes.map { s($0.rfc3339) }), ("closed", e.removedAt.map { s($0.rfc3339) })])
            }
            return obj([("state", s(config.stateDir)), ("exists", "true"), ("files", String(summary.files)),
                        ("rejected_files", String(summary.rejectedFiles)), ("problems", "[" + problemList.joined(separator: ",") + "]"),
                        ("publications", String(summary.live[.publication] ?? 0)), ("openings", String(summary.live[.job] ?? 0)),
                        ("removed", String(summary.removed)), ("conflicts", "[" + conflictList.joined(separator: ",") + "]"),
                        ("entries", "[" + entryList.joined(separator: ",") + "]")])
        }

        /// `live`, `live, closes …`, `closed since …`, `never shown, closed …`.
        private func status(_ e: StoredEntry) -> String {
            guard let removed = e.removedAt else {
                return e.closes.map { "live, closes " + $0.rfc3339 } ?? "live"
            }
            return (e.shown ? "closed since " : "never shown, closed ") + removed.rfc3339
        }

        private func pad(_ s: String, _ width: Int) -> String {
            s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
        }

        /// Control, bidi and zero-width characters escaped, as in log lines.
        private func oneLine(_ s: String) -> String { LogEscape.text(s) }
    }
}
