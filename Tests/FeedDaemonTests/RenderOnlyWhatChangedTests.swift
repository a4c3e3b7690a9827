import Foundation
import Testing
import Logging
import TestSupport
import FeedModel
import FeedStore
@testable import FeedDaemon

/// A run renders only the feeds a change touches; a wrong skip would leave a
/// file stale. Two pipelines follow the same random sequence of changes to
/// one source tree (edits, new and deleted entries, retagged entries,
/// emptied categories, touched files, changes of `cap`, `formats`,
/// `group_by`, `base_url` and the site title, output files changed or
/// deleted by hand, eight days passing, so closed openings leave): one
/// renders only what it decides a change touched, the
/// other renders everything every time. After every step their output
/// directories must be byte for byte the same, and a step that changed
/// nothing must render nothing.
struct RenderOnlyWhatChangedTests {
    /// A source tree, two pipelines over it and their outputs.
    final class Bench {
        let root: URL
        var settings: PipelineSettings
        let lean: Pipeline
        let full: Pipeline
        var step = 0
        /// Days the clock jumped (closed openings leave their feeds when their window ends).
        var daysPassed: Int64 = 0

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-skip-\(UUID().uuidString)")
            let source = root.appendingPathComponent("src")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: E2E.sampleSource, to: source)
            var site = Site(title: "Skip Lab", baseURL: "https://skip.example/", tagAuthority: "skip.example,2026", author: "Skip Lab")
            site.indexPage = true
            site.stylesheet = true
            let feeds = [
                FeedSpec(name: "publications", file: "publications.atom", kind: .publication, title: "Papers", cap: 4,
                         formats: [.atom, .rss, .json], groupBy: [.tag]),
                FeedSpec(name: "openings", file: "openings.atom", kind: .job, title: "Jobs", cap: 3,
                         formats: [.atom, .json], groupBy: [.country, .team]),
            ]
            settings = PipelineSettings(source: source.path, output: root.appendingPathComponent("lean").path, site: site, feeds: feeds)
            let log = LogSink(format: .text, level: .critical, timestamps: false, output: LogOutput())
            lean = Pipeline(settings: settings, store: try StateStore(directory: root.appendingPathComponent("lean-state").path), log: log)
            var fullSettings = settings
            fullSettings.output = root.appendingPathComponent("full").path
            full = Pipeline(settings: fullSettings, store: try StateStore(directory: root.appendingPathComponent("full-state").path), log: log)
            for path in [settings.output, fullSettings.output] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        var source: URL { URL(fileURLWithPath: settings.source) }

        /// Runs both pipelines at the same pinned time; the lean one's report.
        func run() throws -> RunReport {
            step += 1
            let now = Timestamp(seconds: 1_800_000_000 + Int64(step) * 3600 + daysPassed * 86_400)
            lean.clock = { now }
            full.clock = { now }
            lean.settings = settings
            full.settings.site = settings.site
            full.settings.feeds = settings.feeds
            // The reference forgets what it rendered: it renders every file.
            try full.store.transaction { try full.store.setRenderSignature("render everything") }
            let leanReport = try lean.run()
            let fullReport = try full.run()
            #expect(leanReport.events == fullReport.events, "step \(step)")
            return leanReport
        }

        /// Every file of both outputs, by name, but the RFC 5005 archive
        /// documents: they are history, not a function of the sources (a full
        /// one never changes, whatever is edited later), so a render of
        /// everything differs from them by design (`ArchiveTests` checks them).
        func outputs() throws -> (lean: [String: Data], full: [String: Data]) {
            func read(_ dir: String) throws -> [String: Data] {
                var out: [String: Data] = [:]
                for name in try FileManager.default.contentsOfDirectory(atPath: dir) where !name.contains("-archive-") {
                    out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
                }
                return out
            }
            return (try read(settings.output), try read(full.settings.output))
        }

        func markdownFiles() throws -> [URL] {
            let walker = FileManager.default.enumerator(at: source, includingPropertiesForKeys: nil)
            return (walker?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
        }
    }

    static let tags = ["energy", "systems", "llm", "speech", "gpu"]
    static let places = [("US, WA, Seattle", "Robotics"), ("PT, Lisbon", "Data"), ("CA, BC, Vancouver", "Research Platform")]

    /// A Markdown entry with a fixed date, so both pipelines date it alike whenever it was first seen.
    static func entry(_ n: Int, job: Bool, tags: [String], body: String, place: (String, String)) -> String {
        var front = "---\nid: gen-\(n)\nkind: \(job ? "job" : "publication")\ntitle: \"Generated \(n)\"\n"
        front += "date: 2026-0\(1 + n % 9)-1\(n % 10)T08:00:00Z\ntags: [\(tags.joined(separator: ", "))]\n"
        if job { front += "location: \"\(place.0)\"\nteam: \(place.1)\n" }
        return front + "---\n" + body + "\n"
    }

