import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `feedd --once` end to end: the real binary, real temp directories, the
/// log lines and exit codes a user (or CI) sees, and every feed parsed back.
///
/// Serialized: each test starts processes, and the machine is shared.
@Suite(.serialized)
struct OnceEndToEndTests {
    // MARK: 1. The sample

    @Test func sampleConfigWritesTwoValidFeeds() throws {
        let box = try Sandbox()
        let run = try E2E.feedd(["--once", "--config", E2E.sampleConfig.path, "--output", box.out.path, "--state-dir", box.state.path],
                                cwd: box.cwd)
        #expect(run.status == 0, "\(run)")
        for feed in box.feeds {
            let state = try #require(E2E.fileState(feed), "\(feed.lastPathComponent) was not written\n\(run)")
            #expect(state.mode == 0o644, "\(feed.lastPathComponent) has mode \(String(state.mode, radix: 8))")
            try E2E.expectWellFormed(feed)
            let parsed = try ParsedFeed(feed)
            #expect(!parsed.entries.isEmpty, "\(feed.lastPathComponent) has no entries")
        }
        try E2E.expectJudgesPass(box.feeds)
    }

    // MARK: 2. The corpus page

    @Test(.enabled(if: E2E.hasCorpus, "needs ../shared/corpus/science-page-2024.txt"))
    func corpusPageGivesTenPapersAndNineOpenings() throws {
        let box = try Sandbox()
        let corpus = try String(contentsOf: E2E.corpus, encoding: .utf8)
        try box.write("listing/science-page-2024.txt", corpus)
        let run = try box.once()
        #expect(run.status == 0, "\(run)")

        // Every log line is one JSON object.
        let lines = try run.logLines()
        #expect(lines.count == run.lines.count)

        let items = try run.items()
        #expect(items.count == 19, "\(run)")
        #expect(items.allSatisfy { $0.event == "new" }, "\(run)")
        let papers = items.filter { $0.kind == "publication" }
        let jobs = items.filter { $0.kind == "job" }
        #expect(papers.count == 10, "\(run)")
        #expect(jobs.count == 9, "\(run)")
        #expect(Set(items.compactMap(\.id)).count == 19, "ids are not distinct\n\(run)")
        for item in items {
            #expect(item.id?.hasPrefix("tag:") == true, "\(item)")
            #expect(item.source == "listing/science-page-2024.txt", "\(item)")
            #expect(item.level == "notice", "\(item)")
            #expect(item["feed"] == (item.kind == "job" ? "openings" : "publications"), "\(item)")
        }
        let summary = try #require(try run.summary(), "no summary line\n\(run)")
        #expect(summary["new"] == "19", "\(summary)")

        let publications = try ParsedFeed(box.publications)
        let openings = try ParsedFeed(box.openings)
        #expect(publications.entries.count == 10)
        #expect(openings.entries.count == 9)
        #expect(Set(publications.ids) == Set(papers.compactMap(\.id)))
        #expect(Set(openings.ids) == Set(jobs.compactMap(\.id)))

        // Titles a person would accept: short, cut at a word of the text.
        let words = Set(corpus.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() })
        for title in items.compactMap(\.title) + publications.entries.map(\.title) + openings.entries.map(\.title) {
            #expect(!title.isEmpty && title.count <= 120, "title of \(title.count) characters: \(title)")
            #expect(title == title.trimmingCharacters(in: .whitespacesAndNewlines), "title has outer whitespace: \(title)")
            let last = title.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).last.map { $0.lowercased() } ?? ""
            #expect(words.contains(last), "title ends inside a word (“\(last)”): \(title)")
        }
        for feed in box.feeds { try E2E.expectWellFormed(feed) }
        try E2E.expectJudgesPass(box.feeds)
    }

    // MARK: 3. Nothing changed

    @Test(.enabled(if: E2E.hasCorpus, "needs ../shared/corpus/science-page-2024.txt"))
    func secondRunWithNothingChangedIsSilentAndTouchesNothing() throws {
        let box = try Sandbox()
        try box.write("listing/science-page-2024.txt", String(contentsOf: E2E.corpus, encoding: .utf8))
        try box.write("publications/quiet.md", Fixture.publication(id: "quiet-2025", title: "Quiet: a paper that never changes"))
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        #expect(try first.items().count == 20, "\(first)")
        let bytes = try box.feeds.map { try box.read($0) }
        let states = box.feeds.map { E2E.fileState($0) }

        let second = try box.once()
        #expect(second.status == 0, "\(second)")
        #expect(try second.items().isEmpty, "a second run announced items:\n\(second)")
        let summary = try #require(try second.summary(), "no summary line\n\(second)")
        #expect(summary["new"] == "0" && summary["updated"] == "0" && summary["removed"] == "0", "\(summary)")
        // The first run walked names only and stamped each file as it read it:
        // those stamps must match the second walk's, or every file is read again.
        #expect(summary["files"] == "2" && summary["parsed"] == "0", "\(summary)")
        #expect(try box.feeds.map { try box.read($0) } == bytes, "feeds changed")
        // Same mtime to the nanosecond and the same inode: not rewritten (HTTP caches answer 304).
        #expect(box.feeds.map { E2E.fileState($0) } == states, "feeds were rewritten")
    }

    // MARK: 4. Editing the listing page

    @Test(.enabled(if: E2E.hasCorpus, "needs ../shared/corpus/science-page-2024.txt"))
    func editingTheListingPageGivesExactlyTheseEvents() throws {
        let box = try Sandbox()
        let page = "listing/science-page-2024.txt"
        let corpus = try String(contentsOf: E2E.corpus, encoding: .utf8)
        try box.write(page, corpus)
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let publications1 = try ParsedFeed(box.publications)
        let openings1 = try ParsedFeed(box.openings)
        let aurora = try #require(publications1.entry(containing: "between these opposing needs"), "abstract 4 not in the feed")
        let closing = try #require(openings1.entry(containing: "The Artificial General Intelligence (AGI) team"), "the Boston job is not in the feed")

        try box.write(page, try ListingEdit.apply(to: corpus))
        let second = try box.once()
        #expect(second.status == 0, "\(second)")
        let items = try second.items()
        let newPapers = items.filter { $0.event == "new" && $0.kind == "publication" }
        let updatedPapers = items.filter { $0.event == "updated" && $0.kind == "publication" }
        let newJobs = items.filter { $0.event == "new" && $0.kind == "job" }
        let removedJobs = items.filter { $0.event == "removed" && $0.kind == "job" }
        #expect(newPapers.count == 2, "\(second)")
        #expect(updatedPapers.count == 1, "\(second)")
        #expect(newJobs.count == 1, "\(second)")
        #expect(removedJobs.count == 1, "\(second)")
        #expect(items.count == 5, "events beyond the expected five:\n\(second)")

        let publications2 = try ParsedFeed(box.publications)
        let openings2 = try ParsedFeed(box.openings)
        #expect(publications2.entries.count == 12)
        // Nine open postings and the one that closed, still there, marked.
        #expect(openings2.entries.count == 10)
        // The typo fix keeps the paper's id; the feed shows the new text under it.
        #expect(updatedPapers.first?.id == aurora.id, "updated \(updatedPapers.first?.id ?? "nothing"), expected \(aurora.id)")
        #expect(publications2.entry(containing: "between these competing needs")?.id == aurora.id)
        #expect(publications2.entry(containing: "between these opposing needs") == nil)
        // Re-numbering and re-ordering changed no other id.
        #expect(Set(publications1.ids).isSubset(of: Set(publications2.ids)))
        // The new papers and job are the invented ones, under new ids.
        let inventedPapers = ListingEdit.newAbstracts.compactMap { publications2.entry(containing: String($0.prefix(60)))?.id }
        #expect(Set(newPapers.compactMap(\.id)) == Set(inventedPapers) && inventedPapers.count == 2)
        #expect(newJobs.first?.id == openings2.entry(containing: ListingEdit.newJobDescription)?.id)
        #expect(newJobs.first.flatMap(\.id).map { !openings1.ids.contains($0) } == true)
        // The closed job stays under its id, marked closed, with a later `updated`; the open ones are not marked.
        #expect(removedJobs.first?.id == closing.id, "removed \(removedJobs.first?.id ?? "nothing"), expected \(closing.id)")
        let closed = try #require(openings2.entries.first { $0.id == closing.id }, "the closed job left the feed at once")
        #expect(closed.title == "Closed: " + closing.title)
        #expect(closed.updated > closing.updated, "\(closed.updated) is not after \(closing.updated)")
        #expect(closed.content.contains("Closed since"))
        #expect(openings2.entries.filter { $0.title.hasPrefix("Closed: ") }.map(\.id) == [closing.id])
        // Every time feedd gave is distinct (page items carry no dates).
        #expect(Set(openings2.entries.map(\.updated)).count == 10 && Set(publications2.entries.map(\.updated)).count == 12)
        try E2E.expectJudgesPass(box.feeds)
        // A rerun announces nothing and changes no byte.
        let bytes = try box.feeds.map { try box.read($0) }
        let third = try box.once()
        #expect(try third.items().isEmpty, "\(third)")
        #expect(try box.feeds.map { try box.read($0) } == bytes)
    }

    // MARK: 5. Broken files

    @Test func brokenFilesAreRejectedOneLineEachAndGoodEntriesPublished() throws {
        let box = try Sandbox()
        try box.write("publications/alpha.md", Fixture.publication(id: "alpha-2025", title: "Alpha: a good paper"))
        try box.write("publications/beta.md", Fixture.publication(id: "beta-2025", title: "Beta: another good paper", date: "2025-05-02"))
        try box.write("jobs/gamma.md", Fixture.job(id: "gamma-job", title: "Research Engineer, Gamma"))
        try box.write("more/papers.json", """
            [
              {"kind": "publication", "id": "json-one", "title": "JSON one", "date": "2025-02-01", "body": "The first JSON paper."},
              {"kind": "publication", "id": "json-two", "title": "JSON two", "date": "2025-02-02", "body": "The second JSON paper."}
            ]

            """)

        // Latin-1 é (0xE9) on line 3: never guessed, rejected.
        try box.write("publications/latin1.md", bytes: Array("---\nid: latin1\ntitle: \"Caf".utf8) + [0xE9]
            + Array(" society\"\ndate: 2025-01-01\n---\nBody.\n".utf8))
        try box.write("publications/unterminated.md", "---\nid: unterminated\ntitle: \"Open fence\"\ndate: 2025-01-02\n\nThe closing fence never comes.\n")
        try box.write("publications/bad-date.md", "---\nid: bad-date\ntitle: \"A paper with a vague date\"\ndate: next Tuesday\n---\nBody.\n")
        try box.write("jobs/bell.md", "---\nid: bell\ntitle: \"Bell\u{07} ringer\"\ndate: 2025-01-03\nlocation: \"US, WA, Seattle\"\n---\nRings.\n")
        try box.write("jobs/escape.md", "---\ntitle: \"\u{1B}[31mRed alert\"\nid: escape\ndate: 2025-01-03\nlocation: \"US, WA, Seattle\"\n---\nRed.\n")
        try box.write("broken.json", """
            [
              {
                "kind": "publication",
                "title": "A missing comma"
                "date": "2025-01-01"
              }
            ]

            """)
        let expectedLines: [String: Int] = [
            "publications/latin1.md": 3,
            "publications/unterminated.md": 1,
            "publications/bad-date.md": 4,
            "jobs/bell.md": 3,
            "jobs/escape.md": 2,
            "broken.json": 5,
        ]

        let run = try box.once()
        #expect(run.status == 65, "\(run)")
        let rejections = try run.rejections()
        #expect(rejections.count == expectedLines.count, "\(run)")
        #expect(Set(rejections.compactMap(\.source)) == Set(expectedLines.keys), "\(run)")
        for r in rejections {
            #expect(r.level == "error", "\(r)")
            #expect(r.message?.isEmpty == false, "\(r)")
            if let source = r.source, let line = expectedLines[source] {
                #expect(r.line == line, "\(source): expected line \(line)\n\(r)")
            }
        }
        // One line per file, not per problem.
        #expect(Dictionary(grouping: rejections, by: { $0.source ?? "" }).values.allSatisfy { $0.count == 1 }, "\(run)")
        // Invalid UTF-8 is refused, not guessed.
        #expect(rejections.first { $0.source == "publications/latin1.md" }?.message?.contains("UTF-8") == true, "\(run)")

        // Every good entry is published and announced; nothing from a broken file is.
        let items = try run.items()
        #expect(items.count == 5 && items.allSatisfy { $0.event == "new" }, "\(run)")
        #expect(Set(items.compactMap(\.source)) == ["publications/alpha.md", "publications/beta.md", "jobs/gamma.md", "more/papers.json"])
        let publications = try ParsedFeed(box.publications)
        let openings = try ParsedFeed(box.openings)
        #expect(publications.entries.count == 4)
        #expect(Set(publications.entries.map(\.title)) == ["Alpha: a good paper", "Beta: another good paper", "JSON one", "JSON two"])
        #expect(openings.entries.map(\.title) == ["Research Engineer, Gamma"])
        let summary = try #require(try run.summary(), "no summary line\n\(run)")
        #expect(summary["rejected"] == "6", "\(summary)")
        for feed in box.feeds { try E2E.expectWellFormed(feed) }
        try E2E.expectJudgesPass(box.feeds)
    }

    @Test func aFileThatBreaksKeepsItsLastGoodVersionAndCIKeepsFailing() throws {
        let box = try Sandbox()
        try box.write("publications/keeper.md", Fixture.publication(id: "keeper", title: "Keeper: the last good version"))
        try box.write("publications/other.md", Fixture.publication(id: "other", title: "Other: stays as it is", date: "2025-06-01"))
        try box.write("jobs/steady.md", Fixture.job(id: "steady", title: "Steady Job"))
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let keeperID = try #require(try first.items().first { $0.source == "publications/keeper.md" }?.id)

        // An edit saved as Latin-1: line 8 (the body) holds 0xE9.
        let broken = Fixture.publication(id: "keeper", title: "Keeper: the broken version").split(separator: "\n", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for (i, line) in broken.enumerated() {
            bytes += Array(line.utf8)
            if i == 7 { bytes += [0x20, 0xE9] }
            if i < broken.count - 1 { bytes.append(0x0A) }
        }
        try box.write("publications/keeper.md", bytes: bytes)

        let second = try box.once()
        #expect(second.status == 65, "\(second)")
        let rejections = try second.rejections()
        #expect(rejections.count == 1 && rejections.first?.source == "publications/keeper.md" && rejections.first?.line == 8, "\(second)")
        #expect(try second.items().isEmpty, "a broken file must not remove or change its entry:\n\(second)")
        let publications = try ParsedFeed(box.publications)
        #expect(publications.entries.first { $0.id == keeperID }?.title == "Keeper: the last good version")
        #expect(publications.entries.count == 2)
        let bytesAfter = try box.feeds.map { try box.read($0) }

        // Nothing changed, the file still broken: CI must keep failing.
        let third = try box.once()
        #expect(third.status == 65, "\(third)")
        let again = try third.rejections()
        #expect(again.count == 1 && again.first?.source == "publications/keeper.md" && again.first?.line == 8, "\(third)")
        #expect(try third.items().isEmpty, "\(third)")
        #expect(try box.feeds.map { try box.read($0) } == bytesAfter)

        // Fixed: the new version is an update of the same entry.
        try box.write("publications/keeper.md", Fixture.publication(id: "keeper", title: "Keeper: fixed at last"))
        let fourth = try box.once()
        #expect(fourth.status == 0, "\(fourth)")
        let items = try fourth.items()
        #expect(items.count == 1 && items.first?.event == "updated" && items.first?.id == keeperID, "\(fourth)")
        #expect(try ParsedFeed(box.publications).entries.first { $0.id == keeperID }?.title == "Keeper: fixed at last")
    }

    // MARK: 6. --dry-run

    @Test func dryRunLogsButWritesNothing() throws {
        let box = try Sandbox()
        let common = ["--config", E2E.sampleConfig.path, "--output", box.out.path, "--state-dir", box.state.path, "--log-format", "json"]
        let dry = try E2E.feedd(["--dry-run"] + common, cwd: box.cwd)
        #expect(dry.status == 0, "\(dry)")
        let dryItems = try dry.items()
        #expect(!dryItems.isEmpty && dryItems.allSatisfy { $0.event == "new" }, "\(dry)")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: box.out.path)) ?? []
        #expect(leftovers.isEmpty, "a dry run wrote \(leftovers) into the output directory")
        #expect(try dry.summary()?["dry_run"] == "true")

        // Again with --once: the same, and still nothing remembered.
        let dry2 = try E2E.feedd(["--once", "--dry-run"] + common, cwd: box.cwd)
        #expect(dry2.status == 0, "\(dry2)")
        #expect(try dry2.items().compactMap(\.id) == dryItems.compactMap(\.id), "\(dry2)")

        // The real run still announces everything the dry run did.
        let real = try E2E.feedd(["--once"] + common, cwd: box.cwd)
        #expect(real.status == 0, "\(real)")
        let realItems = try real.items()
        #expect(realItems.count == dryItems.count, "\(real)")
        #expect(Set(realItems.compactMap(\.id)) == Set(dryItems.compactMap(\.id)))
        #expect(Set(realItems.compactMap(\.title)) == Set(dryItems.compactMap(\.title)))
        for feed in box.feeds { try E2E.expectWellFormed(feed) }

        // After a real run, a dry run over a change shows only that change and writes nothing.
        let copy = box.root.appendingPathComponent("sample")
        try FileManager.default.copyItem(at: E2E.sampleSource, to: copy)
        try Data(Fixture.publication(id: "dry-new", title: "Dry: a paper a pull request adds").utf8)
            .write(to: copy.appendingPathComponent("publications/dry-new.md"))
        let before = box.feeds.map { E2E.fileState($0) }
        let pr = try E2E.feedd(["--dry-run", "--source", copy.path] + common, cwd: box.cwd)
        #expect(pr.status == 0, "\(pr)")
        #expect(try pr.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["new Dry: a paper a pull request adds"], "\(pr)")
        #expect(box.feeds.map { E2E.fileState($0) } == before, "a dry run touched the feeds")

        // A broken file: the dry run fails as --once would.
        try Data("---\nid: broken\ntitle: \"Broken\"\ndate: someday\n---\nBody.\n".utf8)
            .write(to: copy.appendingPathComponent("publications/broken.md"))
        let failing = try E2E.feedd(["--dry-run", "--source", copy.path] + common, cwd: box.cwd)
        #expect(failing.status == 65, "\(failing)")
        #expect(try failing.rejections().map { "\($0.source ?? ""):\($0.line ?? 0)" } == ["publications/broken.md:4"], "\(failing)")
        #expect(box.feeds.map { E2E.fileState($0) } == before, "a dry run touched the feeds")
    }

    /// A pull-request check must leave the checkout clean: no state, no feeds.
    @Test func dryRunOnAFreshCheckoutCreatesNoStateOrOutputDirectory() throws {
        let box = try Sandbox()
        let dry = try E2E.feedd(["--dry-run", "--config", E2E.sampleConfig.path, "--output", box.out.path, "--state-dir", box.state.path],
                                cwd: box.cwd)
        #expect(dry.status == 0, "\(dry)")
        let state = (try? FileManager.default.contentsOfDirectory(atPath: box.state.path)) ?? []
        #expect(state.isEmpty, "a dry run wrote state: \(state)")
        #expect(!FileManager.default.fileExists(atPath: box.out.path), "a dry run created the output directory")
    }

    // MARK: 7. Configuration and usage

    @Test func worksFromFlagsAloneWithNoConfigFile() throws {
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p", title: "Flags only: a paper"))
        try box.write("jobs/j.md", Fixture.job(id: "j", title: "Flags only: a job"))
        let run = try E2E.feedd(["--once", "--source", box.src.path, "--output", box.out.path, "--state-dir", box.state.path], cwd: box.cwd)
        #expect(run.status == 0, "\(run)")
        for feed in box.feeds {
            #expect(FileManager.default.fileExists(atPath: feed.path), "\(feed.lastPathComponent) missing\n\(run)")
            try E2E.expectWellFormed(feed)
        }
        #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["Flags only: a paper"])
        #expect(try ParsedFeed(box.openings).entries.map(\.title) == ["Flags only: a job"])
        // Text logs: one line per item, for people.
        #expect(run.lines.filter { $0.contains(" notice new ") }.count == 2, "\(run)")
        // Every path came from a flag: nothing appears in the working directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.cwd.path).isEmpty)
    }

    @Test func relativeFlagPathsResolveAgainstTheWorkingDirectory() throws {
        let box = try Sandbox()
        let entries = box.cwd.appendingPathComponent("Entries/publications")
        try FileManager.default.createDirectory(at: entries, withIntermediateDirectories: true)
        try Data(Fixture.publication(id: "rel", title: "Relative paths").utf8).write(to: entries.appendingPathComponent("rel.md"))
        let run = try E2E.feedd(["--once", "--source", "Entries", "--output", "Feeds", "--state-dir", "state"], cwd: box.cwd)
        #expect(run.status == 0, "\(run)")
        for name in ["publications.atom", "openings.atom"] {
            let feed = box.cwd.appendingPathComponent("Feeds/\(name)")
            #expect(FileManager.default.fileExists(atPath: feed.path), "\(name) missing\n\(run)")
            try E2E.expectWellFormed(feed)
        }
    }

    @Test func unknownConfigKeyExits78NamingLineAndKey() throws {
        let box = try Sandbox()
        let config = box.root.appendingPathComponent("bad.toml")
        try Data("source = \"\(box.src.path)\"\noutput = \"\(box.out.path)\"\nfrobnicate = true\n".utf8).write(to: config)
        for format in ["text", "json"] {
            let run = try E2E.feedd(["--once", "--config", config.path, "--state-dir", box.state.path, "--log-format", format], cwd: box.cwd)
            #expect(run.status == 78, "\(run)")
            #expect(run.stderr.contains("bad.toml:3"), "the line is not named\n\(run)")
            #expect(run.stderr.contains("frobnicate"), "the key is not named\n\(run)")
            if format == "json" { _ = try run.logLines() }
        }
        #expect(!FileManager.default.fileExists(atPath: box.out.path), "a bad config still wrote output")
    }

    @Test func missingSourceDirectoryExits66NamingIt() throws {
        let box = try Sandbox()
        let missing = box.root.appendingPathComponent("no-such-entries").path
        let run = try E2E.feedd(["--once", "--source", missing, "--output", box.out.path, "--state-dir", box.state.path], cwd: box.cwd)
        #expect(run.status == 66, "\(run)")
        #expect(run.stderr.contains(missing), "the message does not name \(missing)\n\(run)")
        #expect(!FileManager.default.fileExists(atPath: box.publications.path))
    }

    @Test func badUsageExits64() throws {
        let box = try Sandbox()
        let run = try E2E.feedd(["--once", "--log-format", "xml"], cwd: box.cwd)
        #expect(run.status == 64, "\(run)")
        let help = try E2E.feedd(["--help"], cwd: box.cwd)
        #expect(help.status == 0 && help.stdout.contains("--once") && help.stdout.contains("--dry-run"), "\(help)")
    }

    // MARK: 8. Removal

    @Test func deletingAJobClosesItAndRestoringAFileReopensIt() throws {
        let box = try Sandbox()
        try box.write("jobs/a.md", Fixture.job(id: "job-a", title: "Job A"))
        try box.write("jobs/b.md", Fixture.job(id: "job-b", title: "Job B", location: "GB, SCT, Edinburgh"))
        let paper = Fixture.publication(id: "paper-p", title: "Paper P")
        try box.write("publications/p.md", paper)
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let ids = Dictionary(try first.items().map { ($0.title ?? "", $0.id ?? "") }, uniquingKeysWith: { a, _ in a })
        let jobA = try #require(ids["Job A"])
        let jobB = try #require(ids["Job B"])
        let paperP = try #require(ids["Paper P"])

        // The job closes: one `removed`; it stays in the feed, marked, for closed_days.
        try box.remove("jobs/a.md")
        let second = try box.once()
        #expect(second.status == 0, "\(second)")
        let removed = try second.items()
        #expect(removed.count == 1 && removed.first?.event == "removed" && removed.first?.kind == "job" && removed.first?.id == jobA, "\(second)")
        #expect(removed.first?["feed"] == "openings" && removed.first?.source == "jobs/a.md", "\(second)")
        #expect(Set(try ParsedFeed(box.openings).ids) == [jobA, jobB])
        #expect(try ParsedFeed(box.openings).entries.first { $0.id == jobA }?.title == "Closed: Job A")

        // Deleted and put back (a git checkout) between two runs: nothing happened.
        let paperBytes = try box.read(box.src.appendingPathComponent("publications/p.md"))
        try box.remove("publications/p.md")
        try box.write("publications/p.md", bytes: Array(paperBytes))
        let third = try box.once()
        #expect(third.status == 0, "\(third)")
        #expect(try third.items().isEmpty, "\(third)")

        // Deleted in one run, restored unchanged in the next: open again (`updated`), never `new`.
        let jobBText = Fixture.job(id: "job-b", title: "Job B", location: "GB, SCT, Edinburgh")
        try box.remove("jobs/b.md")
        try box.remove("publications/p.md")
        let fourth = try box.once()
        #expect(fourth.status == 0, "\(fourth)")
        #expect(try fourth.items().contains { $0.event == "removed" && $0.id == jobB }, "\(fourth)")
        #expect(try !fourth.items().contains { $0.event == "new" }, "\(fourth)")
        #expect(try ParsedFeed(box.openings).entries.allSatisfy { $0.title.hasPrefix("Closed: ") })
        #expect(try ParsedFeed(box.publications).entries.isEmpty, "publications leave at once (closed_days 0)")
        try box.write("jobs/b.md", jobBText)
        try box.write("publications/p.md", paper)
        let fifth = try box.once()
        #expect(fifth.status == 0, "\(fifth)")
        #expect(try !fifth.items().contains { $0.event == "new" }, "a restored file was announced as new:\n\(fifth)")
        #expect(try fifth.items().filter { $0.event == "updated" }.compactMap(\.id).sorted() == [jobB, paperP].sorted(), "\(fifth)")
        #expect(try ParsedFeed(box.publications).ids == [paperP])
        let openings = try ParsedFeed(box.openings)
        #expect(openings.entries.first { $0.id == jobB }?.title == "Job B", "the reopened job is still marked closed")
        for feed in box.feeds { try E2E.expectWellFormed(feed) }
    }

    // MARK: 9. A failed write

    @Test func aFailedWriteKeepsThePreviousFeedAndTheNoticesComeAgain() throws {
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p1", title: "First paper"))
        try box.write("jobs/j.md", Fixture.job(id: "j1", title: "First job"))
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let openingsBefore = try box.read(box.openings)
        let openingsState = E2E.fileState(box.openings)

        // Both feeds change, but publications.atom cannot be replaced: it is now a non-empty directory.
        try box.write("publications/p2.md", Fixture.publication(id: "p2", title: "Second paper", date: "2025-09-09"))
        try box.write("jobs/j2.md", Fixture.job(id: "j2", title: "Second job", date: "2025-09-09"))
        try FileManager.default.removeItem(at: box.publications)
        try FileManager.default.createDirectory(at: box.publications, withIntermediateDirectories: false)
        try Data("in the way\n".utf8).write(to: box.publications.appendingPathComponent("blocker"))

        let failed = try box.once()
        #expect(failed.status == 73, "\(failed)")
        #expect(failed.stderr.contains("publications.atom"), "the message does not name the feed\n\(failed)")
        #expect(try box.read(box.openings) == openingsBefore, "the other feed changed")
        #expect(E2E.fileState(box.openings) == openingsState, "the other feed was rewritten")
        let litter = try FileManager.default.contentsOfDirectory(atPath: box.out.path).filter { $0.hasPrefix(".") }
        #expect(litter.isEmpty, "temp files left behind: \(litter)")

        // Fixed: the next run succeeds and announces what the failed run could not publish.
        try FileManager.default.removeItem(at: box.publications)
        let fixed = try box.once()
        #expect(fixed.status == 0, "\(fixed)")
        let titles = Set(try fixed.items().filter { $0.event == "new" }.compactMap(\.title))
        #expect(titles.isSuperset(of: ["Second paper", "Second job"]), "a notice went missing:\n\(fixed)")
        #expect(try Set(ParsedFeed(box.publications).entries.map(\.title)) == ["First paper", "Second paper"])
        #expect(try Set(ParsedFeed(box.openings).entries.map(\.title)) == ["First job", "Second job"])
        for feed in box.feeds { try E2E.expectWellFormed(feed) }
    }

    /// The same when the second feed is the one that cannot be written: the
    /// first one is already on disk, the state is not, so the notices repeat.
    @Test func aFailedWriteOfTheSecondFeedStillRepeatsTheNotices() throws {
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p1", title: "First paper"))
        try box.write("jobs/j.md", Fixture.job(id: "j1", title: "First job"))
        #expect(try box.once().status == 0)

        try box.write("publications/p2.md", Fixture.publication(id: "p2", title: "Second paper", date: "2025-09-09"))
        try box.write("jobs/j2.md", Fixture.job(id: "j2", title: "Second job", date: "2025-09-09"))
        try FileManager.default.removeItem(at: box.openings)
        try FileManager.default.createDirectory(at: box.openings.appendingPathComponent("blocker"), withIntermediateDirectories: true)
        let failed = try box.once()
        #expect(failed.status == 73, "\(failed)")

        try FileManager.default.removeItem(at: box.openings)
        let fixed = try box.once()
        #expect(fixed.status == 0, "\(fixed)")
        let titles = Set(try fixed.items().filter { $0.event == "new" }.compactMap(\.title))
        #expect(titles.isSuperset(of: ["Second paper", "Second job"]), "a notice went missing:\n\(fixed)")
        #expect(try Set(ParsedFeed(box.openings).entries.map(\.title)) == ["First job", "Second job"])
    }
}


