import Foundation
import FeedModel

/// A feed as the run that last rendered it left it.
public struct FeedRecord: Sendable, Equatable {
    /// The feed's name (`publications`, `openings-country-us`).
    public var name: String
    /// The configured feed it is, or derives from.
    public var base: String
    /// Set for a per-category feed.
    public var facet: Facet?
    /// How many entries it shows.
    public var entries: Int

    public init(name: String, base: String, facet: Facet?, entries: Int) {
        self.name = name
        self.base = base
        self.facet = facet
        self.entries = entries
    }
}

/// A file in the output directory as feedd last wrote (or kept) it.
public struct OutputRecord: Sendable, Equatable {
    public var file: String
    /// The feed it belongs to (`index` for the page, `stylesheet`).
    public var feed: String
    public var stamp: OutputStamp

    public init(file: String, feed: String, stamp: OutputStamp) {
        self.file = file
        self.feed = feed
        self.stamp = stamp
    }
}

/// The state remembers what the feeds last showed: which feeds exist, the
/// entries each shows, the files written and the payloads (entry and
/// rendered HTML) of every entry shown. The publishing stage reads it to
/// render only what a change touches.
extension StateStore {
    /// What the output files were rendered for (site, feeds, renderer
    /// version): when it differs, every file is rendered again.
    public func renderSignature() throws(StoreError) -> String? { try meta("render_signature") }

    public func setRenderSignature(_ signature: String) throws(StoreError) { try setMeta("render_signature", signature) }

    /// Every feed rendered so far, by name.
    public func feedRecords() throws(StoreError) -> [String: FeedRecord] {
        var out: [String: FeedRecord] = [:]
        try statement("SELECT name, base, facet, entries FROM feeds").bind().forEach { row in
            let record = FeedRecord(name: row.text(0), base: row.text(1), facet: row.isNull(2) ? nil : Facet(stored: row.text(2)),
                                    entries: Int(row.int(3)))
            out[record.name] = record
        }
        return out
    }

    /// Records a feed as rendered, showing `keys`.
    public func record(feed: FeedRecord, showing keys: [EntryKey]) throws(StoreError) {
        try statement("INSERT OR REPLACE INTO feeds(name, base, facet, entries) VALUES(?, ?, ?, ?)")
            .bind(.text(feed.name), .text(feed.base), feed.facet.map { .text($0.description) } ?? .null, .int(Int64(feed.entries))).run()
        try statement("DELETE FROM feed_items WHERE feed = ?").bind(.text(feed.name)).run()
        let insert = try statement("INSERT OR IGNORE INTO feed_items(feed, key) VALUES(?, ?)")
        for key in keys { try insert.bind(.text(feed.name), .text(key.rawValue)).run() }
    }

    /// Forgets every feed record, item and output (the configuration changed: all are rendered again).
    public func forgetFeeds() throws(StoreError) {
        try db.execute("DELETE FROM feeds; DELETE FROM feed_items; DELETE FROM outputs;")
    }

    /// Every output file recorded, by file name.
    public func outputRecords() throws(StoreError) -> [String: OutputRecord] {
        var out: [String: OutputRecord] = [:]
        try statement("SELECT file, feed, size, mtime_ns, inode FROM outputs").bind().forEach { row in
            let record = OutputRecord(file: row.text(0), feed: row.text(1),
                                      stamp: OutputStamp(size: row.int(2), mtimeNanoseconds: row.int(3), inode: UInt64(bitPattern: row.int(4))))
            out[record.file] = record
        }
        return out
    }

    public func record(output: OutputRecord) throws(StoreError) {
        try statement("INSERT OR REPLACE INTO outputs(file, feed, size, mtime_ns, inode) VALUES(?, ?, ?, ?, ?)")
            .bind(.text(output.file), .text(output.feed), .int(output.stamp.size), .int(output.stamp.mtimeNanoseconds),
                  .int(Int64(bitPattern: output.stamp.inode))).run()
    }

    // MARK: Payloads of the entries shown

    /// The entry as last published, when its fingerprint still matches.
    /// - Parameter htmlBase: what the cached HTML was rendered for (base URL
    ///   and renderer version); HTML rendered for anything else is not returned.
    public func payload(key: EntryKey, fingerprint: Fingerprint, htmlBase: String) throws(StoreError) -> (entry: Entry, html: String?)? {
        var out: (entry: Entry, html: String?)?
        try statement("SELECT fingerprint, entry, html, html_base FROM payloads WHERE key = ?").bind(.text(key.rawValue)).forEach { row in
            guard row.fingerprint(0) == fingerprint, let entry = try? JSONDecoder().decode(Entry.self, from: Data(row.blob(1))) else { return }
            let html = !row.isNull(2) && !row.isNull(3) && row.text(3) == htmlBase ? row.text(2) : nil
            out = (entry, html)
        }
        return out
    }

    /// The entry as last published, whatever its fingerprint (a file that now fails to parse keeps its last good version).
    public func lastPublished(key: EntryKey) throws(StoreError) -> Entry? {
        var out: Entry?
        try statement("SELECT entry FROM payloads WHERE key = ?").bind(.text(key.rawValue)).forEach { row in
            out = try? JSONDecoder().decode(Entry.self, from: Data(row.blob(0)))
        }
        return out
    }

    /// An entry and the HTML its body rendered to, as the state keeps them.
    /// Made anywhere (encoding is pure: a first run makes a thousand on
    /// every core), saved by `savePayloads`.
    public struct Payload: Sendable {
        let key: EntryKey
        let fingerprint: Fingerprint
        let entry: [UInt8]
        let html: String

        public init(entry: Entry, html: String) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            key = entry.key
            fingerprint = entry.fingerprint
            self.entry = Array((try? encoder.encode(entry)) ?? Data())
            self.html = html
        }
    }

    /// Keeps each entry and the HTML its body rendered to, so an entry
    /// shown again is not read and rendered again.
    public func savePayloads(_ payloads: [Payload], htmlBase: String) throws(StoreError) {
        let upsert = try statement("INSERT OR REPLACE INTO payloads(key, fingerprint, entry, html, html_base) VALUES(?,?,?,?,?)")
        for p in payloads {
            try upsert.bind(.text(p.key.rawValue), .digest(p.fingerprint), .blob(p.entry), .text(p.html), .text(htmlBase)).run()
        }
    }

    /// Drops the payloads of entries no feed shows any more.
    public func prunePayloads() throws(StoreError) {
        try statement("DELETE FROM payloads WHERE key NOT IN (SELECT key FROM feed_items)").bind().run()
    }
}
