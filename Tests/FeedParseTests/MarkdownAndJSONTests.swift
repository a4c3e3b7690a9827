import Foundation
import Testing
import FeedModel
@testable import FeedParse

enum Fixture {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func parse(_ name: String, as path: String? = nil) throws -> ParsedFile {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        return SourceFile.parse(bytes: bytes, path: path ?? name)
    }
}

struct MarkdownTests {
    @Test func aFullEntry() throws {
        let file = try Fixture.parse("markdown/good-paper.md")
        #expect(file.rejections.isEmpty)
        let e = try #require(file.entries.first)
        #expect(e.key.rawValue == "heron-2025")
        #expect(e.kind == .publication)
        #expect(e.title == "Heron: sparse retrieval for lab notebooks")
        #expect(e.published == Timestamp.fromCivil(year: 2025, month: 6, day: 1))
        #expect(e.updated == Timestamp.fromCivil(year: 2025, month: 6, day: 3, hour: 6, minute: 30))
        #expect(e.authors == ["Ada Quill", "Zoë Müller"])
        #expect(e.tags == ["retrieval", "notebooks"])
        #expect(e.venue == "Workshop on Notebooks 2025")
        #expect(e.body.hasPrefix("Heron indexes *lab notebooks*"))
        #expect(e.body.hasSuffix("more detail."))
    }

    /// Every field name feedd reads, the aliases (`url`, `author`,
    /// `published`) and upper-case spellings included, in the simple
    /// front-matter path and through Yams (a comment sends it there).
    @Test(arguments: ["", "# through Yams\n"])
    func everyFieldNameIsRead(comment: String) throws {
        let text = "---\n\(comment)KIND: job\nID: j-1\nTitle: T\nPUBLISHED: 2024-05-01\nupdated: 2024-05-02\nurl: https://x.org/j\n"
            + "author: A. Person\nvenue: V\nteam: Ops\ntags: [a]\nlocation: \"US, WA, Seattle\"\nbody: from the field\n---\n"
        let e = try #require(SourceFile.parse(bytes: Array(text.utf8), path: "x.md").entries.first)
        #expect(e.kind == .job && e.key.rawValue == "j-1" && e.title == "T")
        #expect(e.published == Timestamp.fromCivil(year: 2024, month: 5, day: 1))
        #expect(e.updated == Timestamp.fromCivil(year: 2024, month: 5, day: 2))
        #expect(e.link == "https://x.org/j" && e.authors == ["A. Person"] && e.venue == "V" && e.team == "Ops" && e.tags == ["a"])
        #expect(e.location == Location(country: "US", region: "WA", city: "Seattle"))
        #expect(e.body == "from the field")
        let other = "---\n\(comment)kind: publication\ntitle: T\ndate: 2024-05-03\nlink: https://x.org/p\nauthors: [A, B]\n---\nBody.\n"
        let p = try #require(SourceFile.parse(bytes: Array(other.utf8), path: "y.md").entries.first)
        #expect(p.published == Timestamp.fromCivil(year: 2024, month: 5, day: 3) && p.link == "https://x.org/p" && p.authors == ["A", "B"])
    }

    @Test func byteOrderMarkAndCRLFAreAccepted() throws {
        let file = try Fixture.parse("markdown/crlf-bom.md", as: "jobs/crlf-bom.md")
        let e = try #require(file.entries.first)
        #expect(file.rejections.isEmpty)
        #expect(e.key.rawValue == "jobs/crlf-bom")
        #expect(e.location == Location(country: "GB", region: "SCT", city: "Edinburgh"))
        #expect(e.body == "We need a technician.")
    }

    @Test func kindFromTheDirectory() throws {
        #expect(try Fixture.parse("markdown/no-kind.md", as: "jobs/x.md").entries.first?.kind == .job)
        #expect(try Fixture.parse("markdown/no-kind.md", as: "a/publications/b/x.md").entries.first?.kind == .publication)
        let orphan = try Fixture.parse("markdown/no-kind.md", as: "misc/x.md")
        #expect(orphan.entries.isEmpty)
        #expect(orphan.rejections.first?.message.contains("kind: publication") == true)
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var says: String
        var testDescription: String { file }
    }

    @Test(arguments: [
        Broken(file: "markdown/bad-utf8.md", line: 3, says: "invalid UTF-8"),
        Broken(file: "markdown/unterminated.md", line: 1, says: "unterminated front matter"),
        Broken(file: "markdown/bad-date.md", line: 4, says: "is not a date"),
        Broken(file: "markdown/control-char.md", line: 3, says: "U+0007"),
    ])
    func brokenFilesAreRejectedNamingTheLine(_ b: Broken) throws {
        let file = try Fixture.parse(b.file)
        #expect(file.entries.isEmpty)
        #expect(file.isUnusable)
        let r = try #require(file.rejections.first)
        #expect(file.rejections.count == 1)
        #expect(r.source == b.file)
        #expect(r.line == b.line)
        #expect(r.message.contains(b.says), "\(r.message)")
    }

