import ArgumentParser
import Foundation
import FeedConfig
import FeedModel
import FeedStore

/// `feedd state`: what feedd remembers, for a person.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print what feedd remembers: files, entries, their times, closings and conflicts.",
        discussion: "Reads the state directory (--state-dir or the config's state_dir). Stop a running daemon first or point at a copy: the state is locked while feedd runs."
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
            print("No state in \(config.stateDir) yet: run `feedd --once` first.")
            return
        }
        let store: StateStore
        do { store = try StateStore(directory: config.stateDir) } catch {
            FileHandle.standardError.write(Data("feedd: \(error.description)\n".utf8))
            throw ExitStatus.stateFailure
        }
        let summary = try store.summary()
        print("state: \(config.stateDir)")
        print("files: \(summary.files) (\(summary.rejectedFiles) with problems)")
        print("entries: \(summary.live[.publication] ?? 0) publications, \(summary.live[.job] ?? 0) openings live; \(summary.removed) removed")
        let conflicts = try store.standingConflicts()
        if !conflicts.isEmpty {
            print("conflicts: \(conflicts.count) (a run exits 65 until they are fixed)")
            for c in conflicts {
                let place = c.loser + (c.line.map { ":\($0)" } ?? "")
                print(c.winner == c.loser ? "  id \(c.key) appears again at \(place); the first one is kept"
                                          : "  id \(c.key) at \(place) is also in \(c.winner), which keeps it")
            }
        }
        print("")
        // Closed entries the feeds still show are listed with the live ones.
        let now = Timestamp.now()
        var window: [EntryKind: Int64] = [:]
        for feed in config.feeds { window[feed.kind] = max(window[feed.kind] ?? 0, Int64(feed.closedDays) * 86_400) }
        let rows = try store.listing(includeRemoved: true).filter { e in
            guard let removed = e.removedAt else { return true }
            return all || e.shown && removed.seconds >= now.seconds - (window[e.kind] ?? 0) && (window[e.kind] ?? 0) > 0
        }
        guard !rows.isEmpty else { return }
        print(pad("KIND", 12) + pad("PUBLISHED", 21) + pad("FIRST SEEN", 21) + pad("UPDATED", 21) + pad("STATUS", 32) + "KEY / TITLE (SOURCE)")
        for e in rows {
            print(pad(e.kind.rawValue, 12) + pad(e.published.rfc3339, 21) + pad(e.firstSeen.rfc3339, 21) + pad(e.updated.rfc3339, 21)
                  + pad(status(e), 32) + "\(e.key)")
            print(String(repeating: " ", count: 107) + oneLine(e.title) + "  (" + oneLine(e.source) + ")")
        }
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

    private func oneLine(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : Character($0) })
    }
}
