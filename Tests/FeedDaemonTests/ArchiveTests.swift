import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Logging
import TestSupport
import FeedModel
import FeedStore
@testable import FeedDaemon

/// RFC 5005 archives (issue 16): a subscriber that follows `prev-archive`
/// from the subscription document rebuilds every publication exactly once,
/// in every format; a full archive document never changes; one more entry
/// rewrites the subscription document and at most one archive document.
struct ArchiveTests {
    static let base = "https://arch.example/"

    /// A source tree and one pipeline over it, at a pinned clock.
    final class Site {
        let root: URL
        var settings: PipelineSettings
        let pipeline: Pipeline
        var step: Int64 = 0

        init(cap: Int, archiveSize: Int) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-archive-\(UUID().uuidString)")
            let source = root.appendingPathComponent("src")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            var site = FeedModel.Site(title: "Archive Lab", baseURL: ArchiveTests.base, tagAuthority: "arch.example,2026", author: "Archive Lab")
            site.indexPage = true
            site.stylesheet = true
            let feeds = [
                FeedSpec(name: "publications", file: "publications.atom", kind: .publication, title: "Papers", cap: cap,
                         formats: [.atom, .rss, .json], groupBy: [.tag], archiveSize: archiveSize),
                FeedSpec(name: "openings", file: "openings.atom", kind: .job, title: "Jobs", cap: cap,
                         formats: [.atom, .rss, .json], groupBy: [.country]),
            ]
            settings = PipelineSettings(source: source.path, output: root.appendingPathComponent("out").path, site: site, feeds: feeds)
            try FileManager.default.createDirectory(atPath: settings.output, withIntermediateDirectories: true)
            let log = LogSink(format: .text, level: .critical, timestamps: false, output: LogOutput())
            pipeline = Pipeline(settings: settings, store: try StateStore(directory: root.appendingPathComponent("state").path), log: log)
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        var out: URL { URL(fileURLWithPath: settings.output) }

        func write(_ name: String, _ text: String) throws {
            // The directory names the kind (publications/, jobs/).
            let url = URL(fileURLWithPath: settings.source).appendingPathComponent(name.hasPrefix("j") ? "jobs" : "publications")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }

        func remove(_ name: String) throws {
            try FileManager.default.removeItem(at: URL(fileURLWithPath: settings.source).appendingPathComponent("publications/" + name))
        }

        @discardableResult
        func run() throws -> RunReport {
            step += 1
            let now = Timestamp(seconds: 1_800_000_000 + step * 3600)
            pipeline.clock = { now }
            return try pipeline.run()
        }