// MARK: - More of what users notice

@Suite(.serialized)
struct OnceEndToEndDetailTests {
    /// One event is one line, in text and in JSON, whatever the title and path hold.
    @Test func awkwardTitlesAndPathsStayOneLineAndRoundTrip() throws {
        let box = try Sandbox()
        // YAML double-quoted escapes: \" \\ and \u2066 (a bidi isolate).
        let title = #"Quotes \"inside\", a back\\slash = and an isolate \u2066end"#
        try box.write("publications/a paper \"quoted\" = odd.md", """
            ---
            id: awkward
            title: "\(title)"
            date: 2025-01-01
            ---
            Body.

            """)
        let json = try box.once()
        #expect(json.status == 0, "\(json)")
        let items = try json.items()
        #expect(items.count == 1, "\(json)")
        #expect(items.first?.title == "Quotes \"inside\", a back\\slash = and an isolate \u{2066}end", "\(json)")
        #expect(items.first?.source == "publications/a paper \"quoted\" = odd.md", "\(json)")
        #expect(try ParsedFeed(box.publications).entries.first?.title == items.first?.title)

        // Text: the same event, on one line, with the isolate made visible.
        try FileManager.default.removeItem(at: box.state)
        let text = try E2E.feedd(["--once", "--source", box.src.path, "--output", box.out.path, "--state-dir", box.state.path], cwd: box.cwd)
        #expect(text.status == 0, "\(text)")
        let notices = text.lines.filter { $0.contains(" notice ") }
        #expect(notices.count == 1, "\(text)")
        #expect(notices.first.map { !$0.contains("\u{2066}") } == true, "raw control characters in a text log line\n\(text)")
    }

