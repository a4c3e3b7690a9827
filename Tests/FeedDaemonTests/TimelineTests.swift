import Foundation
import Testing
import FeedModel
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, "What users must see": the timeline subscribers live in. Page
/// order and distinct times, closed openings that stay marked for a while,
/// closing dates, edits that are not news, one owner per id, and stable keys
/// for JSON items without ids. Each runs the real binary on a real tree.
struct TimelineTests {
    /// A config with both feeds (Atom only) and `extra` lines in each [[feed]] table.
    static func config(_ box: Sandbox, publications: String = "", openings: String = "") throws -> String {
        let path = box.root.appendingPathComponent("feedd.toml").path
        let text = """
        [[feed]]
        name = "publications"
        kind = "publication"
        \(publications)

        [[feed]]
        name = "openings"
        kind = "job"
        \(openings)
        """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func job(id: String, title: String, closes: String? = nil, body: String = "An invented opening for the tests.") -> String {
        """
        ---
        id: \(id)
        kind: job
        title: "\(title)"
        location: "PT, 11, Lisbon"
        \(closes.map { "closes: \($0)" } ?? "")
        ---
        \(body)

        """
    }

    // MARK: 1. Page order, distinct times

    @Test func itemsSeenTogetherKeepTheirSourceOrderWithDistinctTimes() throws {
        let box = try Sandbox()
        let page = """
        Invented Lab Page

          1. Harbour seals count themselves in a new census method that needs no aerial photographs at all.

          2. Lighthouse keepers kept logs that we digitise, revealing storms nobody had recorded before.

          3. Tide tables computed from first principles disagree with the almanac by a few minutes.

        Related content

        PT, 11, Lisbon
        Research engineer for the seal census, working on counting pipelines and field sensors.
        GB, SCT, Edinburgh
        Archivist for the lighthouse logs, working with volunteers and scanners.
        """
        try box.write("listing/page.txt", page)
        try box.write("publications/b.md", Fixture.publication(id: "dated", title: "A dated paper", date: "2020-01-01"))
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        let publications = try ParsedFeed(box.publications)
        let openings = try ParsedFeed(box.openings)
        // Page order: item 1 first; the dated paper keeps its own date (older, last).
        let titles = publications.entries.map(\.title)
        #expect(titles.count == 4)
        #expect(titles.first?.hasPrefix("Harbour seals") == true && titles[1].hasPrefix("Lighthouse keepers")
                && titles[2].hasPrefix("Tide tables") && titles[3] == "A dated paper", "\(titles)")
        #expect(publications.entries.last?.published.hasPrefix("2020-01-01") == true)
        #expect(openings.entries.map(\.title).first?.contains("seal census") == true, "\(openings.entries.map(\.title))")
        // Every updated in a feed distinct (the W3C validator warns on a repeat).
        for feed in [publications, openings] {
            #expect(Set(feed.entries.map(\.updated)).count == feed.entries.count, "\(feed.entries.map(\.updated))")
        }
        // A rerun, and a re-ordered page, change no byte.
        let bytes = try box.feeds.map { try box.read($0) }
        #expect(try box.once().items().isEmpty)
        #expect(try box.feeds.map { try box.read($0) } == bytes)
        let lines = page.components(separatedBy: "\n")
        let reordered = (lines[0..<2] + lines[4..<6] + lines[2..<4] + lines[6...]).joined(separator: "\n")
        try box.write("listing/page.txt", reordered)
        #expect(try box.once().items().isEmpty)
        #expect(try box.feeds.map { try box.read($0) } == bytes, "re-ordering the page changed the feeds")
        try E2E.expectJudgesPass(box.feeds)
    }

    // MARK: 2. Closed openings

    @Test func aClosedOpeningStaysMarkedAndLeavesAtOnceWithClosedDaysZero() throws {
        for days in [7, 0] {
            let box = try Sandbox()
            let config = try Self.config(box, openings: "closed_days = \(days)")
            try box.write("jobs/a.md", Self.job(id: "job-a", title: "Seal counter"))
            try box.write("jobs/b.md", Self.job(id: "job-b", title: "Log archivist"))
            #expect(try box.once(["--config", config]).status == 0)
            let before = try ParsedFeed(box.openings)
            try box.remove("jobs/a.md")
            let second = try box.once(["--config", config])
            #expect(try second.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["removed Seal counter"], "\(second)")
            let after = try ParsedFeed(box.openings)
            if days == 0 {
                #expect(after.entries.map(\.title) == ["Log archivist"])
            } else {
                let closed = try #require(after.entries.first { $0.title == "Closed: Seal counter" }, "\(after.entries.map(\.title))")
                #expect(closed.id == before.entries.first { $0.title == "Seal counter" }?.id)
                #expect(closed.updated > (before.entries.first { $0.title == "Seal counter" }?.updated ?? ""))
                #expect(closed.content.contains("Closed since"))
                #expect(after.entries.first { $0.id != closed.id }?.title == "Log archivist")
                let text = try String(contentsOf: box.openings, encoding: .utf8)
                #expect(text.contains("<category term=\"closed\"/>"))
                try E2E.expectJudgesPass(box.feeds)
            }
            #expect(try box.once(["--config", config]).items().isEmpty, "a rerun announced something")
            // Back: open again, one `updated`, the mark gone.
            try box.write("jobs/a.md", Self.job(id: "job-a", title: "Seal counter"))
            let back = try box.once(["--config", config])
            #expect(try back.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["updated Seal counter"], "\(back)")
            #expect(Set(try ParsedFeed(box.openings).entries.map(\.title)) == ["Seal counter", "Log archivist"])
        }
    }

