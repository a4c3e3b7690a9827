/// An entry as it appears in a feed: the parsed entry plus the dates the
/// pipeline settled on (listing items are dated by when feedd first saw them).
public struct FeedItem: Sendable, Equatable {
    public var entry: Entry
    public var published: Timestamp
    public var updated: Timestamp
    /// The body as sanitised HTML, when the caller rendered it already (one
    /// entry appears in several feeds and formats; it is rendered once).
    public var contentHTML: String?
    /// The body's first paragraph as plain text, uncut, when the caller
    /// made it already (`Summary.paragraph`): each feed cuts it to its own
    /// length, and the daemon keeps it with the item between runs.
    public var summary: String?
    /// Set for an opening shown after it closed: when it did.
    public var closedAt: Timestamp?

    public init(entry: Entry, published: Timestamp, updated: Timestamp, contentHTML: String? = nil, summary: String? = nil,
                closedAt: Timestamp? = nil) {
        self.entry = entry
        self.published = published
        self.updated = max(updated, published)
        self.contentHTML = contentHTML
        self.summary = summary
        self.closedAt = closedAt
    }

    /// Takes the dates feeds show from the entry's state row: published,
    /// updated, and, for an entry shown after it closed, the closing time
    /// (which is then its `updated`).
    public mutating func date(by row: StoredEntry) {
        published = row.published
        closedAt = row.removedAt
        updated = max(row.removedAt ?? row.updated, row.published)
    }

    /// Newest first, ties broken by key so the order never depends on input order.
    public static func feedOrder(_ a: FeedItem, _ b: FeedItem) -> Bool {
        if a.published != b.published { return a.published > b.published }
        return a.entry.key < b.entry.key
    }
}