    @Test(arguments: ["2024-05-01", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "2024-05-01 10:00:00.123Z"])
    func datesThatAreDates(_ s: String) {
        #expect(Timestamp(rfc3339: s) != nil)
    }

    @Test(arguments: ["2024-02-30", "2024-05-01T10:00:00", "yesterday", "2024-5-1", "2024-05-01T25:00:00Z", ""])
    func datesThatAreNot(_ s: String) {
        #expect(Timestamp(rfc3339: s) == nil)
    }

    /// Characters XML forbids, written as YAML escapes, are refused by name; their neighbours
    /// (U+FFFD, U+EFBF, a tab, an escaped line feed) are not.
    @Test(arguments: [
        ("\\uFFFE", "noncharacter U+FFFE"), ("\\uFFFF", "noncharacter U+FFFF"), ("a\\e", "control character U+001B"),
        ("\\x01b", "control character U+0001"), ("x\\u0000", "a NUL character"),
        ("\\uFFFD", nil), ("\\uEFBF\\u00BE", nil), ("a\\tb", nil), ("a\\nb", nil), ("Zo\\u00EB", nil),
    ] as [(String, String?)])
    func escapedCharactersXMLForbidsAreRefused(escape: String, refusal: String?) throws {
        let text = "---\nkind: job\nid: j\ntitle: \"T \(escape)\"\n---\nbody\n"
        let file = SourceFile.parse(bytes: Array(text.utf8), path: "x.md")
        if let refusal {
            #expect(file.entries.isEmpty)
            let message = try #require(file.rejections.first).message
            #expect(message.contains("title holds \(refusal)"), "\(message)")
        } else {
            #expect(file.rejections.isEmpty, "\(file.rejections)")
            #expect(file.entries.count == 1)
        }
    }
}

struct JSONTests {
    @Test func anArrayPublishesItsGoodObjectsAndRejectsTheBadOne() throws {
        let file = try Fixture.parse("json/array.json", as: "more/array.json")
        #expect(file.entries.map(\.key.rawValue) == ["moss-2025", "4711"])
        #expect(file.entries[1].location == Location(country: "DE", region: "BE", city: "Berlin"))
        #expect(file.entries[0].body == "Moss keeps logs small.\n\nMore.")
        #expect(file.rejections.count == 1)
        #expect(file.rejections.first?.line == 18)
        #expect(!file.isUnusable)
    }

    @Test func aSingleObjectUsesThePathAsKey() throws {
        let file = try Fixture.parse("json/single.json", as: "more/single.json")
        #expect(file.entries.first?.key.rawValue == "more/single")
    }

    @Test func brokenJSONIsRejectedWithALine() throws {
        let file = try Fixture.parse("json/broken.json")
        #expect(file.isUnusable)
        #expect(file.rejections.first?.line != nil)
        #expect(file.rejections.first?.message.contains("not valid JSON") == true)
    }
}

struct KeyTests {
    @Test(arguments: [("cosmo-2024", "cosmo-2024"), ("jobs/My Job (2)", "jobs/My-Job-(2)"), ("a  b\tc", "a-b-c"), ("Zoë", "Zo%C3%AB"), ("x&y<z>", "x-y-z")])
    func keysAreURISafe(_ raw: String, _ expected: String) {
        #expect(EntryKey(sanitizing: raw).rawValue == expected)
    }
}

/// One definition of which files are sources, and in which format: the
/// scanner reads what it names and `SourceFile` parses by it.
struct SourceFormatTests {
    @Test(arguments: [
        ("a.md", SourceFormat.markdown), ("dir/b.MARKDOWN", .markdown), ("c.Md", .markdown),
        ("jobs/d.json", .json), ("e.JSON", .json), ("page.txt", .listing), ("x/y.z/page.TxT", .listing),
    ] as [(String, SourceFormat)])
    func named(_ path: String, _ format: SourceFormat) {
        #expect(SourceFormat(path: path) == format)
    }

    @Test(arguments: ["README", "md", "a.mdx", "a.md.bak", "a.", "dir.md/file", "notes.yaml", "a.jsón", ""])
    func notASource(_ path: String) {
        #expect(SourceFormat(path: path) == nil)
        let parsed = SourceFile.parse(bytes: Array("x".utf8), path: path.isEmpty ? "x" : path)
        #expect(parsed.entries.isEmpty && parsed.listingItems.isEmpty && !parsed.rejections.isEmpty)
    }
}
