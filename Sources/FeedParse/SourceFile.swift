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
