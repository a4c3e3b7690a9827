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
    /// When the entry closes (an opening's application deadline): it is
    /// then `removed`, as if it had left the source.
    public var closes: Timestamp?
    /// Markdown (or plain text for listing pages): the first paragraph is the summary.
    public var body: String
    /// Path relative to the source root, `/`-separated.
    public var source: String
    /// 1-based line in `source` where the entry starts.
    public var line: Int

    public init(key: EntryKey, kind: EntryKind, title: String, published: Timestamp? = nil,
                updated: Timestamp? = nil, link: String? = nil, authors: [String] = [],
                venue: String? = nil, location: Location? = nil, team: String? = nil,
                tags: [String] = [], closes: Timestamp? = nil, body: String = "", source: String, line: Int = 1) {
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
        self.closes = closes
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
        w.reserve("team", team ?? ""); w.reserve("tags", tags); w.reserve("body", bodyUTF8.count); w.reserve("closes", 21)
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
            // Only when there is one: the canonical bytes of every entry without stay as they were.
            if let closes { b.field("closes", seconds: closes.seconds) }
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
        let parts = text.split(separator: ",").compactMap { part in
            let trimmed = part.trimmed()
            return trimmed.isEmpty ? nil : trimmed
        }
        switch parts.count {
        case 1: self.init(country: parts[0])
        case 2: self.init(country: parts[0], city: parts[1])
        case 3: self.init(country: parts[0], region: parts[1], city: parts[2])
        case 4...: self.init(country: parts[0], region: parts[1], city: parts[2...].joined(separator: ", "))
        default: return nil
        }
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
        /// Where the value being collapsed goes, its length so far, and
        /// whether a whitespace run waits for the next character.
        private var valueStart = 0
        private var written = 0
        private var pendingSpace = false

        init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

        mutating func field(_ name: StaticString, _ value: String) {
            open(name)
            feedText(value)
            close()
        }

        mutating func field(_ name: StaticString, _ value: UnsafeBufferPointer<UInt8>) {
            open(name)
            if let p = value.baseAddress { feed(p, value.count) }
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
                // Digits are never whitespace: written straight into the value.
                written += Self.writeDecimal(seconds.magnitude, at: base + valueStart + written)
            }
            close()
        }

        /// `COUNTRY[, REGION][, CITY]`, as `Location.description` spells it.
        mutating func field(_ name: StaticString, location: Location?) {
            open(name)
            if let location { feedText(location.description) }
            close()
        }

        private mutating func feedText(_ text: String) {
            var text = text
            text.withUTF8 { if let p = $0.baseAddress { feed(p, $0.count) } }
        }

        private mutating func feedByte(_ byte: UInt8) {
            var byte = byte
            feed(&byte, 1)
        }

        private mutating func feed(_ p: UnsafePointer<UInt8>, _ n: Int) {
            written = Whitespace.collapse(p, n, into: base + valueStart, at: written, pendingSpace: &pendingSpace)
        }

        private mutating func open(_ name: StaticString) {
            (base + count).initialize(from: name.utf8Start, count: name.utf8CodeUnitCount)
            count += name.utf8CodeUnitCount
            base[count] = 0
            count += 1
            // The value is collapsed into place after a gap, then moved up behind its length.
            valueStart = count + CanonicalWriter.lengthRoom
            written = 0
            pendingSpace = false
        }

        /// Writes `value` in decimal at `p` (up to 20 digits; no allocation,
        /// as this runs several times per entry); returns how many.
        private static func writeDecimal(_ value: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            var v = value
            for i in stride(from: digits - 1, through: 0, by: -1) {
                p[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            return digits
        }

        /// Writes the value's length in decimal and a NUL, then moves the value up behind them.
        private mutating func close() {
            count += Self.writeDecimal(UInt64(written), at: base + count)
            base[count] = 0
            count += 1
            memmove(base + count, base + valueStart, written)  // the regions may overlap
            count += written
        }
    }
}
