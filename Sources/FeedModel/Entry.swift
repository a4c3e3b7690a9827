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
        // The fields in their fixed order; a list is its items joined by
        // U+001F, a date its seconds in decimal (both written in place: no
        // joined string, no string of digits).
        var w = CanonicalWriter()
        w.reserve("kind", kind.rawValue); w.reserve("title", title)
        w.reserve("published", 21); w.reserve("updated", 21)
        w.reserve("link", link ?? ""); w.reserve("authors", authors); w.reserve("venue", venue ?? "")
        w.reserve("location", (location?.country.utf8.count ?? 0) + (location?.region?.utf8.count ?? 0) + (location?.city?.utf8.count ?? 0) + 4)
        w.reserve("team", team ?? ""); w.reserve("tags", tags); w.reserve("body", bodyUTF8.count)
        return w.fingerprint { b in
            b.field("kind", kind.rawValue)
            b.field("title", title)
            b.field("published", seconds: published?.seconds)
            b.field("updated", seconds: updated?.seconds)
            b.field("link", link ?? "")
            b.field("authors", list: authors)
            b.field("venue", venue ?? "")
            b.field("location", location: location)
            b.field("team", team ?? "")
            b.field("tags", list: tags)
            b.field("body", bodyUTF8)
        }
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
        case 3: self.init(country: parts[0], region: parts[1], city: parts[2])
        case 4...: self.init(country: parts[0], region: parts[1], city: parts[2...].joined(separator: ", "))
        default: return nil
        }
    }

    /// The trimmed, non-empty parts between commas of ASCII text; nil for any other text.
    private static func asciiParts(_ b: UnsafeBufferPointer<UInt8>) -> [String]? {
        var parts: [String] = []
        parts.reserveCapacity(4)
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
struct CanonicalWriter {
    /// Room left for the decimal length and its NUL before the value is known.
    static let lengthRoom = 24

    /// Bytes the fields may take: reserved field by field before writing.
    private var capacity = 0

    mutating func reserve(_ name: StaticString, _ valueBytes: Int) {
        capacity += name.utf8CodeUnitCount + 1 + Self.lengthRoom + valueBytes + 8
    }

    mutating func reserve(_ name: StaticString, _ value: String) { reserve(name, value.utf8.count) }

    mutating func reserve(_ name: StaticString, _ list: [String]) {
        var count = max(0, list.count - 1)
        for item in list { count += item.utf8.count }
        reserve(name, count)
    }

    /// The SHA-256 of the bytes `write` puts into a buffer of the reserved
    /// size, which lives only as long as the hash takes (on the stack when
    /// there is room: no allocation per entry).
    func fingerprint(_ write: (inout Buffer) -> Void) -> Fingerprint {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            guard let base = buffer.baseAddress else { return Fingerprint(of: UnsafeRawBufferPointer(start: nil, count: 0)) }
            var b = Buffer(base: base)
            write(&b)
            return Fingerprint(of: UnsafeRawBufferPointer(start: base, count: b.count))
        }
    }

    struct Buffer {
        let base: UnsafeMutablePointer<UInt8>
        private(set) var count = 0
        /// Where the value being collapsed goes, and whether the last byte
        /// written there was a space (so a run across pieces stays one space).
        private var valueStart = 0
        private var previousWasSpace = 1

        init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

        mutating func field(_ name: StaticString, _ value: String) {
            open(name)
            feedText(value)
            close()
        }

        mutating func field(_ name: StaticString, _ value: UnsafeBufferPointer<UInt8>) {
            open(name)
            feed(value)
            close()
        }

        /// Items joined by U+001F.
        mutating func field(_ name: StaticString, list: [String]) {
            open(name)
            for (i, item) in list.enumerated() {
                if i > 0 { feedByte(0x1F) }
                feedText(item)
            }
            close()
        }

        /// The seconds in decimal, or nothing.
        mutating func field(_ name: StaticString, seconds: Int64?) {
            open(name)
            if let seconds {
                if seconds < 0 { feedByte(UInt8(ascii: "-")) }
                // Digits are not whitespace: written as they are.
                written += Self.decimal(seconds.magnitude, into: base + valueStart + written)
                previousWasSpace = 0
            }
            close()
        }

        /// `COUNTRY[, REGION][, CITY]`, as `Location.description` spells it.
        mutating func field(_ name: StaticString, location: Location?) {
            open(name)
            if let location {
                feedText(location.country)
                if let region = location.region { feedByte(0x2C); feedByte(0x20); feedText(region) }
                if let city = location.city { feedByte(0x2C); feedByte(0x20); feedText(city) }
            }
            close()
        }

        /// A string's bytes, lent in place when it is native (`withUTF8` needs a copy to mutate).
        private mutating func feedText(_ text: String) {
            if text.utf8.withContiguousStorageIfAvailable({ feed($0) }) == nil {
                var copy = text
                copy.withUTF8 { feed($0) }
            }
        }

        private mutating func open(_ name: StaticString) {
            (base + count).initialize(from: name.utf8Start, count: name.utf8CodeUnitCount)
            count += name.utf8CodeUnitCount
            base[count] = 0
            count += 1
            // The value is collapsed into place after a gap, then moved up behind its length.
            valueStart = count + CanonicalWriter.lengthRoom
            previousWasSpace = 1  // leading whitespace is dropped
            written = 0
        }

        /// Bytes of the value written so far.
        private var written = 0

        private mutating func close() {
            if previousWasSpace == 1 && written > 0 { written -= 1 }  // and trailing
            let digitCount = Self.decimal(UInt64(written), into: base + count)
            base[count + digitCount] = 0
            count += digitCount + 1
            memmove(base + count, base + valueStart, written)  // the regions may overlap
            count += written
        }

        /// `v` in decimal at `out`, most significant digit first; the count written (at most 20).
        private static func decimal(_ v: UInt64, into out: UnsafeMutablePointer<UInt8>) -> Int {
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return withUnsafeMutableBytes(of: &digits) { d -> Int in
                var v = v
                var k = 0
                repeat {
                    d[k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    k += 1
                } while v > 0
                for i in 0..<k { out[i] = d[k - 1 - i] }
                return k
            }
        }

        private mutating func feedByte(_ byte: UInt8) {
            let isSpace = (byte == 0x20) || (byte &- 0x09 <= 4) ? 1 : 0
            base[valueStart + written] = isSpace == 1 ? 0x20 : byte
            written &+= 1 &- (isSpace & previousWasSpace)
            previousWasSpace = isSpace
        }

        /// Appends `utf8` to the value with each whitespace run turned into
        /// one space: sixteen bytes at a time where nothing changes (no
        /// whitespace but single spaces after a non-space: most of prose),
        /// byte by byte elsewhere; both give the same bytes.
        private mutating func feed(_ utf8: UnsafeBufferPointer<UInt8>) {
            guard let src = utf8.baseAddress, !utf8.isEmpty else { return }
            written = CanonicalWriter.collapse(src, utf8.count, into: base + valueStart, at: written, previousWasSpace: &previousWasSpace)
        }
    }

    /// The collapse of `n` bytes at `src` written at `out + o`, continuing a
    /// value whose last byte was a space when `previousWasSpace` is 1 (a run
    /// across pieces stays one space); returns the new end. Trailing
    /// whitespace is left for the caller to drop.
    static func collapse(_ src: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>, at start: Int,
                         previousWasSpace: inout Int) -> Int {
        var o = start
        var previous = previousWasSpace
        var i = 0
        // Branch-free per byte: every whitespace byte is written as a space,
        // but the output only advances past the first of a run.
        @inline(__always) func scalar(_ end: Int) {
            while i < end {
                let byte = src[i]
                let isSpace = (byte == 0x20) || (byte &- 0x09 <= 4) ? 1 : 0
                out[o] = isSpace == 1 ? 0x20 : byte
                o &+= 1 &- (isSpace & previous)
                previous = isSpace
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
                previous = chunk[15] == 0x20 ? 1 : 0
            }
        }
        scalar(n)
        previousWasSpace = previous
        return o
    }

    /// One whole value collapsed into `out`, ends dropped; returns the count written.
    static func collapse(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let src = utf8.baseAddress, !utf8.isEmpty else { return 0 }
        var previous = 1  // leading whitespace is dropped
        var o = collapse(src, utf8.count, into: out, at: 0, previousWasSpace: &previous)
        if previous == 1 && o > 0 { o -= 1 }  // and trailing
        return o
    }
}
