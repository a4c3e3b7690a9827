/// A bottom-k MinHash sketch of a text: the 64 smallest hashes of its word
/// 3-shingles, so two texts' overlap can be estimated without keeping them.
///
/// Listing pages carry no ids; feedd recognises an edited abstract or job
/// posting by how much of its text it shares with one it saw before. The
/// hash is FNV-1a 64 with a MurmurHash3 finaliser: stable across processes,
/// machines and releases (Swift's `Hasher` is seeded per process, so a
/// sketch stored with it would never match again after a restart).
public struct TextSketch: Sendable, Codable, Equatable {
    /// How many hashes a sketch keeps (k).
    public static let size = 64

    /// The smallest shingle hashes, ascending and distinct; fewer than
    /// `size` when the text has fewer shingles.
    public let hashes: [UInt64]

    /// Sketches `text` after `normalisedWords(_:)`: case, punctuation and
    /// whitespace do not matter, word order does.
    public init(text: String) {
        let words = TextSketch.normalisedWords(text)
        var shingles = Set<UInt64>()
        if words.count < 3 {
            if !words.isEmpty { shingles.insert(TextSketch.hash(words.joined(separator: " "))) }
        } else {
            for start in 0...(words.count - 3) {
                shingles.insert(TextSketch.hash(words[start..<(start + 3)].joined(separator: " ")))
            }
        }
        self.hashes = Array(shingles.sorted().prefix(TextSketch.size))
    }

    private init(sortedHashes: [UInt64]) { self.hashes = sortedHashes }

    /// Estimated Jaccard similarity of the two texts' shingle sets, 0...1.
    ///
    /// Uses the bottom-k estimator: among the k smallest hashes of the union,
    /// the share present in both sketches. Two empty sketches are identical.
    public func similarity(_ other: TextSketch) -> Double {
        if hashes.isEmpty && other.hashes.isEmpty { return 1 }
        if hashes.isEmpty || other.hashes.isEmpty { return 0 }
        let mine = Set(hashes), theirs = Set(other.hashes)
        let union = mine.union(theirs).sorted().prefix(TextSketch.size)
        let shared = union.reduce(0) { $0 + (mine.contains($1) && theirs.contains($1) ? 1 : 0) }
        return Double(shared) / Double(union.count)
    }

    // MARK: Storage

    private static let encodingVersion: UInt8 = 1

    /// Compact storage form: a version byte, then each hash as 8 big-endian
    /// bytes (at most 513 bytes).
    public var bytes: [UInt8] {
        var out: [UInt8] = [TextSketch.encodingVersion]
        out.reserveCapacity(1 + hashes.count * 8)
        for h in hashes {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: h >> UInt64(shift))) }
        }
        return out
    }

    /// Reads `bytes`; nil when they are not a sketch this version wrote
    /// (unknown version, ragged length, too many or unsorted hashes).
    public init?(bytes: [UInt8]) {
        guard let version = bytes.first, version == TextSketch.encodingVersion,
              (bytes.count - 1) % 8 == 0, (bytes.count - 1) / 8 <= TextSketch.size else { return nil }
        var hashes: [UInt64] = []
        hashes.reserveCapacity((bytes.count - 1) / 8)
        var i = 1
        while i < bytes.count {
            var h: UInt64 = 0
            for j in 0..<8 { h = h << 8 | UInt64(bytes[i + j]) }
            if let last = hashes.last, last >= h { return nil }
            hashes.append(h)
            i += 8
        }
        self.init(sortedHashes: hashes)
    }

    // MARK: Normalisation and hashing

    /// Lower-cased words of letters and digits; apostrophes inside a word are
    /// dropped (`Wouldn’t` → `wouldnt`), every other character separates.
    /// Listing keys and sketches both read text through this, so a change in
    /// punctuation, case or spacing is never a change of identity.
    public static func normalisedWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" { continue }
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// FNV-1a 64 of the UTF-8 bytes, then MurmurHash3's fmix64: FNV alone
    /// mixes its high bits poorly, and bottom-k needs the order of hashes to
    /// look random.
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}
