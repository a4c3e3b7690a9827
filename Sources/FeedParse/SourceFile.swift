import FeedModel

/// What one source file yielded.
public struct ParsedFile: Sendable {
    public var path: String
    /// Markdown and JSON entries, keys final.
    public var entries: [Entry] = []
    /// Items keyed by their content (a listing page's, a JSON array's
    /// items without ids), keys still to be resolved against the state
    /// (`ListingIdentity.resolve`).
    public var listingItems: [ListingItem] = []
    public var rejections: [Rejection] = []
    /// Keys an entry does not read (`unknown key `titel`; did you mean `title`?`): the entry is still published.
    public var warnings: [Rejection] = []
    /// True when nothing in the file could be used: the state keeps what it
    /// last published from it.
    public var isUnusable: Bool { entries.isEmpty && listingItems.isEmpty && !rejections.isEmpty }

    public init(path: String) { self.path = path }
}

/// Picks the parser by the file's `SourceFormat`.
public enum SourceFile {
    public static func parse(bytes: [UInt8], path: String) -> ParsedFile {
        var result = ParsedFile(path: path)
        do {
            let text = try SourceText.decode(bytes, source: path)
            switch SourceFormat(path: path) {
            case .markdown:
                let (entry, warnings) = try MarkdownEntry.parse(text, source: path)
                result.entries = [entry]
                result.warnings = warnings
            case .json:
                let parsed = try JSONEntries.parse(text, source: path)
                result.entries = parsed.entries
                result.listingItems = parsed.items
                result.rejections = parsed.rejections
                result.warnings = parsed.warnings
            case .listing:
                result.listingItems = try ListingPage.parse(text: text, source: path)
            case nil:
                result.rejections = [Rejection(source: path, message: "not a source format feedd reads (.md, .json, .txt)")]
            }
        } catch {
            result.rejections.append(error)
        }
        return result
    }
}

/// A parsed file reduced to what the diff needs: Markdown and JSON entries
/// fingerprinted and their bodies dropped (a scan of 100,000 files does not
/// hold 100,000 bodies); listing items stay whole for identity resolution
/// (pages are few and small).
public struct ScannedFile: Sendable {
    public var records: [EntryRecord] = []
    public var listingItems: [ListingItem] = []
    public var rejections: [Rejection] = []
    public var warnings: [Rejection] = []
    /// True when nothing in the file could be used: the state keeps what it
    /// last published from it.
    public var isUnusable: Bool { records.isEmpty && listingItems.isEmpty && !rejections.isEmpty }

    /// - Parameter digests: also take each entry's field digests (`FieldDigests`).
    public init(_ file: ParsedFile, digests: Bool = false) {
        records = file.entries.map { entry in
            var record = EntryRecord(entry)
            if digests { record.digests = FieldDigests(entry) }
            return record
        }
        listingItems = file.listingItems
        rejections = file.rejections
        warnings = file.warnings
    }

    /// Nothing: what a file that was not parsed holds.
    public init() {}
}

extension SourceFile {
    /// `parse`, reduced to a `ScannedFile`. A Markdown file is checked and
    /// fingerprinted in the bytes it was read into: the scan of a large tree
    /// makes no `String` of any file or body.
    /// - Parameter digests: also take each entry's field digests, for feeds
    ///   that tell news from quiet revisions (`FeedSpec.significant`).
    public static func scan(bytes: [UInt8], path: String, digests: Bool = false) -> ScannedFile {
        guard SourceFormat(path: path) == .markdown else { return ScannedFile(parse(bytes: bytes, path: path), digests: digests) }
        var result = ScannedFile()
        do throws(Rejection) {
            let text = try SourceText.validated(bytes, source: path)
            let record = text.withUnsafeBufferPointer { utf8 -> Result<(record: EntryRecord, warnings: [Rejection]), Rejection> in
                do throws(Rejection) { return .success(try MarkdownEntry.record(utf8, source: path, digests: digests)) } catch { return .failure(error) }
            }
            let (entry, warnings) = try record.get()
            result.records = [entry]
            result.warnings = warnings
        } catch {
            result.rejections = [error]
        }
        return result
    }
}