    // MARK: 3. Closing dates

    @Test func closingDatesCloseOpeningsAndPassedOnesAreNeverPublished() throws {
        let box = try Sandbox()
        try box.write("jobs/past.md", Self.job(id: "job-past", title: "Already closed", closes: "2020-06-30"))
        try box.write("jobs/open.md", Self.job(id: "job-open", title: "Still open", closes: "2099-01-01T00:00:00Z"))
        let first = try box.once()
        #expect(first.status == 0, "\(first)")
        #expect(try first.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["new Still open"], "\(first)")
        let unseen = try first.logLines().filter { $0.event == "closed-unseen" }
        #expect(unseen.count == 1 && unseen.first?.level == "info" && unseen.first?.source == "jobs/past.md", "\(first)")
        #expect(try ParsedFeed(box.openings).entries.map(\.title) == ["Still open"])
        // The closing date moves into the past: closed by this run, no other change needed.
        try box.write("jobs/open.md", Self.job(id: "job-open", title: "Still open", closes: "2021-01-01"))
        let second = try box.once()
        #expect(try second.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["removed Still open"], "\(second)")
        // It closed at the end of 2021-01-01, long before the 7-day window of this run: gone at once.
        #expect(try ParsedFeed(box.openings).entries.isEmpty)
        #expect(try box.once().items().isEmpty)
    }

    @Test func theDaemonClosesAnOpeningWhenItsDateComesWithoutAFileChange() async throws {
        let scratch = try DaemonScratch()
        try DaemonHarness.write(Self.job(id: "job-past", title: "Closed before", closes: "2020-01-01"), to: scratch.source + "/jobs/past.md")
        let config = try scratch.writeConfig("[daemon]\ndebounce_ms = 50\n")
        let daemon = try DaemonProcess(["--config", config] + scratch.flags, cwd: scratch.cwd)
        defer { daemon.kill() }
        #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(daemon.log.tail())")
        // A job closing a few seconds ahead, on a whole second (closing dates are RFC 3339 seconds).
        // Six seconds, so that a loaded machine (tests run in parallel) still sees it open first.
        let closesAt = Int(Date().timeIntervalSince1970) + 6
        try DaemonHarness.write(Self.job(id: "job-soon", title: "Closing soon", closes: Timestamp(seconds: Int64(closesAt)).rfc3339),
                                to: scratch.source + "/jobs/soon.md")
        #expect(await daemon.log.wait(for: "new", source: "jobs/soon.md", timeout: .seconds(5)), "\(daemon.log.tail())")
        #expect(DaemonHarness.text(scratch.openings).contains("<title>Closing soon</title>"))
        let closedWithin = await DaemonHarness.eventually(timeout: .seconds(10), every: .milliseconds(10)) {
            DaemonHarness.text(scratch.openings).contains("<title>Closed: Closing soon</title>")
        }
        // The timer fires 5 ms after the date; the slack is for a machine busy with the
        // rest of the suite (1.4 s seen). Without the timer nothing would close it at all.
        let lateBy = Date().timeIntervalSince1970 - Double(closesAt)
        #expect(closedWithin && lateBy >= 0 && lateBy < 3.0, "marked closed \(lateBy) s after its closing date\n\(daemon.log.tail())")
        // Its line is written right after the feeds are renamed: it may reach the reader a moment later.
        #expect(await daemon.log.wait(for: "removed", source: "jobs/soon.md", timeout: .seconds(2)), "\(daemon.log.tail())")
        #expect(daemon.log.lines(event: "removed", source: "jobs/soon.md").count == 1, "\(daemon.log.tail())")
        // The job closed before feedd saw it: never in the feed, never announced.
        #expect(!DaemonHarness.text(scratch.openings).contains("Closed before"))
        #expect(daemon.log.lines(event: "new").count == 1 && daemon.log.lines(event: "closed-unseen").count == 1, "\(daemon.log.tail())")
    }

    // MARK: 4. Edits that matter

