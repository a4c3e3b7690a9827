import Crypto

/// The parts of an entry a reader sees, by the names a feed's `significant`
/// list uses: a change of one of those is news, a change of any other a
/// quiet revision.
public enum EntryField: String, Sendable, CaseIterable, Comparable {
    case title, summary, content, link, authors, venue, location, team, tags, date

    public static func < (a: EntryField, b: EntryField) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A digest of each field of an entry (`EntryField`), so a later run can
/// tell which fields an edit touched. Each is the first 8 bytes of the
/// SHA-256 of the field as the fingerprint canonicalises it (whitespace
/// collapsed); `summary` is the body's first paragraph, `content` the whole
/// body, `date` the published date.
public struct FieldDigests: Sendable, Equatable {
    public private(set) var values: [UInt64]

    /// The digests of an entry whose body is `body` (its UTF-8 bytes).
    public init(_ entry: Entry, body: UnsafeBufferPointer<UInt8>) {
        func digest(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var collapsed = [UInt8](repeating: 0, count: bytes.count + 1)
            let count = collapsed.withUnsafeMutableBufferPointer { out -> Int in
                guard let p = bytes.baseAddress else { return 0 }
                var pending = false
                return Whitespace.collapse(p, bytes.count, into: out.baseAddress!, at: 0, pendingSpace: &pending)
            }
            return collapsed.withUnsafeBytes { raw in
                SHA256.hash(data: UnsafeRawBufferPointer(rebasing: raw[..<count])).withUnsafeBytes { $0.load(as: UInt64.self) }
            }
        }
        func digest(_ text: String) -> UInt64 {
            var text = text
            return text.withUTF8 { digest($0) }
        }
        var values: [UInt64] = []
        values.reserveCapacity(EntryField.allCases.count)
        for field in EntryField.allCases {
            switch field {
            case .title: values.append(digest(entry.title))
            case .summary: values.append(digest(Self.firstParagraph(body)))
            case .content: values.append(digest(body))
            case .link: values.append(digest(entry.link ?? ""))
            case .authors: values.append(digest(entry.authors.joined(separator: "\u{1F}")))
            case .venue: values.append(digest(entry.venue ?? ""))
            case .location: values.append(digest(entry.location?.description ?? ""))
            case .team: values.append(digest(entry.team ?? ""))
            case .tags: values.append(digest(entry.tags.joined(separator: "\u{1F}")))
            case .date: values.append(digest(entry.published.map { String($0.seconds) } ?? ""))
            }
        }
        self.values = values
    }

    /// The digests of an entry with its body in `entry.body`.
    public init(_ entry: Entry) {
        var body = entry.body
        self = body.withUTF8 { FieldDigests(entry, body: $0) }
    }

    /// Digests as stored (8 bytes each, little-endian); nil for bytes of another length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == EntryField.allCases.count * 8 else { return nil }
        values = stride(from: 0, to: bytes.count, by: 8).map { i in
            bytes[i..<(i + 8)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
    }

    public var bytes: [UInt8] {
        values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    }

    /// The fields whose digests differ from `other`'s.
    public func changed(from other: FieldDigests) -> Set<EntryField> {
        Set(EntryField.allCases.enumerated().filter { values[$0.offset] != other.values[$0.offset] }.map(\.element))
    }

    /// The body's first paragraph: up to the first blank line after some text.
    static func firstParagraph(_ body: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var i = 0, start = -1
        while i < body.count {
            var end = i
            while end < body.count, body[end] != 0x0A { end += 1 }
            let line = UnsafeBufferPointer(rebasing: body[i..<end])
            if Whitespace.trimmedRange(line).isEmpty {
                if start >= 0 { return UnsafeBufferPointer(rebasing: body[start..<i]) }
            } else if start < 0 {
                start = i
            }
            i = end + 1
        }
        return start < 0 ? UnsafeBufferPointer(rebasing: body[0..<0]) : UnsafeBufferPointer(rebasing: body[start...])
    }
}
