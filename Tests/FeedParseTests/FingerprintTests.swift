import Foundation
import Testing
import TestSupport
@testable import FeedModel
@testable import FeedParse

/// Fingerprints live in every state directory: a change to how they are
/// computed would announce every entry as `updated` after an upgrade. These
/// pin the exact bytes, and check that the byte-level paths agree with `Entry`.
@Suite struct FingerprintTests {
    static let entry = Entry(
        key: EntryKey(rawValue: "2024-quantum-notes"), kind: .publication, title: "Notes on  quantum\tsensing",
        published: Timestamp(rfc3339: "2024-05-01T10:00:00Z"), updated: nil, link: "https://example.org/q",
        authors: ["Ada Lovelace", "Émile Noether"], venue: "Journal of Examples",
        location: Location(country: "DE", region: "BE", city: "Berlin"), team: "Optics", tags: ["quantum", "sensing"],
        body: "  First paragraph\nwith a  line break.\n\n\tSecond — with ünïcödé and trailing space.   \n",
        source: "publications/q.md", line: 1)

    @Test func pinnedValue() {
        #expect(Self.entry.fingerprint.hex == "4cf0c8cecf85b08510d61f335ee7fe3597d19b373c1dc8915663da6d180bf751")
    }

    /// One author, no tags, no link, venue or location, a country alone: the short ways through each list and optional.
    static let sparse = Entry(
        key: EntryKey(rawValue: "job-7"), kind: .job, title: "Staff  engineer", published: Timestamp(rfc3339: "2024-05-01"),
        updated: Timestamp(rfc3339: "2024-06-01T00:00:00+02:00"), authors: ["A. Person"], team: "Robotics",
        body: "One paragraph.", source: "jobs/7.md", line: 1)
    static let countryOnly = Entry(
        key: EntryKey(rawValue: "job-8"), kind: .job, title: "Engineer", location: Location(country: "FR"), tags: ["remote"],
        source: "jobs/8.md", line: 1)

    @Test func storedBytesRoundTripAndOtherLengthsMatchNothing() throws {
        let digest = Self.entry.fingerprint
        #expect(digest.bytes.count == 32)
        #expect(Fingerprint(bytes: digest.bytes) == digest)
        #expect(Fingerprint(bytes: digest.bytes).hashValue == digest.hashValue)
        #expect(Fingerprint(bytes: digest.bytes.prefix(31)) != digest)
        #expect(Fingerprint(bytes: digest.bytes + [0]) != digest)
        #expect(Fingerprint(bytes: []) != Fingerprint(bytes: [UInt8](repeating: 0, count: 32)))
        let json = try JSONEncoder().encode(digest)
        #expect(String(decoding: json, as: UTF8.self) == "{\"bytes\":[" + digest.bytes.map(String.init).joined(separator: ",") + "]}")
        #expect(try JSONDecoder().decode(Fingerprint.self, from: json) == digest)
    }

    /// Arrays of anything holding a fingerprint (records, bound values) are
    /// allocated with the fingerprint's alignment: above malloc's 16 bytes,
    /// every one of them goes through `posix_memalign`.
    @Test func alignmentIsMallocs() {
        #expect(MemoryLayout<Fingerprint>.alignment <= 16)
        #expect(MemoryLayout<EntryRecord>.alignment <= 16)
    }

    @Test func pinnedValuesOfSparseEntries() {
        #expect(Self.sparse.fingerprint.hex == "6a29b5aff0ba05ed69be15d2352a26ff2228321e1452b4f773345de531d39176")
        #expect(Self.countryOnly.fingerprint.hex == "ce7747448980d0e8b72096ea1dad117462c79a1b823dcd42b2dfafc31e37fe79")
    }
}