    @Test func aBodyEditIsAQuietRevisionWhenOnlyTheTitleIsSignificant() throws {
        let box = try Sandbox()
        let config = try Self.config(box, publications: "significant = [\"title\"]")
        let body = "A paper about counting seals from the shore.\n\nThe method section."
        try box.write("publications/p.md", Fixture.publication(id: "paper-p", title: "Seal census", body: body))
        #expect(try box.once(["--config", config]).status == 0)
        let before = try #require(try ParsedFeed(box.publications).entries.first)

        try box.write("publications/p.md", Fixture.publication(id: "paper-p", title: "Seal census",
                                                               body: "A paper about counting harbour seals from the shore.\n\nThe method section."))
        let revised = try box.once(["--config", config])
        #expect(try revised.items().map { "\($0.event ?? "") \($0.level ?? "")" } == ["revised info"], "\(revised)")
        let afterBody = try #require(try ParsedFeed(box.publications).entries.first)
        #expect(afterBody.content.contains("harbour seals") && afterBody.updated == before.updated)

        try box.write("publications/p.md", Fixture.publication(id: "paper-p", title: "Seal census, revised",
                                                               body: "A paper about counting harbour seals from the shore.\n\nThe method section."))
        let updated = try box.once(["--config", config])
        #expect(try updated.items().map { "\($0.event ?? "") \($0.level ?? "")" } == ["updated notice"], "\(updated)")
        let afterTitle = try #require(try ParsedFeed(box.publications).entries.first)
        #expect(afterTitle.updated > before.updated, "\(afterTitle.updated) ≤ \(before.updated)")
        // Whitespace and line endings only: nothing at all.
        let crlf = Fixture.publication(id: "paper-p", title: "Seal census, revised",
                                       body: "A paper about counting   harbour seals\nfrom the shore.\n\nThe method section.")
            .replacingOccurrences(of: "\n", with: "\r\n")
        try box.write("publications/p.md", crlf)
        #expect(try box.once(["--config", config]).items().isEmpty)
    }

    // MARK: 5. Owners and JSON items

    @Test func theFirstOwnerKeepsAnIdAndHandsItOverWhenItGoes() throws {
        let box = try Sandbox()
        try box.write("publications/z-first.md", Fixture.publication(id: "shared", title: "First claim"))
        #expect(try box.once().status == 0)
        // A smaller path claims the id later: the owner keeps it, every run says so and fails CI.
        try box.write("publications/a-second.md", Fixture.publication(id: "shared", title: "Second claim"))
        for _ in 0..<2 {
            let run = try box.once()
            #expect(run.status == 65, "\(run)")
            let conflicts = try run.logLines().filter { $0.event == "conflict" }
            #expect(conflicts.map { [$0.source ?? "", $0["winner"] ?? ""] } == [["publications/a-second.md", "publications/z-first.md"]], "\(run)")
            #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["First claim"])
        }
        let state = try E2E.feedd(["state", "--state-dir", box.state.path], cwd: box.cwd)
        #expect(state.stdout.contains("id shared at publications/a-second.md:1 is also in publications/z-first.md"), "\(state)")
        // The owner goes: the other file takes the entry over, no `removed`.
        try box.remove("publications/z-first.md")
        let handed = try box.once()
        #expect(handed.status == 0, "\(handed)")
        #expect(try handed.items().map { "\($0.event ?? "") \($0.source ?? "")" } == ["updated publications/a-second.md"], "\(handed)")
        #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["Second claim"])
        #expect(try box.once().logLines().filter { $0.event == "conflict" }.isEmpty)
    }

    @Test func jsonItemsWithoutIdsAreKeyedByTheirContent() throws {
        let box = try Sandbox()
        func item(_ title: String) -> String {
            "{\"kind\": \"publication\", \"title\": \"\(title)\", \"date\": \"2024-05-0\(title.count % 9 + 1)\", \"body\": \"About \(title).\"}"
        }
        let titles = ["Otters", "Puffins", "Gannets"]
        try box.write("more/list.json", "[\n" + titles.map(item).joined(separator: ",\n") + "\n]\n")
        #expect(try box.once().status == 0)
        let ids = Dictionary(uniqueKeysWithValues: try ParsedFeed(box.publications).entries.map { ($0.title, $0.id) })
        try box.write("more/list.json", "[\n" + titles.dropFirst().map(item).joined(separator: ",\n") + "\n]\n")
        let run = try box.once()
        #expect(try run.items().map { "\($0.event ?? "") \($0.title ?? "")" } == ["removed Otters"], "\(run)")
        let after = try ParsedFeed(box.publications).entries
        #expect(Dictionary(uniqueKeysWithValues: after.map { ($0.title, $0.id) }) == ids.filter { $0.key != "Otters" })
    }
}
