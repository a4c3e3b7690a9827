/// An entry as it appears in a feed: the parsed entry plus the dates the
/// pipeline settled on (listing items are dated by when feedd first saw them).
public struct FeedItem: Sendable, Equatable {
    public var entry: Entry
    public var published: Timestamp
    public var updated: Timestamp
    /// The body as sanitised HTML, when the caller rendered it already (one
    /// entry appears in several feeds and formats; Ink runs once per entry).
    public var contentHTML: String?

    public init(entry: Entry, published: Timestamp, updated: Timestamp, contentHTML: String? = nil) {
        self.entry = entry
        self.published = published
        self.updated = max(updated, published)
        self.contentHTML = contentHTML
    }

    /// Newest first, ties broken by key so the order never depends on input order.
    public static func feedOrder(_ a: FeedItem, _ b: FeedItem) -> Bool {
        if a.published != b.published { return a.published > b.published }
        return a.entry.key < b.entry.key
    }
}
