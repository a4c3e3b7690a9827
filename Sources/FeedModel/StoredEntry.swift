/// One entry's row in the state: what feedd remembers of it between runs.
public struct StoredEntry: Sendable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var source: String
    public var title: String
    public var fingerprint: Fingerprint
    /// The dates feeds show (for listing items: first seen, last changed).
    public var published: Timestamp
    public var updated: Timestamp
    public var firstSeen: Timestamp
    public var lastChanged: Timestamp
    public var removedAt: Timestamp?
    /// Listing items only: the text sketch that lets edits keep their key.
    public var sketch: [UInt8]?
    /// Every facet the entry has (`country:US`, `tag:llm`, …): which
    /// per-category feeds hold it.
    public var facets: [Facet]
    /// When the entry closes (it is removed at that moment).
    public var closes: Timestamp?
    /// Each field's digest, when they were taken (see `FieldDigests`).
    public var digests: FieldDigests?
    /// False for an entry whose closing date had passed when feedd first
    /// saw it: stored so it is recognised, but never published.
    public var shown: Bool

    public init(key: EntryKey, kind: EntryKind, source: String, title: String, fingerprint: Fingerprint,
                published: Timestamp, updated: Timestamp, firstSeen: Timestamp, lastChanged: Timestamp,
                removedAt: Timestamp? = nil, sketch: [UInt8]? = nil, facets: [Facet] = [],
                closes: Timestamp? = nil, digests: FieldDigests? = nil, shown: Bool = true) {
        self.key = key
        self.kind = kind
        self.source = source
        self.title = title
        self.fingerprint = fingerprint
        self.published = published
        self.updated = updated
        self.firstSeen = firstSeen
        self.lastChanged = lastChanged
        self.removedAt = removedAt
        self.sketch = sketch
        self.facets = facets
        self.closes = closes
        self.digests = digests
        self.shown = shown
    }

    public var isRemoved: Bool { removedAt != nil }
}

/// A source file in the state, with the problems its last parse reported.
public struct FileRecord: Sendable, Equatable {
    public var path: String
    public var stamp: FileStamp
    public var problems: [Rejection]

    public init(path: String, stamp: FileStamp, problems: [Rejection] = []) {
        self.path = path
        self.stamp = stamp
        self.problems = problems
    }
}

/// What feedd last saw of a source file: enough to tell "unchanged" without
/// reading it, and to tell two names of one file (hard links) apart from two files.
public struct FileStamp: Sendable, Equatable, Hashable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ctimeNanoseconds: Int64
    public var device: UInt64
    public var inode: UInt64
    /// How many names the file has (`st_nlink`): more than one is a hard link.
    public var links: Int

    public init(size: Int64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, device: UInt64 = 0, inode: UInt64, links: Int = 1) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.device = device
        self.inode = inode
        self.links = links
    }

    /// The file itself, whatever its name: two paths with one identity are one file.
    public var identity: FileIdentity { FileIdentity(device: device, inode: inode) }
}

/// A file on a file system: `st_dev` and `st_ino`.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
