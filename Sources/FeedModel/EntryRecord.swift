/// What the diff and the state need of a parsed entry: everything but the
/// body, so a scan of 100,000 files does not hold 100,000 bodies.
public struct EntryRecord: Sendable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var title: String
    public var source: String
    public var line: Int
    public var fingerprint: Fingerprint
    public var published: Timestamp?
    public var updated: Timestamp?
    /// Listing items only: the text sketch that lets later edits keep the key.
    public var sketch: [UInt8]?
    /// What per-category feeds group it by.
    public var facets: [Facet]
    public var closes: Timestamp?
    /// Each field's digest, when the run needs them (a feed names `significant` fields).
    public var digests: FieldDigests?

    public init(_ entry: Entry, sketch: [UInt8]? = nil) {
        self.init(entry, fingerprint: entry.fingerprint, sketch: sketch)
    }

    /// The record of an entry whose body was fingerprinted where it was read
    /// (`Entry.fingerprint(bodyUTF8:)`); `entry.body` is not used.
    public init(_ entry: Entry, fingerprint: Fingerprint, sketch: [UInt8]? = nil) {
        self.key = entry.key
        self.kind = entry.kind
        self.title = entry.title
        self.source = entry.source
        self.line = entry.line
        self.fingerprint = fingerprint
        self.published = entry.published
        self.updated = entry.updated
        self.sketch = sketch
        self.facets = Facet.of(entry)
        self.closes = entry.closes
    }
}
