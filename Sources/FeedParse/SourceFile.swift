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

    public init(path: String) { self.path = path }
}

/// The three source formats, told apart by the file name's extension (any
/// case): `.md`/`.markdown`, `.json`, `.txt`. The scanner reads the files
/// this names, and `SourceFile` picks the parser by it.
public enum SourceFormat: Sendable, Equatable {
    case markdown, json, listing

    public init?(path: String) {
        var path = path
        guard let format = path.withUTF8({ Self.of(utf8: $0) }) else { return nil }
        self = format
    }

    /// The format named by the extension after the last `.` of the last
    /// path component; nil without one, or for any other extension.
    public static func of(utf8 b: UnsafeBufferPointer<UInt8>) -> SourceFormat? {
        var i = b.count
        while i > 0 {
            i -= 1
            if b[i] == UInt8(ascii: "/") { return nil }
            if b[i] == UInt8(ascii: ".") { break }
        }
        guard i < b.count, b[i] == UInt8(ascii: ".") else { return nil }
        let ext = UnsafeBufferPointer(rebasing: b[(i + 1)...])
        func isExt(_ e: StaticString) -> Bool {
            guard ext.count == e.utf8CodeUnitCount else { return false }
            for k in 0..<ext.count {
                var c = ext[k]
                if c >= 0x41 && c <= 0x5A { c += 0x20 }
                if c != e.utf8Start[k] { return false }
            }
            return true
        }
        if isExt("md") || isExt("markdown") { return .markdown }
        if isExt("json") { return .json }
        if isExt("txt") { return .listing }
        return nil
    }
}

/// Picks the parser by the file's `SourceFormat`.
public enum SourceFile {
    public static func parse(bytes: [UInt8], path: String) -> ParsedFile {
        var result = ParsedFile(path: path)
        do {
            let text = try SourceText.decode(bytes, source: path)
            switch SourceFormat(path: path) {
            case .markdown:
                result.entries = [try MarkdownEntry.parse(text, source: path)]
            case .json:
                let (entries, rejections) = try JSONEntries.parse(text, source: path)
                result.entries = entries
                result.rejections = rejections
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

    /// Nothing: what a file that was not parsed holds.
    public init() {}
}

extension SourceFile {
    /// `parse`, reduced to a `ScannedFile`. A Markdown file's body is
    /// checked and fingerprinted in the bytes it was read into: the scan of
    /// a large tree makes no `String` of any body.
    public static func scan(bytes: [UInt8], path: String) -> ScannedFile {
        guard SourceFormat(path: path) == .markdown else { return ScannedFile(parse(bytes: bytes, path: path)) }
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
}
