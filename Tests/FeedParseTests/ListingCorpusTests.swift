import Foundation
import Testing
import FeedModel
import FeedParse

/// The real page dump shared beside the repository (never copied into it).
enum SharedCorpus {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
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
}
