/// Which feeds a run's changes reach: the kind, and the facets of the
/// dimensions feeds group by, of every entry a run wrote or removed, as it
/// was and as it is now. A feed none of whose entries changed, entered or
/// left is not reached, and is not rendered again.
public struct FeedTouches: Sendable, Equatable {
    /// A facet within the feeds of one kind.
    public struct KindFacet: Sendable, Hashable {
        public var kind: EntryKind
        public var facet: Facet
    }

    /// The dimensions whose facets are kept (the ones feeds group by).
    public let dimensions: Set<Facet.Dimension>
    public private(set) var kinds: Set<EntryKind> = []
    public private(set) var facets: Set<KindFacet> = []
    /// The entries written or removed: the ones, besides those a feed stopped
    /// showing, that a feed's archive may have to take.
    public private(set) var keys: Set<EntryKey> = []
    /// Every row the state holds was written this run (it held none
    /// before): the facets noted here are all the facets the state knows.
    public var coversState = false

    public init(dimensions: Set<Facet.Dimension>) {
        self.dimensions = dimensions
    }

    /// Notes a row a run wrote or removed (call with the old row too: a
    /// category it left must be rendered without it).
    public mutating func note(_ row: StoredEntry) {
        kinds.insert(row.kind)
        keys.insert(row.key)
        guard !dimensions.isEmpty else { return }
        for facet in row.facets where dimensions.contains(facet.dimension) {
            facets.insert(KindFacet(kind: row.kind, facet: facet))
        }
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// Whether a change reached `feed` (a configured feed, or a per-category one).
    public func reaches(_ feed: FeedSpec) -> Bool {
        guard kinds.contains(feed.kind) else { return false }
        guard let facet = feed.facet else { return true }
        return facets.contains(KindFacet(kind: feed.kind, facet: facet))
    }

    /// The touched facets of `dimension` among entries of `kind`.
    public func facets(kind: EntryKind, dimension: Facet.Dimension) -> [Facet] {
        facets.filter { $0.kind == kind && $0.facet.dimension == dimension }.map(\.facet)
    }
}
