import FeedModel

/// `EntryBuilder.build` over the fields `SimpleFrontMatter` reads, taken
/// from the bytes as they are read: no table of `FieldValue`s, no value
/// made for a field the entry does not use.
///
/// It gives exactly the entry the builder gives for the same front matter,
/// or nil — wherever the builder would refuse the entry, and wherever the
/// text needs more care than bytes allow (characters the builder must
/// inspect) — and then `MarkdownEntry` takes the builder's path, which says
/// why. `SimpleEntryTests` holds the two paths to each other.
enum SimpleEntry {
    /// - Parameters:
    ///   - yaml: the front matter's bytes; its first line is the file's line 2.
    ///   - hasBody: whether the file has a body after the front matter (a `body` field is then ignored).
    static func entry(_ yaml: UnsafeBufferPointer<UInt8>, source: String, hasBody: Bool) -> Entry? {
        var fields = Fields()
        var reader = SimpleFrontMatter.Reader(bytes: yaml, lineOffset: 1)
        guard reader.read({ key, value, _ in fields.set(key, value) }) else { return nil }
        return reader.items.withUnsafeBufferPointer { items in
            do throws(Refused) {
                return try Build(bytes: yaml, items: items).entry(fields, source: source, hasBody: hasBody)
            } catch {
                return nil
            }
        }
    }

    /// The builder would refuse the entry, or the bytes need its care.
    private struct Refused: Error {}

    /// The fields an entry reads, by name (`EntryBuilder.KnownFields`);
    /// other names are only checked for repeats.
    private struct Fields {
        var kind, id, title, date, published, updated, link, url, authors, author, venue, team, tags, location, body: SimpleFrontMatter.Value?
        /// Names of other fields seen (rare).
        var others: [UnsafeBufferPointer<UInt8>] = []

        /// Keeps a field; false for a name seen before (in any case), which is for Yams to report.
        mutating func set(_ key: UnsafeBufferPointer<UInt8>, _ value: SimpleFrontMatter.Value) -> Bool {
            func take(_ slot: inout SimpleFrontMatter.Value?) -> Bool {
                guard slot == nil else { return false }
                slot = value
                return true
            }
            func named(_ name: StaticString) -> Bool {
                guard key.count == name.utf8CodeUnitCount else { return false }
                for i in 0..<key.count {
                    let c = key[i]
                    if (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) != name.utf8Start[i] { return false }
                }
                return true
            }
            switch key.count {
            case 2 where named("id"): return take(&id)
            case 3 where named("url"): return take(&url)
            case 4:
                if named("kind") { return take(&kind) }
                if named("date") { return take(&date) }
                if named("link") { return take(&link) }
                if named("team") { return take(&team) }
                if named("tags") { return take(&tags) }
                if named("body") { return take(&body) }
            case 5:
                if named("title") { return take(&title) }
                if named("venue") { return take(&venue) }
            case 6 where named("author"): return take(&author)
            case 7:
                if named("authors") { return take(&authors) }
                if named("updated") { return take(&updated) }
            case 8 where named("location"): return take(&location)
            case 9 where named("published"): return take(&published)
            default: break
            }
            for other in others where other.count == key.count {
                if zip(other, key).allSatisfy({ a, b in a | 0x20 == b | 0x20 }) { return false }  // keys are [A-Za-z0-9_-]
            }
            others.append(key)
            return true
        }
    }

    /// The builder's steps, refusing wherever it would reject.
    private struct Build {
        let bytes: UnsafeBufferPointer<UInt8>
        let items: UnsafeBufferPointer<SimpleFrontMatter.Scalar>

