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
    /// Write `index.html`, a page listing every feed, beside the feeds.
    public var indexPage = true
    /// Write `feed.xsl` and reference it from the Atom feeds, so browsers show a page.
    public var stylesheet = true
    /// WebSub hubs (`[websub] hubs`): every feed document advertises each
    /// (`rel="hub"`), and each is pinged when a feed file changes.
    public var hubs: [String] = []

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
    /// Which files are written: `NAME.atom` always, `.rss` and `.json` beside it on request.
    public var formats: Set<FeedFormat>
    /// Per-category feeds derived from this one (openings per country, per team; papers per tag).
    public var groupBy: [Facet.Dimension]
    /// Set on a derived per-category feed: only entries with this facet.
    public var facet: Facet?
    /// How many days an entry stays in the feed, marked closed, after it
    /// closed or left the source; 0: it leaves at once.
    public var closedDays: Int
    /// The fields whose change is news (`updated`); an edit of others only is a quiet revision.
    public var significant: Set<EntryField>
    /// Keep full history in RFC 5005 archive documents beside the feed
    /// (`NAME-archive-N.atom`, …), linked by `prev-archive`.
    public var archive: Bool
    /// Entries per archive document.
    public var archiveSize: Int

    /// Whether a feed of `kind` keeps archives unless the config says otherwise: papers do, openings do not.
    public static func defaultArchive(for kind: EntryKind) -> Bool { kind == .publication }
    public static let defaultArchiveSize = 100

    /// Days a closed opening stays in a job feed unless the config says otherwise.
    public static func defaultClosedDays(for kind: EntryKind) -> Int { kind == .job ? 7 : 0 }

    public init(name: String, file: String, kind: EntryKind, title: String, subtitle: String? = nil, cap: Int = 50,
                formats: Set<FeedFormat> = [.atom], groupBy: [Facet.Dimension] = [], facet: Facet? = nil,
                closedDays: Int? = nil, significant: Set<EntryField> = Set(EntryField.allCases),
                archive: Bool? = nil, archiveSize: Int = FeedSpec.defaultArchiveSize) {
        self.name = name
        self.file = file
        self.kind = kind
        self.title = title
        self.subtitle = subtitle
        self.cap = cap
        self.formats = formats
        self.groupBy = groupBy
        self.facet = facet
        self.closedDays = closedDays ?? Self.defaultClosedDays(for: kind)
        self.significant = significant
        self.archive = facet == nil && (archive ?? Self.defaultArchive(for: kind))
        self.archiveSize = max(1, archiveSize)
    }

    /// The file of this feed in `format`: `openings.atom` → `openings.rss`, `openings.json`.
    public func file(for format: FeedFormat) -> String {
        stem + "." + format.rawValue
    }

    /// The file's name without `.atom`.
    private var stem: String { file.hasSuffix(".atom") ? String(file.dropLast(5)) : file }

    /// Archive document `page` (1 is the oldest) of this feed: same name and
    /// id, its own files (`publications-archive-3.atom`, `.rss`, `.json`).
    public func archivePage(_ page: Int) -> FeedSpec {
        var spec = self
        spec.file = stem + "-archive-\(page).atom"
        spec.groupBy = []
        spec.archive = false
        return spec
    }

    /// The per-category feed of `facet` derived from this feed, with a file
    /// name that depends only on the base name and the facet (so it survives
    /// restarts) and is safe in URLs.
    public func derived(for facet: Facet) -> FeedSpec {
        let slug = facet.slug
        return FeedSpec(name: "\(name)-\(facet.dimension.rawValue)-\(slug)",
                        file: "\(name)-\(facet.dimension.rawValue)-\(slug).atom",
                        kind: kind, title: "\(title): \(facet.value)",
                        subtitle: subtitle, cap: cap, formats: formats, groupBy: [], facet: facet,
                        closedDays: closedDays, significant: significant, archive: false)
    }
}