    @Test(arguments: SplitMix.seeds(default: 0..<12))
    func everyChangeReachesEveryFileItShould(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let bench = try Bench()
        _ = try bench.run()
        var next = 0
        func check(_ what: String) throws {
            let (lean, full) = try bench.outputs()
            #expect(lean.keys.sorted() == full.keys.sorted(), "seed \(seed) step \(bench.step) (\(what)): the same files")
            for (name, bytes) in full where lean[name] != bytes {
                Issue.record("seed \(seed) step \(bench.step) (\(what)): \(name) differs from a full render")
            }
        }
        for _ in 0..<14 {
            var what = ""
            var expectNothing = false
            switch rng.next(15) {
            case 0, 1:
                let files = try bench.markdownFiles()
                let file = files[rng.next(files.count)]
                try (String(contentsOf: file, encoding: .utf8) + "\nOne more sentence \(bench.step).\n").write(to: file, atomically: true, encoding: .utf8)
                what = "edited \(file.lastPathComponent)"
            case 2, 3:
                next += 1
                let job = rng.next(2) == 0
                let tags = (0..<rng.next(3)).map { _ in Self.tags[rng.next(Self.tags.count)] }
                let dir = bench.source.appendingPathComponent(job ? "jobs" : "publications")
                try Self.entry(next, job: job, tags: tags, body: "Body \(next).", place: Self.places[rng.next(Self.places.count)])
                    .write(to: dir.appendingPathComponent("gen-\(next).md"), atomically: true, encoding: .utf8)
                what = "added gen-\(next)"
            case 4:
                let generated = try bench.markdownFiles().filter { $0.lastPathComponent.hasPrefix("gen-") }
                guard let file = generated.last else { continue }
                // A new job elsewhere, tags and place changed: it leaves its categories (maybe the last of one).
                let job = file.deletingLastPathComponent().lastPathComponent == "jobs"
                try Self.entry(Int(file.deletingPathExtension().lastPathComponent.dropFirst(4)) ?? 0, job: job, tags: [Self.tags[rng.next(Self.tags.count)]],
                               body: "Retagged.", place: Self.places[rng.next(Self.places.count)]).write(to: file, atomically: true, encoding: .utf8)
                what = "retagged \(file.lastPathComponent)"
            case 5:
                let files = try bench.markdownFiles()
                let file = files[rng.next(files.count)]
                try FileManager.default.removeItem(at: file)
                what = "deleted \(file.lastPathComponent)"
            case 6:
                let files = try bench.markdownFiles()
                let file = files[rng.next(files.count)]
                try String(contentsOf: file, encoding: .utf8).write(to: file, atomically: true, encoding: .utf8)
                what = "touched \(file.lastPathComponent)"
                expectNothing = true
            case 7:
                bench.settings.feeds[rng.next(2)].cap = 1 + rng.next(6)
                what = "cap"
            case 8:
                let i = rng.next(2)
                bench.settings.feeds[i].formats = [[.atom], [.atom, .rss], [.atom, .json], [.atom, .rss, .json]][rng.next(4)]
                what = "formats"
            case 9:
                bench.settings.feeds[rng.next(2)].groupBy = [[], [.tag], [.tag, .team], [.country]][rng.next(4)]
                what = "group_by"
            case 10:
                bench.settings.site.baseURL = ["https://skip.example/", "https://other.example/feeds/"][rng.next(2)]
                bench.settings.site.title = ["Skip Lab", "Skip Laboratory"][rng.next(2)]
                what = "base_url and title"
            case 11:
                let names = try bench.lean.store.outputRecords().keys.sorted()
                let name = names[rng.next(names.count)]
                try Data("tampered".utf8).write(to: URL(fileURLWithPath: bench.settings.output + "/" + name))
                what = "changed \(name) by hand"
            case 12:
                let names = try bench.lean.store.outputRecords().keys.sorted()
                let name = names[rng.next(names.count)]
                try FileManager.default.removeItem(atPath: bench.settings.output + "/" + name)
                what = "deleted \(name) by hand"
            case 13:
                // Longer than the openings' 7-day window: what closed before leaves, nothing else changes.
                bench.daysPassed += 8
                what = "eight days passed"
            default:
                what = "nothing"
                expectNothing = true
            }
            let report = try bench.run()
            try check(what)
            if expectNothing {
                #expect(report.events.isEmpty && report.feeds.allSatisfy { !$0.written }, "seed \(seed) step \(bench.step) (\(what))")
                #expect(report.feedsRendered == 0, "seed \(seed) step \(bench.step) (\(what)): rendered \(report.feedsRendered) feed(s)")
            }
        }
    }

    /// The emptied category, scripted: its feed stays, empty, in both.
    @Test func anEmptiedCategoryKeepsAnEmptyFeed() throws {
        let bench = try Bench()
        let file = bench.source.appendingPathComponent("publications/only-one.md")
        try Self.entry(900, job: false, tags: ["unique-tag"], body: "Alone.", place: Self.places[0]).write(to: file, atomically: true, encoding: .utf8)
        _ = try bench.run()
        let category = bench.settings.output + "/publications-tag-unique-tag.atom"
        #expect(try String(contentsOfFile: category, encoding: .utf8).contains("Generated 900"))
        try FileManager.default.removeItem(at: file)
        let report = try bench.run()
        #expect(report.feedsRendered > 0)
        let after = try String(contentsOfFile: category, encoding: .utf8)
        #expect(!after.contains("Generated 900") && !after.contains("<entry>"))
        let (lean, full) = try bench.outputs()
        #expect(lean.keys.sorted() == full.keys.sorted())
        #expect(full.filter { lean[$0.key] != $0.value }.keys.sorted() == [], "these differ from a full render")
    }
}
