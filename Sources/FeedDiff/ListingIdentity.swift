import FeedModel

/// What the store remembers about one live entry of a listing page.
public struct KnownListingEntry: Sendable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var fingerprint: Fingerprint
    public var sketch: TextSketch

    public init(key: EntryKey, kind: EntryKind, fingerprint: Fingerprint, sketch: TextSketch) {
        self.key = key
        self.kind = kind
        self.fingerprint = fingerprint
        self.sketch = sketch
    }
}

/// Settles the keys of a listing page's items against what was seen on the
/// same page before, so a paper or job keeps its Atom id when the page is
/// re-numbered, re-ordered or edited.
public enum ListingIdentity {
    /// Least sketch similarity at which an edited item is taken to be an
    /// earlier one rather than a new one.
    public static let minimumSimilarity = 0.6

    /// Final entries for `items`, in their order, with keys settled:
    ///
    /// 1. an item whose fingerprint equals a previous entry's keeps its key;
    /// 2. an item whose base key is shared by no other unsettled item, and
    ///    from which exactly one previous key (`base` or `base~N`) derives,
    ///    keeps that key if step 1 left it unclaimed (an edit late in the
    ///    text). When several previous keys derive from one base — postings
    ///    that open with the same boilerplate — the base is no evidence, and
    ///    such items go on to step 3;
    /// 3. the rest are paired with unclaimed previous entries of the same kind,
    ///    most similar pair first, when the sketch similarity is at least
    ///    `minimumSimilarity` (an edit in the opening words); ties go to the
    ///    lower key, then the earlier item;
    /// 4. what is left is new: its base key, or `base~2`, `base~3`, … when
    ///    that is taken by another item or by a live previous entry.
    ///
    /// Pure and deterministic: the result depends only on the arguments.
    /// `previous` holds the live entries the store has for the same source.
    public static func resolve(items: [ListingItem], previous: [KnownListingEntry]) -> [Entry] {
        var keys = [EntryKey?](repeating: nil, count: items.count)
        let ordered = previous.sorted { $0.key < $1.key }
        var claimed = Set<EntryKey>()

        // 1. Unchanged text.
        var byFingerprint: [Fingerprint: [EntryKey]] = [:]
        for known in ordered { byFingerprint[known.fingerprint, default: []].append(known.key) }
        for (i, item) in items.enumerated() {
            guard let candidates = byFingerprint[item.entry.fingerprint],
                  let key = candidates.first(where: { !claimed.contains($0) }) else { continue }
            keys[i] = key
            claimed.insert(key)
        }

        // 2. Same opening words: the base key points at exactly one earlier entry.
        var unsettledByBase: [EntryKey: [Int]] = [:]
        for i in items.indices where keys[i] == nil { unsettledByBase[items[i].baseKey, default: []].append(i) }
        for (base, indices) in unsettledByBase.sorted(by: { $0.key < $1.key }) where indices.count == 1 {
            let i = indices[0]
            // Counting claimed keys too: when the page already held two items with
            // this opening (boilerplate shared by several postings), the opening
            // says nothing about which one this is, and only similarity may decide.
            let matches = ordered.filter { $0.kind == items[i].entry.kind && isKey($0.key, derivedFrom: base) }
            guard matches.count == 1, !claimed.contains(matches[0].key) else { continue }
            keys[i] = matches[0].key
            claimed.insert(matches[0].key)
        }

        // 3. Edited openings: the most similar earlier entry of the same kind.
        var pairs: [(similarity: Double, known: Int, item: Int)] = []
        for (k, known) in ordered.enumerated() where !claimed.contains(known.key) {
            for i in items.indices where keys[i] == nil && items[i].entry.kind == known.kind {
                let similarity = items[i].sketch.similarity(known.sketch)
                if similarity >= minimumSimilarity { pairs.append((similarity, k, i)) }
            }
        }
        pairs.sort { a, b in
            if a.similarity != b.similarity { return a.similarity > b.similarity }
            if a.known != b.known { return a.known < b.known }
            return a.item < b.item
        }
        for pair in pairs where keys[pair.item] == nil && !claimed.contains(ordered[pair.known].key) {
            keys[pair.item] = ordered[pair.known].key
            claimed.insert(ordered[pair.known].key)
        }

        // 4. New items. Keys of live entries not matched above stay reserved, so
        // a new item never inherits the id of one that just went away.
        var taken = Set(keys.compactMap { $0 }).union(previous.map(\.key))
        for i in items.indices where keys[i] == nil {
            let base = items[i].baseKey
            var key = base
            var n = 2
            while taken.contains(key) {
                key = EntryKey(rawValue: "\(base.rawValue)~\(n)")
                n += 1
            }
            keys[i] = key
            taken.insert(key)
        }

        return items.indices.map { i in
            var entry = items[i].entry
            entry.key = keys[i] ?? items[i].baseKey
            return entry
        }
    }

    /// True for `base` itself and for `base~N`, the keys step 4 hands out.
    static func isKey(_ key: EntryKey, derivedFrom base: EntryKey) -> Bool {
        if key == base { return true }
        let prefix = base.rawValue + "~"
        guard key.rawValue.hasPrefix(prefix) else { return false }
        let suffix = key.rawValue.dropFirst(prefix.count)
        return !suffix.isEmpty && suffix.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension KnownListingEntry {
    /// A live row of the item's source, or nil when the row is removed. A
    /// row without a sketch (an entry with an id, or an id-less JSON item
    /// keyed by its position before feedd keyed them by content) gets an
    /// empty one: it can then only be matched by its unchanged text, which
    /// keeps such items' keys across the upgrade.
    public init?(_ row: StoredEntry) {
        guard !row.isRemoved else { return nil }
        let sketch = row.sketch.flatMap(TextSketch.init(bytes:)) ?? TextSketch(text: "")
        self.init(key: row.key, kind: row.kind, fingerprint: row.fingerprint, sketch: sketch)
    }
}