/// Where a feed document sits in an RFC 5005 archived feed (§4): the
/// documents it links to, in the same format as itself.
public struct ArchiveLinks: Sendable, Equatable {
    /// Set on an archive document: the subscription document (`rel="current"`).
    public var current: FeedSpec?
    /// The archive document just before this one (`prev-archive`).
    public var previous: FeedSpec?
    /// The archive document just after this one (`next-archive`).
    public var next: FeedSpec?

    public init(current: FeedSpec? = nil, previous: FeedSpec? = nil, next: FeedSpec? = nil) {
        self.current = current
        self.previous = previous
        self.next = next
    }

    /// A feed without archives.
    public static let none = ArchiveLinks()

    /// Whether the document is an archive document (`fh:archive`).
    public var isArchive: Bool { current != nil }

    /// The links to write, by relation, in RFC 5005's order.
    public var relations: [(rel: String, feed: FeedSpec)] {
        [("current", current), ("prev-archive", previous), ("next-archive", next)].compactMap { rel, spec in spec.map { (rel, $0) } }
    }
}

/// The formats a feed can be written in.
public enum FeedFormat: String, Sendable, CaseIterable, Comparable {
    case atom
    case rss
    case json

    public static func < (a: FeedFormat, b: FeedFormat) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var mediaType: String {
        switch self {
        case .atom: return "application/atom+xml"
        case .rss: return "application/rss+xml"
        case .json: return "application/feed+json"
        }
    }
}

/// A value an entry can be grouped by: `country:US`, `team:Robotics`, `tag:llm`.
public struct Facet: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Dimension: String, Sendable, CaseIterable, Comparable {
        case country, region, city, team, tag

        public static func < (a: Dimension, b: Dimension) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public var dimension: Dimension
    public var value: String

    public init(_ dimension: Dimension, _ value: String) {
        self.dimension = dimension
        self.value = value
    }

    /// `dimension:value`, as stored in the state.
    public init?(stored: String) {
        guard let colon = stored.firstIndex(of: ":"), let d = Dimension(rawValue: String(stored[..<colon])) else { return nil }
        self.init(d, String(stored[stored.index(after: colon)...]))
    }

    public var description: String { "\(dimension.rawValue):\(value)" }

    /// Lower-case ASCII letters, digits and single hyphens; other letters
    /// become their code point in hex, so different values rarely share a slug.
    public var slug: String {
        var out = ""
        var dash = false
        for scalar in value.lowercased().unicodeScalars {
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                out.unicodeScalars.append(scalar)
                dash = false
            } else if !scalar.isASCII && scalar.properties.isAlphabetic {
                out += "u" + String(scalar.value, radix: 16)
                dash = false
            } else if !dash && !out.isEmpty {
                out += "-"
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : String(out.prefix(60))
    }

    public static func < (a: Facet, b: Facet) -> Bool { (a.dimension, a.value) < (b.dimension, b.value) }

    /// Every facet of an entry.
    public static func of(_ e: Entry) -> [Facet] {
        var out: [Facet] = []
        out.reserveCapacity(e.tags.count + 4)  // tags, team, country, region, city: one allocation
        for tag in e.tags { out.append(Facet(.tag, tag)) }
        if let team = e.team { out.append(Facet(.team, team)) }
        if let loc = e.location {
            out.append(Facet(.country, loc.country))
            if let r = loc.region { out.append(Facet(.region, r)) }
            if let c = loc.city { out.append(Facet(.city, c)) }
        }
        // Most entries have a handful: compared in place, not hashed, and
        // kept in the same array (the first `kept` are the unique ones so far).
        if out.count <= 16 {
            var kept = 0
            for i in out.indices where !out[i].value.isEmpty && !out[..<kept].contains(out[i]) {
                out.swapAt(kept, i)
                kept += 1
            }
            out.removeLast(out.count - kept)
            return out
        }
        var seen = Set<Facet>()
        return out.filter { !$0.value.isEmpty && seen.insert($0).inserted }
    }
}