/// The canonical bytes written piece by piece (list items and digits fed
/// one after the other) are those of the definition: each field's value as
/// one string (items joined by U+001F, `Location.description`, seconds in
/// decimal), whitespace collapsed, length-prefixed.
@Suite struct CanonicalDefinitionTests {
    static func definition(_ e: Entry) -> Fingerprint {
        func field(_ name: String, _ value: String) -> [UInt8] {
            let collapsed = CollapseTests.reference(Array(value.utf8))
            return Array(name.utf8) + [0] + Array(String(collapsed.count).utf8) + [0] + collapsed
        }
        var bytes: [UInt8] = []
        bytes += field("kind", e.kind.rawValue) + field("title", e.title)
        bytes += field("published", e.published.map { String($0.seconds) } ?? "") + field("updated", e.updated.map { String($0.seconds) } ?? "")
        bytes += field("link", e.link ?? "") + field("authors", e.authors.joined(separator: "\u{1F}")) + field("venue", e.venue ?? "")
        bytes += field("location", e.location?.description ?? "") + field("team", e.team ?? "") + field("tags", e.tags.joined(separator: "\u{1F}"))
        bytes += field("body", e.body)
        return Fingerprint(of: bytes)
    }

    @Test func randomEntriesMatchTheDefinition() {
        let seed = SplitMix.seed(default: 17)
        var rng = SplitMix(seed: seed)
        let pieces = ["", " ", "  ", "a", "b c", " lead", "trail ", "\t", "\n\n", "x\u{1F}y", "é", "—", "  two  spaces  ", "\u{0B}",
                      "\u{A0}", "\u{2028}", "\u{3000}x", "\u{85}"]
        func text() -> String { (0..<Int.random(in: 0..<4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
        func list() -> [String] { (0..<Int.random(in: 0..<4, using: &rng)).map { _ in text() } }
        for round in 0..<3000 {
            let location: Location? = Bool.random(using: &rng) ? nil
                : Location(country: text(), region: Bool.random(using: &rng) ? text() : nil, city: Bool.random(using: &rng) ? text() : nil)
            let e = Entry(key: EntryKey(rawValue: "k"), kind: Bool.random(using: &rng) ? .job : .publication, title: text(),
                          published: Bool.random(using: &rng) ? Timestamp(seconds: Int64.random(in: -3_000_000_000...5_000_000_000, using: &rng)) : nil,
                          updated: Bool.random(using: &rng) ? Timestamp(seconds: Int64.random(in: -99...99, using: &rng)) : nil,
                          link: Bool.random(using: &rng) ? text() : nil, authors: list(), venue: Bool.random(using: &rng) ? text() : nil,
                          location: location, team: Bool.random(using: &rng) ? text() : nil, tags: list(),
                          body: text() + String(repeating: "word ", count: Int.random(in: 0..<9, using: &rng)) + text(),
                          source: "s.md", line: 1)
            #expect(e.fingerprint == Self.definition(e), "seed \(seed) round \(round): \(e)")
            if e.fingerprint != Self.definition(e) { return }
        }
    }

    /// The canonical bytes are hashed from a temporary buffer, on the stack
    /// when there is room: bodies from empty to far larger than any thread's
    /// stack give the definition's fingerprint, on a worker thread too.
    @Test func bodiesOfEverySizeMatchTheDefinition() {
        for size in [0, 1, 1_000, 100_000, 12_000_000] {
            let body = String(repeating: "word  and\tmore ", count: size / 15 + 1)
            let e = Entry(key: EntryKey(rawValue: "k"), kind: .publication, title: "T", body: body, source: "s.md")
            #expect(e.fingerprint == Self.definition(e), "body of \(body.utf8.count) bytes")
            let onThread = Thread.detachedResult { e.fingerprint }
            #expect(onThread == Self.definition(e), "body of \(body.utf8.count) bytes, on a thread")
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}

private extension Thread {
    /// `body` run on a new thread (Foundation's default stack size), its result waited for.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        Thread { box.value = body(); box.done.signal() }.start()
        box.done.wait()
        return box.value!
    }
}

@Suite struct CollapseTests {
    /// The definition the byte path must match: runs of Unicode White_Space
    /// made one space, the ends dropped.
    static func reference(_ s: [UInt8]) -> [UInt8] {
        let text = String(decoding: s, as: UTF8.self)
        var out = ""
        var pending = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pending = !out.isEmpty
            } else {
                if pending { out += " "; pending = false }
                out.unicodeScalars.append(scalar)
            }
        }
        return Array(out.utf8)
    }

    static func collapsed(_ pieces: [[UInt8]]) -> [UInt8] {
        let total = pieces.reduce(0) { $0 + $1.count }
        return [UInt8](unsafeUninitializedCapacity: total + 1) { out, count in
            var pending = false
            var o = 0
            for piece in pieces {
                o = piece.withUnsafeBufferPointer { b in
                    guard let p = b.baseAddress else { return o }
                    return Whitespace.collapse(p, b.count, into: out.baseAddress!, at: o, pendingSpace: &pending)
                }
            }
            count = o
        }
    }

    /// The sixteen-at-a-time path and the byte path give the definition,
    /// whole or fed in pieces (as the canonical writer feeds list items).
    @Test func vectorPathMatchesTheDefinition() {
        let seed = SplitMix.seed(default: 23)
        var rng = SplitMix(seed: seed)
        let alphabet: [[UInt8]] = ["a", "b", "é", " ", " ", " ", "\n", "\t", "\r", "\u{0B}", "\u{0C}", "\u{08}", "\u{0E}", "\u{1F}",
                                   "\u{A0}", "\u{85}", "\u{2009}", "\u{2028}", "\u{202F}", "\u{3000}", "\u{200B}", "\u{1680}", "—"].map { Array($0.utf8) }
        for round in 0..<4000 {
            let length = round < 200 ? round : Int.random(in: 0..<300, using: &rng)
            // Mostly prose-like runs of letters with single spaces, so the vector path is taken.
            let characters: [[UInt8]] = (0..<length).map { _ in
                Int.random(in: 0..<10, using: &rng) < 7 ? [UInt8(ascii: "x")] : alphabet.randomElement(using: &rng)!
            }
            let input = characters.flatMap { $0 }
            let expected = Self.reference(input)
            let whole = Self.collapsed([input])
            // Pieces are whole texts: cut between characters.
            let cut = Int.random(in: 0...characters.count, using: &rng)
            let pieces = Self.collapsed([characters[..<cut].flatMap { $0 }, characters[cut...].flatMap { $0 }])
            #expect(whole == expected, "seed \(seed) round \(round): input \(input)")
            #expect(pieces == expected, "seed \(seed) round \(round): input \(input) cut at \(cut)")
            if whole != expected || pieces != expected { return }
        }
    }

    @Test func proseTakesTheVectorPathAndStaysExact() {
        let prose = Array(String(repeating: "Sensors read the field at dawn, and the team logs each value. ", count: 40).utf8)
        #expect(Self.collapsed([prose]) == Self.reference(prose))
    }

    @Test(arguments: [
        ("  Notes on  quantum\tsensing ", "Notes on quantum sensing"),
        ("a\u{A0}\u{A0}b", "a b"),
        ("\u{3000}lead and trail\u{2028}", "lead and trail"),
        ("zero\u{200B}width is not space", "zero\u{200B}width is not space"),
        ("", ""), (" \n\t ", ""),
    ])
    func stringsCollapse(_ text: String, _ expected: String) {
        #expect(text.collapsingWhitespace() == expected)
    }

    @Test func trimmingDropsUnicodeWhitespaceAtBothEndsOnly() {
        #expect("\u{A0} a  b \u{2029}".trimmed() == "a  b")
        #expect("\u{85}".trimmed() == "")
        #expect("x".trimmed() == "x")
        #expect(" x\u{200B}".trimmed() == "x\u{200B}")
    }
}

@Suite struct ScanPathTests {
    /// `SourceFile.scan` (the body fingerprinted in the read bytes) and `parse` (whole entries) agree on every record.
    @Test(arguments: [
        "---\ntitle: A\ndate: 2024-01-02\nkind: publication\n---\n\nBody  text\n\nmore.\n",
        "---\ntitle: A\nkind: job\nbody: from the field\n---\n",
        "---\ntitle: A\nkind: job\nbody: from the field\n---\n   \n\n",
        "---\ntitle: A\nkind: job\n---\n\u{00A0}Body starting with a no-break space\u{00A0}\n",
        "\u{FEFF}---\r\ntitle: \"Quoted: yes\"\r\nkind: publication\r\ntags: [a, b]\r\n---\r\nCRLF body\r\n",
        "---\ntitle: |\n  Block\nkind: publication\nauthors:\n  - A. One\n  - B. Two\n---\nYams path body\n",
    ])
    func scanMatchesParse(_ text: String) {
        let (scanned, parsed) = Self.both(text, path: "publications/x.md")
        #expect(scanned.records == parsed.records)
        #expect(scanned.rejections == parsed.rejections)
        #expect(!scanned.records.isEmpty)
    }

    static func both(_ text: String, path: String) -> (scanned: ScannedFile, parsed: ScannedFile) {
        let bytes = Array(text.utf8)
        return (SourceFile.scan(bytes: bytes, path: path), ScannedFile(SourceFile.parse(bytes: bytes, path: path)))
    }

    @Test(arguments: [
        "no front matter\n",
        "---\ntitle: A\n",
        "---\ntitle: A\nkind: job\ndate: yesterday\n---\nx\n",
        "---\ntitle: A\nkind: job\n---\nbad \u{01} byte\n",
    ])
    func scanRejectsLikeParse(_ text: String) {
        let (scanned, parsed) = Self.both(text, path: "jobs/x.md")
        #expect(scanned.rejections == parsed.rejections)
        #expect(scanned.records.isEmpty && scanned.isUnusable)
    }
}

@Suite struct RepeatedKeyTests {
    /// Yams reports repeated keys from a dictionary; the line must not change between runs.
    @Test func repeatedKeysAreNamedInOneOrder() {
        let text = "---\ntitle: a\nkind: job\ntitle: b\nkind: job\nteam: x\nteam: y\n---\nBody\n"
        var messages = Set<String>()
        for _ in 0..<40 {
            let file = SourceFile.parse(bytes: Array(text.utf8), path: "jobs/x.md")
            messages.formUnion(file.rejections.map(\.message))
        }
        #expect(messages == ["front matter repeats key(s) kind, team, title"])
    }

    /// Found by FuzzFrontMatter (now a seed: regression-repeated-complex-keys.md):
    /// complex keys (`? …`) came back from Yams in a different order on each parse.
    @Test func complexRepeatedKeysAreNamedInOneOrder() throws {
        let bytes = try #require(Data(base64Encoded: "LS0tCnRpdGxlOiBXaGkyMDIgICAgIC0tLTAKPwotCi0gICAgICAtLS0KPwotCi0/LWtpbGQ6IHB1YmxpY2F0aW8gICA/ICAgICAgICAgICAgIC0tLQo/Ci0KICAtLS0KPwogb24KYXV2ZWxlOiBXaGkxMDEtCiAgID8tLS0KPwotCi0gIGloZDogZXJvVW5zYT8tLS0KICAgPyAgICAgICAgICAtCj8KLQotICAgLS0tCj8KLQotPy3Npm5kOiBwdWJsaWNhdGlvbm9VbmY0OQp0aXRsZTogb24KYXV0aG9yczogW0FkdmEgXQoKLS0tCj8/LS0tCmcgZW5lPz8/"))
        var messages = Set<String>()
        for _ in 0..<40 {
            messages.formUnion(SourceFile.parse(bytes: Array(bytes), path: "x.md").rejections.map(\.message))
        }
        #expect(messages.count == 1, "\(messages)")
    }
}

/// `Location(parsing:)` splits ASCII text on comma bytes and other text on
/// Characters: both give the parts the Character split gives.
struct LocationParsingTests {
    @Test(arguments: [
        ("US, WA, Seattle", "US", "WA", "Seattle"),
        ("  DE ,  Berlin ", "DE", nil, "Berlin"),
        ("FR", "FR", nil, nil),
        ("ES, M, Madrid, Centro", "ES", "M", "Madrid, Centro"),
        (",, JP ,, Tokyo,", "JP", nil, "Tokyo"),
        ("CH, Zürich", "CH", nil, "Zürich"),
        ("ES,\u{301} Sevilla", "ES,\u{301} Sevilla", nil, nil),  // a comma with a combining accent is one Character, not a separator
        ("IN, Bengaluru\u{A0}", "IN", nil, "Bengaluru"),
    ] as [(String, String, String?, String?)])
    func parts(_ text: String, _ country: String, _ region: String?, _ city: String?) throws {
        let location = try #require(Location(parsing: text))
        #expect(location.country == country)
        #expect(location.region == region)
        #expect(location.city == city)
        #expect(location.description == [country, region, city].compactMap { $0 }.joined(separator: ", "))
    }

    @Test func onlyCommasAndBlanksIsNoLocation() {
        #expect(Location(parsing: " , ,, ") == nil)
        #expect(Location(parsing: "") == nil)
    }
}
