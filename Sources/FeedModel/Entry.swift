import Foundation

/// One paper or job opening, as parsed from a source file.
///
/// Parsers fill what the source says; nothing here is derived from state.
/// Listing-page items have no dates of their own (`published == nil`): the
/// pipeline dates them by when feedd first saw them.
public struct Entry: Sendable, Codable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var title: String
    public var published: Timestamp?
    public var updated: Timestamp?
    public var link: String?
    public var authors: [String]
    public var venue: String?
    public var location: Location?
    public var team: String?
    public var tags: [String]
    /// Markdown (or plain text for listing pages): the first paragraph is the summary.
    public var body: String
    /// Path relative to the source root, `/`-separated.
    public var source: String
    /// 1-based line in `source` where the entry starts.
    public var line: Int

    public init(key: EntryKey, kind: EntryKind, title: String, published: Timestamp? = nil,
                updated: Timestamp? = nil, link: String? = nil, authors: [String] = [],
                venue: String? = nil, location: Location? = nil, team: String? = nil,
                tags: [String] = [], body: String = "", source: String, line: Int = 1) {
        self.key = key
        self.kind = kind
        self.title = title
        self.published = published
        self.updated = updated
        self.link = link
        self.authors = authors
        self.venue = venue
        self.location = location
        self.team = team
        self.tags = tags
        self.body = body
        self.source = source
        self.line = line
    }

    /// The content fingerprint: every field a reader sees, whitespace runs
    /// collapsed, so reformatting is not an edit. Source path and line are not
    /// part of it: moving a file is not an edit either.
    public var fingerprint: Fingerprint {
        var body = body
        return body.withUTF8 { fingerprint(bodyUTF8: $0) }
    }

    /// `fingerprint` with the body given as UTF-8 bytes (`self.body` is not
    /// read): a scan fingerprints a file's body where it was read, without
    /// making a `String` of it.
    public func fingerprint(bodyUTF8: UnsafeBufferPointer<UInt8>) -> Fingerprint {
        // The fields in their fixed order; a list is its items joined by U+001F
        // (joined only when there are two or more: most lists have none or one).
        func list(_ items: [String]) -> String { items.count > 1 ? items.joined(separator: "\u{1F}") : items.first ?? "" }
        return Fingerprint(of: CanonicalWriter.bytes(
            ("kind", kind.rawValue), ("title", title),
            ("published", published.map { String($0.seconds) } ?? ""), ("updated", updated.map { String($0.seconds) } ?? ""),
            ("link", link ?? ""), ("authors", list(authors)), ("venue", venue ?? ""),
            ("location", location?.description ?? ""), ("team", team ?? ""), ("tags", list(tags)),
            last: ("body", bodyUTF8)))
    }
}

/// A job's place: `US, WA, Seattle` (country, region, city), any part optional.
public struct Location: Sendable, Codable, Equatable, CustomStringConvertible {
    public var country: String
    public var region: String?
    public var city: String?

    public init(country: String, region: String? = nil, city: String? = nil) {
        self.country = country
        self.region = region
        self.city = city
    }

    /// Parses `COUNTRY[, REGION][, CITY]`; with two parts the second is the city.
    public init?(parsing text: String) {
        // In ASCII every byte is a character: split on the comma byte (the usual case, without Character breaking).
        let ascii: [String]?? = text.utf8.withContiguousStorageIfAvailable(Self.asciiParts)
        let parts = (ascii ?? nil) ?? text.split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty }
        switch parts.count {
        case 1: self.init(country: parts[0])
        case 2: self.init(country: parts[0], city: parts[1])
        case 3...: self.init(country: parts[0], region: parts[1], city: parts[2...].joined(separator: ", "))
        default: return nil
        }
    }

    /// The trimmed, non-empty parts between commas of ASCII text; nil for any other text.
    private static func asciiParts(_ b: UnsafeBufferPointer<UInt8>) -> [String]? {
        var parts: [String] = []
        var start = 0
        for i in 0...b.count {
            if i < b.count {
                if b[i] >= 0x80 { return nil }
                if b[i] != UInt8(ascii: ",") { continue }
            }
            let part = UnsafeBufferPointer(rebasing: b[start..<i])
            if let kept = asciiTrimmedRange(part), !kept.isEmpty {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: part[kept]), as: UTF8.self))
            }
            start = i + 1
        }
        return parts
    }

    public var description: String {
        var s = country
        if let region { s += ", " + region }
        if let city { s += ", " + city }
        return s
    }
}