    /// Hidden files, editors' temp and backup files, and other extensions are not entries.
    @Test func hiddenAndEditorFilesAreIgnored() throws {
        let box = try Sandbox()
        try box.write("publications/real.md", Fixture.publication(id: "real", title: "Real paper"))
        try box.write("publications/.hidden.md", Fixture.publication(id: "hidden", title: "Hidden paper"))
        try box.write("publications/real.md~", Fixture.publication(id: "backup", title: "Backup paper"))
        try box.write("publications/#real.md#", Fixture.publication(id: "autosave", title: "Autosave paper"))
        try box.write("publications/.real.md.swp", "swap")
        try box.write(".git/publications/old.md", Fixture.publication(id: "git", title: "Git internals"))
        try box.write("publications/notes.rst", "not an entry")
        let run = try box.once()
        #expect(run.status == 0, "\(run)")
        #expect(try run.items().compactMap(\.title) == ["Real paper"], "\(run)")
        #expect(try run.rejections().isEmpty, "\(run)")
        #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["Real paper"])
    }

    /// Whitespace-only changes are not edits: no `updated` for re-wrapped blank lines, trailing spaces or CRLF.
    @Test(.enabled(if: E2E.hasCorpus, "needs ../shared/corpus/science-page-2024.txt"))
    func whitespaceOnlyChangesAreNotEdits() throws {
        let box = try Sandbox()
        let corpus = try String(contentsOf: E2E.corpus, encoding: .utf8)
        let paper = Fixture.publication(id: "ws", title: "Whitespace paper")
        try box.write("listing/science-page-2024.txt", corpus)
        try box.write("publications/ws.md", paper)
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let before = try box.feeds.map { try box.read($0) }

        try box.write("listing/science-page-2024.txt",
                      corpus.split(separator: "\n", omittingEmptySubsequences: false).map { $0 + "  " }.joined(separator: "\r\n") + "\r\n\r\n")
        try box.write("publications/ws.md", paper.replacingOccurrences(of: "\n\n", with: "\n\n\n").replacingOccurrences(of: "\n", with: "  \n") + "\n\n")
        let second = try box.once()
        #expect(second.status == 0, "\(second)")
        #expect(try second.items().isEmpty, "whitespace changes were announced:\n\(second)")
        #expect(try box.feeds.map { try box.read($0) } == before, "feeds changed on a whitespace-only edit")
    }

