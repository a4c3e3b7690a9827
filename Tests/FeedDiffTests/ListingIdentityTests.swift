import Foundation
import Testing
import FeedModel
import FeedParse
@testable import FeedDiff

/// The real page dump shared beside the repository (never copied into it),
/// or under `FEEDD_SHARED` (as in FeedParseTests' `SharedCorpus`).
private enum SharedCorpus {
    static let path = ProcessInfo.processInfo.environment["FEEDD_SHARED"].flatMap { $0.isEmpty ? nil : $0 + "/corpus/science-page-2024.txt" }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/science-page-2024.txt").path

    static var text: String? { try? String(contentsOfFile: path, encoding: .utf8) }
}

/// A listing page taken apart into its blocks, so tests can re-number,
/// re-order, add and remove items and print it back.
private struct PageParts {
    var header: [String]
    /// Each abstract's lines, the numbered line first (its number is rewritten on output).
    var abstracts: [[String]]
    var jobs: [(location: String, description: String)]

    init(_ text: String) {
        let lines = text.components(separatedBy: "\n")
        let related = lines.firstIndex(of: "Related content") ?? lines.count
        let isNumbered = { (line: String) in line.range(of: #"^\s*\d+\.\s"#, options: .regularExpression) != nil }
        let first = lines.firstIndex(where: isNumbered) ?? related
        header = Array(lines[..<first])
        abstracts = []
        for line in lines[first..<related] {
            if isNumbered(line) { abstracts.append([line]) } else { abstracts[abstracts.count - 1].append(line) }
        }
        let rest = lines.dropFirst(related + 1).filter { !$0.isEmpty }
        jobs = stride(from: 0, to: rest.count - 1, by: 2).map { (rest[rest.startIndex + $0], rest[rest.startIndex + $0 + 1]) }
    }

    var text: String {
        var out = header
        for (n, block) in abstracts.enumerated() {
            let body = block[0].replacingOccurrences(of: #"^\s*\d+\."#, with: "  \(n + 1).", options: .regularExpression)
            out.append(body)
            out.append(contentsOf: block.dropFirst())
        }
        out.append("Related content")
        out.append("")
        for job in jobs { out.append(job.location); out.append(job.description) }
        return out.joined(separator: "\n")
    }

    static func abstract(_ paragraphs: String...) -> [String] {
        var lines = ["  0. " + paragraphs[0], ""]
        for p in paragraphs.dropFirst() { lines.append("    " + p); lines.append("") }
        lines.append("    Read and download the paper")
        lines.append("")
        return lines
    }
}

private let source = "listing/science-page-2024.txt"

/// Parses and resolves a page the way the pipeline does on each scan, and
/// returns the entries plus what the store would remember for the next scan.
private func scan(_ text: String, previous: [KnownListingEntry]) throws -> (entries: [Entry], known: [KnownListingEntry]) {
    let items = try ListingPage.parse(text: text, source: source)
    let entries = ListingIdentity.resolve(items: items, previous: previous)
    let known = zip(entries, items).map { entry, item in
        KnownListingEntry(key: entry.key, kind: entry.kind, fingerprint: entry.fingerprint, sketch: item.sketch)
    }
    return (entries, known)
}

/// What changed between two scans, as the diff would announce it.
private struct Changes {
    var new: [Entry] = []
    var updated: [Entry] = []
    var unchanged: [Entry] = []
    var vanished: [KnownListingEntry] = []

    init(old: [KnownListingEntry], new entries: [Entry]) {
        let before = Dictionary(uniqueKeysWithValues: old.map { ($0.key, $0) })
        for entry in entries {
            guard let known = before[entry.key] else { new.append(entry); continue }
            if known.fingerprint == entry.fingerprint { unchanged.append(entry) } else { updated.append(entry) }
        }
        let now = Set(entries.map(\.key))
        vanished = old.filter { !now.contains($0.key) }
    }
}

private let inventedPaperA = PageParts.abstract(
    "Orchard scheduling on shared clusters wastes hours when jobs wait behind stragglers. We present Quince, a placement service that predicts straggler risk from earlier runs and reserves slack only where it pays.",
    "Across six months of traces Quince cut median queueing delay by a third without adding machines.")
private let inventedPaperB = PageParts.abstract(
    "Tide tables for small harbours are still computed by hand in many places. This paper describes a lightweight harmonic model fitted from a fortnight of gauge readings, and compares it with the published tables of forty ports.")
private let inventedJob = (location: "GB, Cambridge",
    description: "Our harbour-forecasting group is looking for an Applied Scientist to build tidal models from sparse gauge data. You will own experiments end to end, from cleaning sensor feeds to shipping forecasts that pilots read every morning. Experience with time series and a love of the sea are both welcome.")

@Suite(.enabled(if: SharedCorpus.text != nil, "needs ../shared/corpus/science-page-2024.txt"))
struct ListingEditScenarioTests {
    let corpus = SharedCorpus.text ?? ""

    @Test func firstScanGivesEveryItemItsOwnKey() throws {
        let (entries, _) = try scan(corpus, previous: [])
        #expect(entries.count == 19)
        #expect(Set(entries.map(\.key)).count == 19)
        for entry in entries {
            #expect(entry.key.rawValue.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-/~".contains($0) },
                    "\(entry.key)")
        }
        // The two different Prime Video postings share a base key; the second gets `~2`.
        #expect(entries.filter { $0.key.rawValue.hasSuffix("~2") }.count == 1)
    }

    /// The product's yardstick: a curator's ordinary edit to the page.
    @Test func renumberAddTypoFixRemoveAndAdd() throws {
        let old = try scan(corpus, previous: [])

        var page = PageParts(corpus)
        #expect(page.abstracts.count == 10 && page.jobs.count == 10)
        let typoPaper = 9 // the tenth abstract: a word near its end changes
        let fixed = page.abstracts[typoPaper][0].replacingOccurrences(of: "methodologies utilized.", with: "methodologies used.")
        #expect(fixed != page.abstracts[typoPaper][0])
        page.abstracts[typoPaper][0] = fixed
        page.abstracts.insert(inventedPaperA, at: 0)   // every old abstract is re-numbered
        page.abstracts.insert(inventedPaperB, at: 3)
        let removed = page.jobs.remove(at: 6)          // the Fire TV posting
        #expect(removed.description.hasPrefix("Do you want"))
        page.jobs.append(inventedJob)

        let new = try scan(page.text, previous: old.known)
        let changes = Changes(old: old.known, new: new.entries)

        #expect(changes.new.filter { $0.kind == .publication }.count == 2)
        #expect(changes.new.filter { $0.kind == .job }.count == 1)
        #expect(changes.updated.count == 1)
        #expect(changes.updated.first?.kind == .publication)
        #expect(changes.updated.first?.body.hasSuffix("methodologies used.") == true)
        #expect(changes.vanished.count == 1)
        #expect(changes.vanished.first?.kind == .job)
        #expect(changes.unchanged.count == 19 - 1 - 1)
        #expect(Set(new.entries.map(\.key)).count == new.entries.count)
        // The updated paper kept the key it had before the page was re-numbered.
        let before = old.entries.first { $0.body.hasSuffix("methodologies utilized.") }
        #expect(before?.key == changes.updated.first?.key)
    }

    @Test func reorderedPageKeepsEveryKey() throws {
        let old = try scan(corpus, previous: [])
        var page = PageParts(corpus)
        page.abstracts.reverse()
        page.jobs.reverse()
        let new = try scan(page.text, previous: old.known)
        let changes = Changes(old: old.known, new: new.entries)
        #expect(changes.new.isEmpty && changes.updated.isEmpty && changes.vanished.isEmpty)
        #expect(Set(new.entries.map(\.key)) == Set(old.entries.map(\.key)))
    }

    /// The page repeats a boilerplate opening in three Prime Video postings
    /// (two of them identical): the two distinct ones share a base key.
    private func primeVideoKeys(_ entries: [Entry]) -> [EntryKey: Entry] {
        Dictionary(uniqueKeysWithValues: entries.filter { $0.body.hasPrefix("Prime Video is a first-stop") }.map { ($0.key, $0) })
    }

    @Test(arguments: [
        // a word near the end of the first (time-series) posting
        ("this is the place to be.", "this is the place for you."),
        // a word near the end of the second (content-understanding) posting, in both copies
        ("and content moderation.", "and content safety."),
        // a word inside the shared opening, in all three
        ("premium programming in one app", "premium shows in one app"),
    ])
    func primeVideoPostingsKeepTheirKeysWhenOneIsEdited(edit: (String, String)) throws {
        let old = try scan(corpus, previous: [])
        let oldPV = primeVideoKeys(old.entries)
        #expect(oldPV.count == 2)

        let edited = corpus.replacingOccurrences(of: edit.0, with: edit.1)
        #expect(edited != corpus)
        let new = try scan(edited, previous: old.known)
        let newPV = primeVideoKeys(new.entries)
        #expect(Set(newPV.keys) == Set(oldPV.keys))
        for (key, entry) in newPV {
            // Same key ⇒ the same posting, not its boilerplate twin.
            #expect(entry.body.contains("READI") == oldPV[key]?.body.contains("READI"))
        }
        // And after the page is also re-ordered.
        var page = PageParts(edited)
        page.jobs.reverse()
        let reordered = try scan(page.text, previous: new.known)
        #expect(Set(primeVideoKeys(reordered.entries).keys) == Set(oldPV.keys))
        #expect(Changes(old: new.known, new: reordered.entries).unchanged.count == 19)
    }

    @Test func aNewPostingWithTheSameBoilerplateIsNotTheOneThatLeft() throws {
        let old = try scan(corpus, previous: [])
        var page = PageParts(corpus)
        let leaving = page.jobs.remove(at: 3) // the time-series posting
        #expect(leaving.description.contains("time series"))
        let opening = String(leaving.description.prefix(while: { $0 != "?" })) + "? "
        page.jobs.append((leaving.location, opening + "As a Data Engineer in the Catalogue Quality team you will build the pipelines that keep titles, artwork and synopses correct in every country. You will work with editors and scientists to find bad metadata before customers do, and you will measure how much faster fixes reach the storefront."))
        let new = try scan(page.text, previous: old.known)
        let changes = Changes(old: old.known, new: new.entries)
        #expect(changes.updated.isEmpty)
        #expect(changes.new.count == 1)
        #expect(changes.new.first?.title == "Data Engineer, Catalogue Quality — Seattle")
        #expect(changes.vanished.count == 1)
        #expect(changes.vanished.first.map { k in !new.entries.contains { $0.key == k.key } } == true)
    }
}

/// Rules of `resolve`, on small made-up items.
struct ListingIdentityRuleTests {
    private func item(_ body: String, kind: EntryKind = .publication, line: Int = 1) -> ListingItem {
        let key = ListingPage.baseKey(kind: kind, source: "p.txt", location: nil, text: body)
        return ListingItem(entry: Entry(key: key, kind: kind, title: String(body.prefix(20)), body: body, source: "p.txt", line: line),
                           sketch: TextSketch(text: body))
    }

    private func known(_ entries: [Entry], _ items: [ListingItem]) -> [KnownListingEntry] {
        zip(entries, items).map { KnownListingEntry(key: $0.key, kind: $0.kind, fingerprint: $0.fingerprint, sketch: $1.sketch) }
    }

    private let longText = (1...60).map { "word\($0)" }.joined(separator: " ")

    @Test func collidingBaseKeysGetNumberedSuffixesInPageOrder() {
        let a = item(longText + " alpha ending"), b = item(longText + " beta ending")
        #expect(a.baseKey == b.baseKey)
        let keys = ListingIdentity.resolve(items: [a, b], previous: []).map(\.key.rawValue)
        #expect(keys == [a.baseKey.rawValue, a.baseKey.rawValue + "~2"])
    }

    @Test func anEditInTheOpeningIsFoundBySimilarity() {
        let old = [item(longText)]
        let oldEntries = ListingIdentity.resolve(items: old, previous: [])
        let edited = item("changed " + longText.dropFirst(6))
        #expect(edited.baseKey != old[0].baseKey)
        let entries = ListingIdentity.resolve(items: [edited], previous: known(oldEntries, old))
        #expect(entries[0].key == oldEntries[0].key)
    }

    @Test func dissimilarTextWithADifferentOpeningIsNew() {
        let old = [item(longText)]
        let oldEntries = ListingIdentity.resolve(items: old, previous: [])
        let other = item((1...60).map { "other\($0)" }.joined(separator: " "))
        let entries = ListingIdentity.resolve(items: [other], previous: known(oldEntries, old))
        #expect(entries[0].key == other.baseKey)
    }

    @Test func kindsNeverMatchEachOther() {
        let old = [item(longText, kind: .publication)]
        let oldEntries = ListingIdentity.resolve(items: old, previous: [])
        let job = item(longText, kind: .job)
        let entries = ListingIdentity.resolve(items: [job], previous: known(oldEntries, old))
        #expect(entries[0].key != oldEntries[0].key)
    }

    @Test func resultDoesNotDependOnTheOrderOfPrevious() {
        let items = (0..<5).map { item(longText + " tail\($0)") }
        let first = ListingIdentity.resolve(items: items, previous: [])
        let remembered = known(first, items)
        let edited = items.map { item($0.entry.body + " edited") }
        let a = ListingIdentity.resolve(items: edited, previous: remembered)
        let b = ListingIdentity.resolve(items: edited, previous: remembered.reversed())
        #expect(a == b)
    }

    @Test func derivedKeysAreRecognised() {
        let base = EntryKey(rawValue: "p/publication-abc")
        #expect(ListingIdentity.isKey(base, derivedFrom: base))
        #expect(ListingIdentity.isKey(EntryKey(rawValue: "p/publication-abc~12"), derivedFrom: base))
        #expect(!ListingIdentity.isKey(EntryKey(rawValue: "p/publication-abc~x"), derivedFrom: base))
        #expect(!ListingIdentity.isKey(EntryKey(rawValue: "p/publication-abcd"), derivedFrom: base))
    }
}
