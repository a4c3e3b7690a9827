/// The site every feed belongs to: names, ids and links come from here.
public struct Site: Sendable, Equatable {
    public var title: String
    /// Absolute base URL the feeds are served from, ending in `/`.
    public var baseURL: String
    /// RFC 4151 tagging entity: `example.org,2026`.
    public var tagAuthority: String
    public var author: String
    public var authorURI: String?
    public var language: String

    public init(title: String, baseURL: String, tagAuthority: String, author: String,
                authorURI: String? = nil, language: String = "en") {
        self.title = title
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.tagAuthority = tagAuthority
        self.author = author
        self.authorURI = authorURI
        self.language = language
    }

    /// The Atom id of an entry: `tag:AUTHORITY:KIND/KEY`.
    public func entryID(kind: EntryKind, key: EntryKey) -> String {
        "tag:\(tagAuthority):\(kind.rawValue)/\(key.rawValue)"
    }

    /// The Atom id of a feed: `tag:AUTHORITY:feed/NAME`.
    public func feedID(name: String) -> String {
        "tag:\(tagAuthority):feed/\(name)"
    }

    /// Absolute URL of a file published beside the feeds.
    public func url(of file: String) -> String { baseURL + file }
}

/// One feed file: which entries go in, how it is titled, how many it keeps.
public struct FeedSpec: Sendable, Equatable {
    /// Short name used in logs and ids (`publications`).
    public var name: String
    /// File name inside the output directory (`publications.atom`).
    public var file: String
    public var kind: EntryKind
    public var title: String
    public var subtitle: String?
    /// Most entries kept in the file, newest first.
    public var cap: Int

    public init(name: String, file: String, kind: EntryKind, title: String, subtitle: String? = nil, cap: Int = 50) {
        self.name = name
        self.file = file
        self.kind = kind
        self.title = title
        self.subtitle = subtitle
        self.cap = cap
    }
}