    /// The same inputs give byte-identical feeds, whoever runs them and when;
    /// the feed's `updated` is its newest entry's, never the clock.
    @Test func sameInputsGiveByteIdenticalFeeds() throws {
        func build() throws -> (Sandbox, [Data]) {
            let box = try Sandbox()
            try box.write("publications/a.md", Fixture.publication(id: "a", title: "Paper A", date: "2024-01-02T10:00:00+02:00"))
            try box.write("publications/b.md", Fixture.publication(id: "b", title: "Paper B", date: "2024-03-04"))
            try box.write("publications/c.json", #"{"id": "c", "title": "Paper C", "date": "2024-03-04", "updated": "2024-05-06T07:08:09Z", "body": "C."}"#)
            try box.write("jobs/j.md", Fixture.job(id: "j", title: "Job J", date: "2024-02-03"))
            let run = try box.once()
            #expect(run.status == 0, "\(run)")
            return (box, try box.feeds.map { try box.read($0) })
        }
        let (one, first) = try build()
        Thread.sleep(forTimeInterval: 1.1)
        let (_, second) = try build()
        #expect(first == second, "two fresh runs on the same inputs wrote different bytes")

        let publications = try ParsedFeed(one.publications)
        // Newest first (by publication date), ties broken by id.
        #expect(publications.entries.map(\.title) == ["Paper B", "Paper C", "Paper A"])
        #expect(publications.updated == "2024-05-06T07:08:09Z")
        #expect(publications.entries.first { $0.title == "Paper A" }?.published == "2024-01-02T08:00:00Z", "dates are not RFC 3339 UTC")
        #expect(try ParsedFeed(one.openings).updated == "2024-02-03T00:00:00Z")
    }
}

// MARK: - The listing-page edit

/// Rewrites the corpus page the way a publisher's next version might look:
/// abstracts re-ordered and re-numbered, two new ones, a one-word fix late in
/// abstract 4, the Boston job closed and a Berlin job opened. The new text is
/// invented for the test.
enum ListingEdit {
    static let newAbstracts = [
        "We present Heronsbill, a scheduler for shared research clusters that learns how long each notebook job will idle and lends its accelerators to batch work in the meantime. Across four months of traces, Heronsbill raised accelerator utilisation from 38% to 61% without delaying interactive sessions.",
        "Tide tables for small harbours are still computed from decades-old harmonic constants. We introduce Saltmarsh, a method that corrects those constants from a few weeks of cheap pressure-sensor readings, and show that it halves the prediction error at nine harbours on two coasts.",
    ]
    static let newJobDescription = "The Northwind Cartography team is looking for a Research Engineer to build map-matching models for bicycle couriers in dense city centres. You will own the models from data collection to deployment, work with street-level imagery and GPS traces, and publish what you learn."
    static let newJobLocation = "DE, BE, Berlin"

    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    static func apply(to page: String) throws -> String {
        let lines = page.components(separatedBy: "\n")
        func isNumbered(_ line: String) -> Bool {
            line.range(of: #"^\s{0,4}\d{1,3}\.\s"#, options: .regularExpression) != nil
        }
        guard let firstAbstract = lines.firstIndex(where: isNumbered),
              let related = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "Related content" }) else {
            throw Mismatch(description: "the corpus page no longer has numbered abstracts and a Related content line")
        }
        // Abstracts: each from its numbered line to the next, trailing blank lines dropped.
        var abstracts: [[String]] = []
        for line in lines[firstAbstract..<related] {
            if isNumbered(line) { abstracts.append([line]) } else { abstracts[abstracts.count - 1].append(line) }
        }
        abstracts = abstracts.map { block in
            var b = block
            while b.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { b.removeLast() }
            // Drop the number: "  4. Amazon …" → "Amazon …" on the first line.
            b[0] = b[0].replacingOccurrences(of: #"^\s*\d+\.\s+"#, with: "", options: .regularExpression)
            return b
        }
        guard abstracts.count == 10 else { throw Mismatch(description: "expected 10 abstracts, found \(abstracts.count)") }
        // A one-word fix in the last sentence of abstract 4.
        let fourth = abstracts[3].joined(separator: "\n")
        guard fourth.contains("between these opposing needs") else { throw Mismatch(description: "abstract 4 changed upstream") }
        abstracts[3] = fourth.replacingOccurrences(of: "between these opposing needs", with: "between these competing needs")
            .components(separatedBy: "\n")

        var reordered = Array(abstracts.reversed())
        reordered.insert([newAbstracts[0], "", "    Read and download the paper"], at: 0)
        reordered.insert([newAbstracts[1], "", "    Read the rest of the abstract and download the paper"], at: 6)
        var out = Array(lines[..<firstAbstract])
        for (i, block) in reordered.enumerated() {
            out.append("  \(i + 1). " + block[0])
            out += block.dropFirst()
            out.append("")
        }

        // Jobs: location/description pairs after "Related content".
        out.append(lines[related])
        out.append("")
        let jobLines = lines[(related + 1)...].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard jobLines.count % 2 == 0 else { throw Mismatch(description: "job lines are not pairs") }
        var closed = 0
        for pair in stride(from: 0, to: jobLines.count, by: 2) {
            if jobLines[pair] == "US, MA, Boston" { closed += 1; continue }
            out.append(jobLines[pair])
            out.append(jobLines[pair + 1])
        }
        guard closed == 1 else { throw Mismatch(description: "expected one Boston job, found \(closed)") }
        out.append(newJobLocation)
        out.append(newJobDescription)
        return out.joined(separator: "\n") + "\n"
    }
}
