import Foundation
import Testing
import FeedModel
import FeedParse

/// The real page dump shared beside the repository (never copied into it),
/// or under `FEEDD_SHARED` (`make check SHARED=DIR` sets it).
enum SharedCorpus {
    static let path = ProcessInfo.processInfo.environment["FEEDD_SHARED"].flatMap { $0.isEmpty ? nil : $0 + "/corpus/science-page-2024.txt" }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/science-page-2024.txt").path

    static var text: String? { try? String(contentsOfFile: path, encoding: .utf8) }
}

@Suite(.enabled(if: SharedCorpus.text != nil, "needs ../shared/corpus/science-page-2024.txt"))
struct ListingCorpusTests {
    let items: [ListingItem]

    init() throws {
        items = try ListingPage.parse(text: SharedCorpus.text ?? "", source: "listing/science-page-2024.txt")
    }

    var publications: [Entry] { items.map(\.entry).filter { $0.kind == .publication } }
    var jobs: [Entry] { items.map(\.entry).filter { $0.kind == .job } }

    @Test func findsTenPublicationsAndNineDistinctJobs() {
        #expect(publications.count == 10)
        // Ten postings, two of them byte-identical: one entry.
        #expect(jobs.count == 9)
        // Two different Prime Video postings open with the same 20 words in the same city:
        // their base keys collide, and only ListingIdentity tells them apart.
        #expect(Set(items.map(\.entry.key)).count == items.count - 1)
    }

    @Test func titlesAreShortReadableAndDistinct() {
        for item in items {
            print("[\(item.entry.kind.rawValue)] \(item.entry.title)  (\(item.entry.title.count)) \(item.entry.key)")
        }
        for entry in items.map(\.entry) {
            #expect(!entry.title.isEmpty)
            #expect(entry.title.count <= ListingTitle.limit, "\(entry.title)")
        }
        #expect(Set(items.map(\.entry.title)).count == items.count)
    }

    @Test func bodiesLeaveOutLinkLinesAndJobsHavePlaces() {
        for entry in publications {
            #expect(!entry.body.contains("download the paper"))
            #expect(entry.location == nil)
            #expect(entry.published == nil)
        }
        #expect(publications.map(\.line) == [5, 11, 15, 19, 25, 31, 35, 39, 43, 47])
        // The first abstract keeps its second paragraph (the one naming COSMO).
        #expect(publications[0].body.components(separatedBy: "\n\n").count == 2)
        #expect(jobs.map { $0.location?.city ?? "?" } ==
                ["Hyderabad", "Edinburgh", "Seattle", "Seattle", "Seattle", "Seattle", "Boston", "Gurugram", "Gurugram"])
        #expect(jobs[1].location == Location(country: "GB", region: "MLN", city: "Edinburgh"))
        #expect(jobs.allSatisfy { !$0.body.isEmpty && $0.published == nil })
    }

    /// Read these as a person would: each names the system or role where the text does.
    @Test func titlesNameSystemsAndRoles() {
        let titles = items.map(\.entry.title)
        #expect(titles[0].hasPrefix("COSMO: a scalable system"))
        #expect(titles[1].hasPrefix("Amazon MemoryDB for Redis: "))
        #expect(titles[2].hasPrefix("BASE TTS"))
        #expect(titles[3].hasPrefix("Amazon Aurora Serverless: "))
        #expect(titles[4].hasPrefix("Panda: "))
        #expect(titles[5].hasPrefix("Amazon Nova: "))
        #expect(titles[11] == "Machine Learning Scientist, Personalization — Edinburgh")
        #expect(titles[16] == "Applied Scientist, Artificial General Intelligence (AGI) — Boston")
        #expect(titles[17] == "Senior Applied Scientist — Gurugram")
        #expect(titles[18] == "Applied Scientist, Amazon Shipping — Gurugram")
        for title in titles where title.contains("…") {
            let beforeEllipsis = title.components(separatedBy: "…")[0]
            #expect(beforeEllipsis.last.map { $0.isLetter || $0.isNumber || "\")”".contains($0) } == true, "\(title)")
        }
    }
}
