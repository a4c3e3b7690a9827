import Foundation
import Testing
import FeedModel
import FeedParse

/// Invented pages in the shape of the real corpus, beside this file.
enum ListingFixture {
    static func text(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func parse(_ name: String) throws -> [ListingItem] {
        try ListingPage.parse(text: text(name), source: "harbour/\(name)")
    }
}

struct ListingPageTests {
    @Test func readsAbstractsAndJobs() throws {
        let items = try ListingFixture.parse("harbour-page.txt")
        let entries = items.map(\.entry)
        #expect(entries.map(\.kind) == [.publication, .publication, .publication, .job, .job])
        #expect(entries.map(\.line) == [5, 11, 15, 21, 23])
        for entry in entries {
            #expect(entry.published == nil)
            #expect(entry.source == "harbour/harbour-page.txt")
            #expect(!entry.body.lowercased().contains("read the rest"))
            #expect(!entry.body.lowercased().contains("download the paper"))
        }
        let first = entries[0]
        #expect(first.body == """
            Small ports still publish tide tables computed by hand from decades-old constants. We present Tidewright, a harmonic model that refits its constants every night from a fortnight of gauge readings.

            Across forty ports Tidewright halves the error of the published tables at spring tides, and it runs on a single board computer bolted to the gauge.
            """)
        #expect(first.title == "Tidewright: a harmonic model that refits its constants every night from a fortnight of gauge readings")
        #expect(entries[1].title == "Fogbank: a routing service that plans pilot-boat trips around forecast visibility")
        #expect(entries[2].title == "Berth allocation is usually framed as a scheduling problem with fixed arrival times")

        let bergen = entries[3]
        #expect(bergen.location == Location(country: "NO", region: "VL", city: "Bergen"))
        #expect(bergen.team == "Coastal Forecasting")
        #expect(bergen.title == "Applied Scientist, Coastal Forecasting — Bergen")
        let lisbon = entries[4]
        #expect(lisbon.location == Location(country: "PT", city: "Lisbon"))
        #expect(lisbon.team == "Port Logistics")
        #expect(lisbon.title == "Research Engineer, Port Logistics — Lisbon")
    }

    @Test func exactDuplicatesCollapseToTheFirst() throws {
        let jobs = try ListingFixture.parse("harbour-page.txt").filter { $0.entry.kind == .job }
        #expect(jobs.count == 2)
        #expect(jobs[0].entry.line == 21)
    }

    @Test func keysAreURLSafeAndCarryThePage() throws {
        let items = try ListingFixture.parse("harbour-page.txt")
        for key in items.map(\.entry.key.rawValue) {
            #expect(key.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-/".contains($0) }, "\(key)")
            #expect(key.hasPrefix("harbour/harbour-page/"))
        }
        #expect(items[0].entry.key.rawValue.range(of: #"^harbour/harbour-page/publication-[0-9a-f]{12}$"#, options: .regularExpression) != nil)
        #expect(items[3].entry.key.rawValue.range(of: #"^harbour/harbour-page/job-no-vl-bergen-[0-9a-f]{12}$"#, options: .regularExpression) != nil)
    }

    @Test func baseKeysIgnoreNumberingLateEditsAndFormatting() throws {
        let text = try ListingFixture.text("harbour-page.txt")
        let before = try ListingPage.parse(text: text, source: "p.txt").map(\.entry.key)
        let edited = text
            .replacingOccurrences(of: "  1. Small ports", with: "  7. Small   ports")
            .replacingOccurrences(of: "bolted to the gauge.", with: "bolted onto the gauge.")
            .replacingOccurrences(of: "Fogbank is a routing", with: "FOGBANK is a routing")
        let after = try ListingPage.parse(text: edited, source: "p.txt").map(\.entry.key)
        #expect(before == after)
        // An edit in the opening words is a different base key (ListingIdentity still matches it).
        let early = text.replacingOccurrences(of: "Small ports still", with: "Little harbours still")
        #expect(try ListingPage.parse(text: early, source: "p.txt")[0].entry.key != before[0])
    }

    @Test func jobsOnlyPage() throws {
        let entries = try ListingFixture.parse("harbour-jobs-only.txt").map(\.entry)
        #expect(entries.map(\.kind) == [.job, .job])
        #expect(entries.map(\.title) == ["Senior Data Scientist — Rotterdam", "Robotics Engineer, Quay Robotics — Aarhus"])
        #expect(entries[1].location == Location(country: "DK", city: "Aarhus"))
    }

    @Test func jobsWithoutTheRelatedContentLine() throws {
        let text = try ListingFixture.text("harbour-jobs-only.txt").replacingOccurrences(of: "Related content\n", with: "")
        let entries = try ListingPage.parse(text: text, source: "p.txt").map(\.entry)
        #expect(entries.map(\.kind) == [.job, .job])
    }

    @Test func papersOnlyPageIndentedWithTabs() throws {
        let entries = try ListingFixture.parse("harbour-papers-only.txt").map(\.entry)
        #expect(entries.map(\.kind) == [.publication, .publication])
        #expect(entries[0].title == "Hawser: a wear model that ranks lines by remaining strength from tension logs")
        #expect(!entries[0].body.contains("Read"))
        #expect(entries[1].line == 9)
    }

    @Test func crlfAndBOMReadTheSameAsLF() throws {
        let text = try ListingFixture.text("harbour-page.txt")
        let plain = try ListingPage.parse(text: text, source: "p.txt")
        let windows = try ListingPage.parse(text: "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n"), source: "p.txt")
        let oldMac = try ListingPage.parse(text: text.replacingOccurrences(of: "\n", with: "\r"), source: "p.txt")
        #expect(windows == plain)
        #expect(oldMac == plain)
    }

    @Test func spacesAndTabsIndentAlike() throws {
        let text = try ListingFixture.text("harbour-page.txt")
        let tabbed = text.replacingOccurrences(of: "\n    ", with: "\n\t").replacingOccurrences(of: "\n  ", with: "\n\t")
        #expect(try ListingPage.parse(text: tabbed, source: "p.txt") == ListingPage.parse(text: text, source: "p.txt"))
    }
}

struct ListingRejectionTests {
    private func rejection(_ text: String) -> Rejection? {
        do {
            _ = try ListingPage.parse(text: text, source: "bad.txt")
            return nil
        } catch {
            return error
        }
    }

    @Test func pageWithoutItems() {
        let r = rejection("Just a title\n\nAnd a paragraph of prose with no list in it.\n")
        #expect(r?.line == nil)
        #expect(r?.source == "bad.txt")
        #expect(r?.message.contains("no numbered abstracts and no 'Related content' job list") == true)
        #expect(rejection("") != nil)
        #expect(rejection("\u{FEFF}\r\n\r\n") != nil)
    }

    @Test func relatedContentWithNothingAfterIt() {
        let r = rejection("Title\n\nRelated content\n\n")
        #expect(r?.message.contains("no job postings") == true)
    }

    @Test func locationWithoutDescriptionNamesItsLine() {
        let r = rejection("Related content\n\nUS, WA, Seattle\nGB, London\nA description of a role that is long enough to read as one.\n")
        #expect(r?.line == 3)
        #expect(r?.message.contains("'US, WA, Seattle' has no job description") == true)
        let atEnd = rejection("Related content\nUS, WA, Seattle\nA description of a role that is long enough.\nFR, Paris\n")
        #expect(atEnd?.line == 4)
    }

    @Test func descriptionWithoutLocationNamesItsLine() {
        let r = rejection("Related content\n\nUS, WA, Seattle\nFirst description, long enough to read as one.\nSecond description. It has no place line before it.\n")
        #expect(r?.line == 5)
        #expect(r?.message.contains("expected a job location line") == true)
    }

    @Test func emptyAbstractNamesItsLine() {
        let r = rejection("Title\n\n  1. A real abstract about tides.\n\n  2.\n\n    Read and download the paper\n")
        #expect(r?.line == 5)
        #expect(r?.message.contains("abstract 2 has no text") == true)
    }

    @Test func binaryGarbage() {
        let r = rejection("  1. Looks fine\n\u{0}\u{1}\u{2}garbage\n")
        #expect(r?.line == 2)
        #expect(r?.message.contains("NUL") == true)
    }

    @Test func crlfLineNumbersCountLines() {
        let r = rejection("Related content\r\n\r\nUS, WA, Seattle\r\nGB, London\r\n")
        #expect(r?.line == 3)
    }
}

struct ListingRobustnessTests {
    /// Whatever a scraper cuts off, the parser answers with items or a rejection, never a trap.
    @Test func everyPrefixOfAPageParsesOrIsRejected() throws {
        let text = try ListingFixture.text("harbour-page.txt")
        var outcomes = (items: 0, rejections: 0)
        for end in stride(from: 0, through: text.count, by: 7) {
            do {
                _ = try ListingPage.parse(text: String(text.prefix(end)), source: "p.txt")
                outcomes.items += 1
            } catch {
                #expect(!error.message.isEmpty)
                outcomes.rejections += 1
            }
        }
        #expect(outcomes.items > 0 && outcomes.rejections > 0)
    }

    @Test func anIndentedCountryListInsideAnAbstractIsNotAJob() throws {
        let text = "Title\n\n  1. We compare three regions.\n\n    US, UK\n    A long continuation paragraph that follows the short line above it.\n"
        let entries = try ListingPage.parse(text: text, source: "p.txt").map(\.entry)
        #expect(entries.map(\.kind) == [.publication])
        #expect(entries[0].body.contains("US, UK"))
    }
}

struct ListingJobTitleTests {
    @Test(arguments: [
        ("We're hiring an Applied Scientist for the Tidal Models & Charts group in Bergen. You will own the forecasts.",
         "Applied Scientist, Tidal Models & Charts — Bergen"),
        ("Our lab is opening a small sonar team in Bergen and needs a Research Engineer who can take a model to a buoy.",
         "Research Engineer — Bergen"),
        ("We are looking for talented Applied Scientists to join the team. As a Applied Scientist II, you will run experiments.",
         "Applied Scientist — Bergen"),
        ("Come and sail with us. The work is outdoors, the hours are tidal, and the coffee is strong.",
         "Come and sail with us — Bergen"),
        // "as" and "needs" lead to a role with or without an article; "need" only with one.
        ("Alumni of the lab work as Research Engineers on buoys.", "Research Engineer — Bergen"),
        ("We need Sonar Engineers soon, and we need to hurry.", "We need Sonar Engineers soon, and we need to hurry — Bergen"),
    ])
    func namesTheRole(description: String, title: String) {
        let location = Location(country: "NO", region: "VL", city: "Bergen")
        let team = ListingTitle.team(in: description)
        #expect(ListingTitle.job(description: description, location: location, team: team) == title)
    }

    @Test func cutsAtAWordWithoutDanglingPunctuation() {
        let long = "Harbour pilots, tug crews and crane operators share one radio channel, and this paper measures how often they talk over each other during storms"
        let title = ListingTitle.shorten(long)
        #expect(title.count <= 120)
        #expect(title.hasSuffix("…"))
        #expect(long.hasPrefix(String(title.dropLast())))
        #expect(!title.dropLast().hasSuffix(" "))
        #expect(title.dropLast().last?.isLetter == true)
        #expect(ListingTitle.shorten("Short enough.") == "Short enough")
    }
}