        func entry(_ f: Fields, source: String, hasBody: Bool) throws(Refused) -> Entry {
            let kind: EntryKind
            if let value = f.kind {
                guard let k = EntryKind(field: try text(value)) else { throw Refused() }
                kind = k
            } else {
                guard let k = EntryBuilder.kind(fromDirectoriesOf: source) else { throw Refused() }
                kind = k
            }
            let key: EntryKey
            switch f.id {
            case nil, .null?:
                key = EntryKey(sanitizing: stripExtension(source))
            case let value?:
                if case let .scalar(s) = value, s.isNull {
                    key = EntryKey(sanitizing: stripExtension(source))
                } else {
                    key = EntryKey(sanitizing: try text(value))
                }
            }
            guard !key.rawValue.isEmpty, let titleValue = f.title else { throw Refused() }
            let title = collapseWhitespace(try text(titleValue))
            guard !title.isEmpty else { throw Refused() }

            var entry = Entry(key: key, kind: kind, title: title, source: source, line: 1)
            entry.published = try date(f.date ?? f.published)
            entry.updated = try date(f.updated)
            entry.link = try optionalText(f.link ?? f.url)
            entry.authors = try list(f.authors ?? f.author)
            entry.venue = try optionalText(f.venue)
            entry.team = try optionalText(f.team)
            entry.tags = try list(f.tags)
            if let value = f.location, !isNull(value) {
                guard let location = Location(parsing: try text(value)) else { throw Refused() }
                entry.location = location
            }
            if let value = f.body, !hasBody {
                entry.body = try optionalText(value) ?? ""
            }
            return entry
        }

        private func isNull(_ value: SimpleFrontMatter.Value) -> Bool {
            switch value {
            case .null: true
            case let .scalar(s): s.isNull
            case .list: false
            }
        }

        /// A text field's text (`EntryBuilder.text`): a scalar that is not null.
        private func text(_ value: SimpleFrontMatter.Value) throws(Refused) -> String {
            guard case let .scalar(s) = value, !s.isNull else { throw Refused() }
            return try text(s)
        }

        /// Its text, refused when it holds a byte `EntryBuilder.checkCharacters` must look at.
        private func text(_ s: SimpleFrontMatter.Scalar) throws(Refused) -> String {
            try check(s)
            return s.text(in: bytes)
        }

        /// Refuses a scalar holding a byte `EntryBuilder.checkCharacters` must look at.
        private func check(_ s: SimpleFrontMatter.Scalar) throws(Refused) {
            for i in s.start..<s.end where EntryBuilder.isSuspect(bytes[i]) { throw Refused() }
        }

        private func optionalText(_ value: SimpleFrontMatter.Value?) throws(Refused) -> String? {
            guard let value, !isNull(value) else { return nil }
            let s = try text(value).trimmed()
            return s.isEmpty ? nil : s
        }

        private func date(_ value: SimpleFrontMatter.Value?) throws(Refused) -> Timestamp? {
            guard let value, !isNull(value) else { return nil }
            guard case let .scalar(s) = value else { throw Refused() }
            try check(s)
            // Parsed where it lies (a date's text is not kept).
            let t: Timestamp? = if let raw = s.bytes(in: bytes) { Timestamp(rfc3339UTF8: raw) } else { Timestamp(rfc3339: s.text(in: bytes)) }
            guard let t, t <= EntryBuilder.latestDate else { throw Refused() }
            return t
        }

        /// `EntryBuilder.list`: a list of texts, or one text split at commas; whitespace collapsed, empty items dropped.
        private func list(_ value: SimpleFrontMatter.Value?) throws(Refused) -> [String] {
            guard let value, !isNull(value) else { return [] }
            switch value {
            case let .scalar(s):
                return try text(s).split(separator: ",").map { collapseWhitespace(String($0)) }.filter { !$0.isEmpty }
            case let .list(range, _):
                var out: [String] = []
                out.reserveCapacity(range.count)
                for i in range {
                    guard !items[i].isNull else { throw Refused() }
                    let clean = collapseWhitespace(try text(items[i]))
                    if !clean.isEmpty { out.append(clean) }
                }
                return out
            case .null:
                return []
            }
        }
    }
}
