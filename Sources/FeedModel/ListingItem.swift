/// One abstract or job posting read from a listing page (or an id-less
/// item of a JSON array), before its final key is settled.
///
/// `entry.key` is the *base key* derived from the item's opening words
/// (see `ListingPage` in FeedParse); `ListingIdentity.resolve` in FeedDiff
/// turns it into the key the item keeps across edits, using what the store
/// remembers from the same page. It lives here because both modules need it.
public struct ListingItem: Sendable, Equatable {
    public var entry: Entry
    /// Sketch of the item's text, for recognising it after an edit.
    public var sketch: TextSketch

    public init(entry: Entry, sketch: TextSketch) {
        self.entry = entry
        self.sketch = sketch
    }

    /// The key derived from the text alone, before collisions and history.
    public var baseKey: EntryKey { entry.key }
}