        /// Every output file's bytes, by name.
        func files() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: settings.output) where !name.hasPrefix(".") {
                out[name] = try Data(contentsOf: self.out.appendingPathComponent(name))
            }
            return out
        }
    }

    /// A publication with a unique date per `n` (newest for the largest), and a tag.
    static func publication(_ n: Int, title: String? = nil, day: Int? = nil) -> String {
        let d = day ?? n
        let date = String(format: "%04d-%02d-%02d", 2000 + d / 336, d % 336 / 28 + 1, d % 28 + 1)
        return Fixture.publication(id: "p\(n)", title: title ?? "Paper number \(n)", date: date)
            .replacingOccurrences(of: "authors:", with: "tags: [t\(n % 3)]\nauthors:")
    }

    /// One document as a subscriber reads it: its entries' ids, its links by relation, whether it says `fh:archive`.
    struct Document {
        var ids: [String] = []
        var links: [String: String] = [:]
        var isArchive = false
    }

    /// Reads one document of `format` (Atom and RSS with XMLParser, JSON Feed with JSONSerialization).
    static func read(_ data: Data, format: FeedFormat) throws -> Document {
        if format == .json {
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            var doc = Document()
            doc.ids = (object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            if let next = object["next_url"] as? String { doc.links["prev-archive"] = next }
            if let url = object["feed_url"] as? String { doc.links["self"] = url }
            return doc
        }
        let reader = DocumentReader(entry: format == .atom ? "entry" : "item", id: format == .atom ? "id" : "guid",
                                    link: format == .atom ? "link" : "atom:link")
        let parser = XMLParser(data: data)
        parser.delegate = reader
        #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
        return reader.doc
    }

    final class DocumentReader: NSObject, XMLParserDelegate {
        let entry: String, id: String, link: String
        var doc = Document()
        var inEntry = false
        var text = ""

        init(entry: String, id: String, link: String) {
            self.entry = entry
            self.id = id
            self.link = link
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            text = ""
            if name == entry { inEntry = true }
            if name == "fh:archive" { doc.isArchive = true }
            if !inEntry, name == link, let rel = attributes["rel"], let href = attributes["href"] { doc.links[rel] = href }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == entry { inEntry = false }
            if inEntry && name == id { doc.ids.append(text) }
        }
    }

    /// The ids a subscriber rebuilds in `format`: the subscription document,
    /// then each `prev-archive` to the end, with every document read.
    static func rebuild(_ files: [String: Data], format: FeedFormat) throws -> (ids: [String], documents: [String: Document]) {
        var name = "publications.\(format.rawValue)"
        var ids: [String] = []
        var documents: [String: Document] = [:]
        while true {
            let data = try #require(files[name], "\(name) is linked but missing")
            let doc = try read(data, format: format)
            #expect(documents[name] == nil, "\(name) is reached twice")
            documents[name] = doc
            ids += doc.ids
            guard let previous = doc.links["prev-archive"] else { break }
            #expect(previous.hasPrefix(base), "\(previous)")
            name = String(previous.dropFirst(base.count))
        }
        return (ids, documents)
    }

    static func publicationID(_ n: Int) -> String { "tag:arch.example,2026:publication/p\(n)" }

    @Test func followingPrevArchiveRebuildsEveryPublicationOnceInEveryFormat() throws {
        // 400 entries, as the issue asks: 250 publications (with cap 50 and
        // documents of 100: 200 archived, so two full documents and an empty
        // open one), 150 openings.
        let site = try Site(cap: 50, archiveSize: 100)
        for n in 0..<250 { try site.write("p\(n).md", Self.publication(n)) }
        for n in 0..<150 { try site.write("j\(n).md", Fixture.job(id: "j\(n)", title: "Job \(n)")) }
        try site.run()
        let files = try site.files()
        let expected = Set((0..<250).map(Self.publicationID))
        for format in FeedFormat.allCases {
            let (ids, documents) = try Self.rebuild(files, format: format)
            #expect(ids.count == 250 && Set(ids) == expected, "\(format): \(ids.count) ids, \(Set(ids).count) distinct")
            #expect(documents.count == 4, "\(format): \(documents.keys.sorted())")
            guard format != .json else { continue }
            for (name, doc) in documents where name != "publications.\(format.rawValue)" {
                #expect(doc.isArchive, "\(name) lacks fh:archive")
                #expect(doc.links["current"] == Self.base + "publications.\(format.rawValue)", "\(name): \(doc.links)")
                #expect(doc.links["self"] == Self.base + name, "\(name): \(doc.links)")
            }
            #expect(documents["publications.\(format.rawValue)"]?.isArchive == false)
            // next-archive walks the other way, from the oldest to the open one.
            #expect(documents["publications-archive-1.\(format.rawValue)"]?.links["next-archive"] == Self.base + "publications-archive-2.\(format.rawValue)")
            #expect(documents["publications-archive-3.\(format.rawValue)"]?.links["next-archive"] == nil)
        }
        // Openings keep no archive; per-category feeds neither.
        #expect(files.keys.filter { $0.contains("archive") }.sorted() == (1...3).flatMap { n in ["atom", "json", "rss"].map { "publications-archive-\(n).\($0)" } })
        let openings = try Self.read(try #require(files["openings.atom"]), format: .atom)
        #expect(openings.links["prev-archive"] == nil && openings.ids.count == 50)

        // One more entry: the subscription documents and one archive document (in each format) change.
        try site.write("p250.md", Self.publication(250))
        try site.run()
        let after = try site.files()
        let changedArchives = Set(after.keys.filter { $0.contains("-archive-") && after[$0] != files[$0] }.map { $0.split(separator: ".")[0] })
        #expect(changedArchives == ["publications-archive-3"], "\(changedArchives.sorted())")
        for format in FeedFormat.allCases {
            #expect(after["publications.\(format.rawValue)"] != files["publications.\(format.rawValue)"])
            let (ids, _) = try Self.rebuild(after, format: format)
            #expect(ids.count == 251 && Set(ids) == expected.union([Self.publicationID(250)]), "\(format)")
        }
        let judged = ["publications.atom", "publications.rss", "publications-archive-1.atom", "publications-archive-1.rss", "publications-archive-3.atom"]
        try E2E.expectJudgesPass(judged.map { site.out.appendingPathComponent($0) })
    }

    /// Random steps over a small archive (cap 3, documents of 4): new
    /// entries (some back-dated, some with the same date), edits that are
    /// news, quiet ones, removals, runs that change nothing. After every
    /// step a subscriber rebuilds every live publication, each once unless
    /// it was edited after it was archived (then its newest version is in
    /// the subscription document, RFC 5005 §4.1); and a full archive
    /// document is byte for byte what it was when it filled.
    @Test(arguments: SplitMix.seeds(default: 1..<4))
    func aFullArchiveDocumentNeverChanges(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let site = try Site(cap: 3, archiveSize: 4)
        var live: [Int: String] = [:]  // n → title
        var next = 0
        var full: [String: Data] = [:]  // archive documents as they were when full
        for step in 0..<40 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                // New; now and then back-dated, or on the same day as another.
                let day = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 0..<max(1, next), using: &rng) : next * 2
                live[next] = "Paper \(next)"
                try site.write("p\(next).md", Self.publication(next, title: live[next]!, day: day))
                next += 1
            case 5..<7 where !live.isEmpty:
                let n = live.keys.sorted()[Int.random(in: 0..<live.count, using: &rng)]
                live[n] = "Paper \(n) edited at step \(step)"
                try site.write("p\(n).md", Self.publication(n, title: live[n]!, day: n * 2))
            case 7 where !live.isEmpty:
                let n = live.keys.sorted()[Int.random(in: 0..<live.count, using: &rng)]
                live[n] = nil
                try site.remove("p\(n).md")
            default:
                break
            }
            try site.run()
            let files = try site.files()
            for (name, bytes) in full {
                #expect(files[name] == bytes, "seed \(seed) step \(step): \(name), full before, changed")
            }
            for format in FeedFormat.allCases {
                let (ids, documents) = try Self.rebuild(files, format: format)
                let expected = Set(live.keys.map(Self.publicationID))
                // Removed entries stay in the archive (it is history); every live one is reached.
                #expect(expected.isSubset(of: Set(ids)), "seed \(seed) step \(step) \(format): missing \(expected.subtracting(ids).sorted())")
                var seen: [String: Int] = [:]
                for id in ids { seen[id, default: 0] += 1 }
                let twice = seen.filter { $0.value > 1 }.keys
                let subscription = Set(documents["publications.\(format.rawValue)"]?.ids ?? [])
                // An id met twice is one shown again in the subscription document after an edit.
                #expect(twice.allSatisfy { subscription.contains($0) }, "seed \(seed) step \(step) \(format): twice \(twice.sorted())")
                for (name, doc) in documents where name.contains("-archive-") && doc.ids.count == 4 {
                    if full[name] == nil { full[name] = files[name] }
                }
            }
        }
        #expect(full.count >= 6, "seed \(seed): only \(full.count) full archive documents; the test exercised too little")
    }
}