/// Collapses whitespace runs and length-prefixes fields so that no two
/// different entries share canonical bytes: for each field its name, NUL,
/// the collapsed value's length in decimal, NUL, the collapsed value.
enum CanonicalWriter {
    /// Room left for the decimal length and its NUL before the value is known.
    private static let lengthRoom = 24

    /// The canonical bytes of ten named fields and then `last`, written into
    /// one buffer sized up front (the fields as a tuple, not an array: no
    /// allocation, no copies of the strings).
    static func bytes(_ f0: (String, String), _ f1: (String, String), _ f2: (String, String), _ f3: (String, String),
                      _ f4: (String, String), _ f5: (String, String), _ f6: (String, String), _ f7: (String, String),
                      _ f8: (String, String), _ f9: (String, String),
                      last: (String, UnsafeBufferPointer<UInt8>)) -> [UInt8] {
        func room(_ f: (String, String)) -> Int { f.0.utf8.count + 1 + lengthRoom + f.1.utf8.count + 8 }
        let capacity = last.0.utf8.count + 1 + lengthRoom + last.1.count + 8
            + room(f0) + room(f1) + room(f2) + room(f3) + room(f4) + room(f5) + room(f6) + room(f7) + room(f8) + room(f9)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            guard let base = buffer.baseAddress else { count = 0; return }
            var o = 0
            func field(_ f: (String, String)) {
                var value = f.1
                value.withUTF8 { append(name: f.0, value: $0, to: base, at: &o) }
            }
            field(f0); field(f1); field(f2); field(f3); field(f4); field(f5); field(f6); field(f7); field(f8); field(f9)
            append(name: last.0, value: last.1, to: base, at: &o)
            count = o
        }
    }

    /// One field: its name, NUL, the collapsed value's length in decimal, NUL, the collapsed value.
    private static func append(name: String, value utf8: UnsafeBufferPointer<UInt8>, to base: UnsafeMutablePointer<UInt8>, at o: inout Int) {
        var name = name
        name.withUTF8 { n in
            if let src = n.baseAddress { (base + o).initialize(from: src, count: n.count) }
            o += n.count
        }
        base[o] = 0
        o += 1
        // The value is collapsed into place after a gap, then moved up behind its length.
        let valueStart = o + lengthRoom
        let collapsed = collapse(utf8, into: base + valueStart)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let digitCount = withUnsafeMutableBytes(of: &digits) { d -> Int in
            var v = collapsed
            var k = 0
            repeat {
                d[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                k += 1
            } while v > 0
            for i in 0..<k { base[o + i] = d[k - 1 - i] }
            return k
        }
        base[o + digitCount] = 0
        o += digitCount + 1
        memmove(base + o, base + valueStart, collapsed)  // the regions may overlap
        o += collapsed
    }

    /// Writes the value with each whitespace run between words turned into
    /// one space and the ends dropped; returns the count written.
    ///
    /// Sixteen bytes at a time where nothing changes (no whitespace but
    /// single spaces after a non-space: most of prose), byte by byte
    /// elsewhere; both give the same bytes.
    static func collapse(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let src = utf8.baseAddress else { return 0 }
        let n = utf8.count
        var o = 0
        var previousWasSpace = 1  // leading whitespace is dropped
        var i = 0
        // Branch-free per byte: every whitespace byte is written as a space,
        // but the output only advances past the first of a run.
        @inline(__always) func scalar(_ end: Int) {
            while i < end {
                let byte = src[i]
                let isSpace = (byte == 0x20) || (byte &- 0x09 <= 4) ? 1 : 0
                out[o] = isSpace == 1 ? 0x20 : byte
                o &+= 1 &- (isSpace & previousWasSpace)
                previousWasSpace = isSpace
                i &+= 1
            }
        }
        scalar(min(1, n))
        let space = SIMD16<UInt8>(repeating: 0x20)
        let nine = SIMD16<UInt8>(repeating: 0x09)
        let five = SIMD16<UInt8>(repeating: 5)
        while i + 16 <= n {
            let chunk = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<UInt8>.self)
            let before = UnsafeRawPointer(src + i - 1).loadUnaligned(as: SIMD16<UInt8>.self)
            let control = (chunk &- nine) .< five
            let spaceAfterSpace = (chunk .== space) .& ((before .== space) .| ((before &- nine) .< five))
            if any(control .| spaceAfterSpace) {
                scalar(i + 16)
            } else {
                UnsafeMutableRawPointer(out + o).storeBytes(of: chunk, as: SIMD16<UInt8>.self)
                o &+= 16
                i &+= 16
                previousWasSpace = chunk[15] == 0x20 ? 1 : 0
            }
        }
        scalar(n)
        if previousWasSpace == 1 && o > 0 { o -= 1 }  // and trailing
        return o
    }
}
