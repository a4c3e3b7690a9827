import FeedModel

/// What one source file yielded.
public struct ParsedFile: Sendable {
    public var path: String
    /// Markdown and JSON entries, keys final.
    public var entries: [Entry] = []
    /// Listing-page items, keys still to be resolved against the state
    /// (`ListingIdentity.resolve`).
    public var listingItems: [ListingItem] = []
    public var rejections: [Rejection] = []
    /// True when nothing in the file could be used: the state keeps what it
    /// last published from it.
    public var isUnusable: Bool { entries.isEmpty && listingItems.isEmpty && !rejections.isEmpty }

    public var isListing: Bool { path.lowercased().hasSuffix(".txt") }

    public init(path: String) { self.path = path }
}

/// Picks the parser by file extension: `.md`/`.markdown`, `.json`, `.txt`.
public enum SourceFile {
    public static func parse(bytes: [UInt8], path: String) -> ParsedFile {
        var result = ParsedFile(path: path)
        do {
            let text = try SourceText.decode(bytes, source: path)
            switch path.split(separator: ".").last?.lowercased() {
            case "md", "markdown":
                result.entries = [try MarkdownEntry.parse(text, source: path)]
            case "json":
                let (entries, rejections) = try JSONEntries.parse(text, source: path)
                result.entries = entries
                result.rejections = rejections
            case "txt":
                result.listingItems = try ListingPage.parse(text: text, source: path)
            default:
                result.rejections = [Rejection(source: path, message: "not a source format feedd reads (.md, .json, .txt)")]
            }
        } catch {
            result.rejections.append(error)
        }
        return result
    }
}

/// A parsed file reduced to what the diff needs: Markdown and JSON bodies
/// are fingerprinted and dropped; listing items stay whole for identity
/// resolution (pages are few and small).
public struct ScannedFile: Sendable {
    public var records: [EntryRecord] = []
    public var listingItems: [ListingItem] = []
    public var rejections: [Rejection] = []
    public var isUnusable: Bool { records.isEmpty && listingItems.isEmpty && !rejections.isEmpty }

    public init(_ file: ParsedFile) {
        records = file.entries.map { EntryRecord($0) }
        listingItems = file.listingItems
        rejections = file.rejections
    }

    init() {}
}

extension SourceFile {
    /// `parse`, reduced to a `ScannedFile`. A Markdown file's body is
    /// checked and fingerprinted in the bytes it was read into: the scan of
    /// a large tree makes no `String` of any body.
    public static func scan(bytes: [UInt8], path: String) -> ScannedFile {
        guard isMarkdown(path) else { return ScannedFile(parse(bytes: bytes, path: path)) }
        var result = ScannedFile()
        do {
            let text = try SourceText.validated(bytes, source: path)
            let record = text.withUnsafeBufferPointer { utf8 -> Result<EntryRecord, Rejection> in
                do throws(Rejection) { return .success(try MarkdownEntry.record(utf8, source: path)) } catch { return .failure(error) }
            }
            result.records = [try record.get()]
        } catch {
            result.rejections = [error]
        }
        return result
    }

    static func isMarkdown(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { b in
            func ends(_ suffix: StaticString) -> Bool {
                let n = suffix.utf8CodeUnitCount
                guard b.count > n else { return false }
                for i in 0..<n {
                    var c = b[b.count - n + i]
                    if c >= 0x41 && c <= 0x5A { c += 0x20 }
                    if c != suffix.utf8Start[i] { return false }
                }
                return true
            }
            return ends(".md") || ends(".markdown")
        }
    }
}
