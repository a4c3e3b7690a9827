import Foundation
import FeedModel
import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// What feedd last saw of a source file: enough to tell "unchanged" without reading it.
public struct FileStamp: Sendable, Equatable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ctimeNanoseconds: Int64
    public var inode: UInt64

    public init(size: Int64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, inode: UInt64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
    }
}

/// A source file in the state, with the problems its last parse reported.
public struct FileRecord: Sendable, Equatable {
    public var path: String
    public var stamp: FileStamp
    public var problems: [Rejection]

    public init(path: String, stamp: FileStamp, problems: [Rejection] = []) {
        self.path = path
        self.stamp = stamp
        self.problems = problems
    }
}

/// One entry's row in the state.
public struct StoredEntry: Sendable, Equatable {
    public var key: EntryKey
    public var kind: EntryKind
    public var source: String
    public var title: String
    public var fingerprint: Fingerprint
    /// Effective dates used in feeds (listing items: first seen / last changed).
    public var published: Timestamp
    public var updated: Timestamp
    public var firstSeen: Timestamp
    public var lastChanged: Timestamp
    public var removedAt: Timestamp?
    /// Listing items only: the text sketch that lets edits keep their key.
    public var sketch: [UInt8]?

    public init(key: EntryKey, kind: EntryKind, source: String, title: String, fingerprint: Fingerprint,
                published: Timestamp, updated: Timestamp, firstSeen: Timestamp, lastChanged: Timestamp,
                removedAt: Timestamp? = nil, sketch: [UInt8]? = nil) {
        self.key = key
        self.kind = kind
        self.source = source
        self.title = title
        self.fingerprint = fingerprint
        self.published = published
        self.updated = updated
        self.firstSeen = firstSeen
        self.lastChanged = lastChanged
        self.removedAt = removedAt
        self.sketch = sketch
    }
}

/// Counts for `feedd state` and the daemon's status line.
public struct StateSummary: Sendable, Equatable {
    public var files = 0
    public var rejectedFiles = 0
    public var live: [EntryKind: Int] = [:]
    public var removed = 0
}

/// feedd's memory between runs: one SQLite database (WAL) in the state
/// directory, plus a lock file so two feedd processes never share it.
///
/// Every change happens inside `transaction`: the pipeline writes the feeds
/// inside it and commits only when they are on disk, so the state never
/// records what the feeds do not show.
public final class StateStore {
    public static let schemaVersion = 4
    public let directory: String
    private let db: Database
    private let lockFD: Int32
    private var statements: [String: Statement] = [:]
    /// The statements a first run calls 100,000 times each, without looking them up by their text.
    private var upsertEntryStatement: Statement?
    private var upsertFileStatement: Statement?
    /// `indexedDimensions`, forgotten at every transaction's start (a rollback may undo a change).
    private var cachedDimensions: Set<Facet.Dimension>?

    /// Opens (creating when needed) the state in `directory`.
    ///
    /// - Throws: `StoreError` when the directory cannot be created, another
    ///   feedd holds the lock, or the database is not feedd's.
    public init(directory: String) throws(StoreError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(call: "create \(directory)", code: 0, message: "\(error.localizedDescription); pass --state-dir with a writable directory")
        }
        let lockPath = directory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(call: "open \(lockPath)", code: errno, message: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw StoreError(call: "lock \(lockPath)", code: EWOULDBLOCK,
                             message: "another feedd is using this state directory; stop it or pass another --state-dir")
        }
        lockFD = fd
        do {
            db = try Database(path: directory + "/state.sqlite")
            try migrate()
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit {
        close()
    }

    private var isClosed = false

    /// Closes the database and releases the lock; the store is unusable afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        upsertEntryStatement = nil
        upsertFileStatement = nil
        db.close()
        Glibc.close(lockFD)
    }

    private func migrate() throws(StoreError) {
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        var version: Int64 = 0
        try db.prepare("PRAGMA user_version").forEach { version = $0.int(0) }
        if version < Int64(Self.schemaVersion) {
            // States from before the facets column (schema 3) indexed every
            // dimension: the column is filled from that index, which stays whole.
            var entryColumns = Set<String>()
            try db.prepare("PRAGMA table_info(entries)").forEach { entryColumns.insert($0.text(1)) }
            let addFacets = entryColumns.isEmpty || entryColumns.contains("facets") ? "" : """
                ALTER TABLE entries ADD COLUMN facets TEXT;
                UPDATE entries SET facets = (SELECT group_concat(f.facet, char(31)) FROM facets f WHERE f.key = entries.key);
                INSERT OR REPLACE INTO meta(name, value) VALUES('facet_dimensions', '\(Facet.Dimension.allCases.map(\.rawValue).sorted().joined(separator: ","))');
                """
            // Every statement is idempotent, so older states gain the new tables.
            try db.execute("""
            BEGIN;
            CREATE TABLE IF NOT EXISTS files(
                path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, problems TEXT) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS entries(
                key TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
                fingerprint BLOB NOT NULL, published INTEGER NOT NULL, updated INTEGER NOT NULL,
                first_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL, removed_at INTEGER,
                sketch BLOB, facets TEXT);
            CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS facets(
                facet TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(facet, key)) WITHOUT ROWID;
            \(Self.secondaryIndexes)
            CREATE TABLE IF NOT EXISTS payloads(
                key TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, entry BLOB NOT NULL,
                html TEXT, html_base TEXT) WITHOUT ROWID;
            \(addFacets)
            PRAGMA user_version=\(Self.schemaVersion);
            COMMIT;
            """)
            // States from before the HTML cache (schema 2) gain its columns.
            var columns = Set<String>()
            try db.prepare("PRAGMA table_info(payloads)").forEach { columns.insert($0.text(1)) }
            if !columns.contains("html") {
                try db.execute("ALTER TABLE payloads ADD COLUMN html TEXT; ALTER TABLE payloads ADD COLUMN html_base TEXT;")
            }
        } else if version > Int64(Self.schemaVersion) {
            throw StoreError(call: "open state", code: 0,
                             message: "state schema \(version) is newer than this feedd understands (\(Self.schemaVersion)); use a newer feedd or a fresh --state-dir")
        }
    }

    /// The indexes beside the primary keys; `bulkLoad` builds them after the rows.
    private static let secondaryIndexes = """
        CREATE INDEX IF NOT EXISTS entries_by_feed ON entries(kind, published DESC, key) WHERE removed_at IS NULL;
        CREATE INDEX IF NOT EXISTS entries_by_source ON entries(source);
        CREATE INDEX IF NOT EXISTS facets_by_key ON facets(key);
        """

    private func statement(_ sql: String) throws(StoreError) -> Statement {
        if let s = statements[sql] { return s }
        let s = try db.prepare(sql)
        statements[sql] = s
        return s
    }

    /// `statement(sql)`, kept in `slot` so a hot path skips the lookup by its text.
    private func held(_ slot: inout Statement?, _ sql: String) throws(StoreError) -> Statement {
        if let s = slot { return s }
        let s = try statement(sql)
        slot = s
        return s
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction; commits when it returns, rolls back when it throws.
    ///
    /// - Parameter bulk: the transaction will write many rows (see
    ///   `bulkLoad`). When the state is still empty (a first run), it runs
    ///   with a rollback journal instead of the WAL: the new pages are then
    ///   written once, into the database, instead of into the WAL and again
    ///   by the checkpoint at COMMIT. A crash still leaves the empty state
    ///   (SQLite rolls the journal back when it next opens the file); the WAL
    ///   is back as soon as the transaction ends.
    public func transaction<R>(bulk: Bool = false, _ body: () throws -> R) throws -> R {
        let direct = try bulk && isEmpty()
        if direct { try db.execute("PRAGMA journal_mode=DELETE") }
        defer { if direct { try? db.execute("PRAGMA journal_mode=WAL") } }
        try db.execute("BEGIN IMMEDIATE")
        cachedDimensions = nil
        do {
            let result = try body()
            try db.execute("COMMIT")
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Whether the state holds no file and no entry.
    private func isEmpty() throws(StoreError) -> Bool {
        var empty = false
        try statement("SELECT NOT EXISTS (SELECT 1 FROM entries) AND NOT EXISTS (SELECT 1 FROM files)").bind().forEach { empty = $0.int(0) != 0 }
        return empty
    }

    /// Runs `body`, which writes many rows, inside the current transaction.
    /// When the state holds no entries yet (a first run), the secondary
    /// indexes are dropped first and built once from the finished table,
    /// which is several times faster than updating them row by row; SQLite
    /// gets an 8 MB page cache for the duration (more saved no time). The result is the same
    /// database either way.
    public func bulkLoad<R>(_ body: () throws -> R) throws -> R {
        var empty = false
        try statement("SELECT NOT EXISTS (SELECT 1 FROM entries)").bind().forEach { empty = $0.int(0) != 0 }
        var cacheSize: Int64 = -2000
        try db.prepare("PRAGMA cache_size").forEach { cacheSize = $0.int(0) }
        try db.execute("PRAGMA cache_size=-8192")
        defer { try? db.execute("PRAGMA cache_size=\(cacheSize)") }
        guard empty else { return try body() }
        try db.execute("DROP INDEX IF EXISTS entries_by_feed; DROP INDEX IF EXISTS entries_by_source; DROP INDEX IF EXISTS facets_by_key;")
        let result = try body()
        // Most of the rows are in the database file by now (what did not fit
        // the cache): the disk starts on them while the indexes are built.
        startWriteback()
        try db.execute(Self.secondaryIndexes)
        return result
    }

    /// Starts writing the database file's dirty pages to disk, without
    /// waiting for them: the COMMIT's fsync finds less left to write. Only
    /// ever early what the kernel may write at any moment anyway.
    private func startWriteback() {
        let fd = open(directory + "/state.sqlite", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = feedd_start_writeback(fd)
        Glibc.close(fd)
    }

    /// Inside `transaction`: writes what it changed so far to the WAL (or,
    /// in a bulk first run, to the database behind its journal), still
    /// uncommitted. A full or read-only disk fails here, not at COMMIT, so a
    /// caller that flushes before publishing and commits after it rarely
    /// meets a COMMIT that fails once the feeds are out: what is left to
    /// write then is one commit frame.
    public func flush() throws(StoreError) {
        try db.cacheFlush()
    }

    // MARK: Files

    public func files() throws(StoreError) -> [String: FileRecord] {
        var out: [String: FileRecord] = [:]
        try statement("SELECT path, size, mtime_ns, ctime_ns, inode, problems FROM files").bind().forEach { row in
            let path = row.text(0)
            let stamp = FileStamp(size: row.int(1), mtimeNanoseconds: row.int(2), ctimeNanoseconds: row.int(3),
                                  inode: UInt64(bitPattern: row.int(4)))
            let problems = row.isNull(5) ? [] : decodeProblems(row.text(5), path: path)
            out[path] = FileRecord(path: path, stamp: stamp, problems: problems)
        }
        return out
    }

    /// Whether the state remembers any source file (false on a first run).
    public func knowsFiles() throws(StoreError) -> Bool {
        var any = false
        try statement("SELECT EXISTS (SELECT 1 FROM files)").bind().forEach { any = $0.int(0) != 0 }
        return any
    }

    /// Calls `body` with every file record, without collecting them.
    public func forEachFile(_ body: (FileRecord) -> Void) throws(StoreError) {
        try statement("SELECT path, size, mtime_ns, ctime_ns, inode, problems FROM files").bind().forEach { row in
            let path = row.text(0)
            let stamp = FileStamp(size: row.int(1), mtimeNanoseconds: row.int(2), ctimeNanoseconds: row.int(3),
                                  inode: UInt64(bitPattern: row.int(4)))
            body(FileRecord(path: path, stamp: stamp, problems: row.isNull(5) ? [] : decodeProblems(row.text(5), path: path)))
        }
    }

    /// One file's record, or nil when feedd has not seen it.
    public func file(path: String) throws(StoreError) -> FileRecord? {
        var out: FileRecord?
        try statement("SELECT path, size, mtime_ns, ctime_ns, inode, problems FROM files WHERE path = ?").bind(.text(path)).forEach { row in
            let stamp = FileStamp(size: row.int(1), mtimeNanoseconds: row.int(2), ctimeNanoseconds: row.int(3),
                                  inode: UInt64(bitPattern: row.int(4)))
            out = FileRecord(path: path, stamp: stamp, problems: row.isNull(5) ? [] : decodeProblems(row.text(5), path: path))
        }
        return out
    }

    /// Paths of known files at `path` or below it (a removed directory).
    public func filePaths(under path: String) throws(StoreError) -> [String] {
        var out: [String] = []
        // Range scan on the primary key: "dir/" ..< "dir0" ('0' follows '/').
        try statement("SELECT path FROM files WHERE path = ? OR (path >= ? AND path < ?)")
            .bind(.text(path), .text(path + "/"), .text(path + "0")).forEach { out.append($0.text(0)) }
        return out
    }

    public func put(file: FileRecord) throws(StoreError) {
        let s = try held(&upsertFileStatement, "INSERT OR REPLACE INTO files(path, size, mtime_ns, ctime_ns, inode, problems) VALUES(?,?,?,?,?,?)")
        let problems = file.problems.isEmpty ? nil : encodeProblems(file.problems)
        s.start(bytes: file.path.utf8.count + (problems?.utf8.count ?? 0))
        try s.bind(1, text: file.path)
        try s.bind(2, int: file.stamp.size)
        try s.bind(3, int: file.stamp.mtimeNanoseconds)
        try s.bind(4, int: file.stamp.ctimeNanoseconds)
        try s.bind(5, int: Int64(bitPattern: file.stamp.inode))
        if let problems { try s.bind(6, text: problems) } else { try s.bindNull(6) }
        try s.run()
    }

    public func deleteFile(path: String) throws(StoreError) {
        try statement("DELETE FROM files WHERE path = ?").bind(.text(path)).run()
    }

    // MARK: Entries

    private static let entryColumns = "key, kind, source, title, fingerprint, published, updated, first_seen, last_changed, removed_at, sketch"
    // Built once: statements are looked up by their SQL text on every call.
    private static let selectAll = "SELECT \(entryColumns) FROM entries"
    private static let selectByKey = "SELECT \(entryColumns) FROM entries WHERE key = ?"
    private static let selectBySource = "SELECT \(entryColumns) FROM entries WHERE source = ?"
    private static let upsertEntry = "INSERT OR REPLACE INTO entries(\(entryColumns), facets) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
    private static let selectNewest = "SELECT \(entryColumns) FROM entries INDEXED BY entries_by_feed WHERE kind = ? AND removed_at IS NULL ORDER BY published DESC, key ASC LIMIT ?"

    private func entry(_ row: Row) -> StoredEntry {
        StoredEntry(key: EntryKey(rawValue: row.text(0)), kind: EntryKind(rawValue: row.text(1)) ?? .publication,
                    source: row.text(2), title: row.text(3), fingerprint: row.fingerprint(4),
                    published: Timestamp(seconds: row.int(5)), updated: Timestamp(seconds: row.int(6)),
                    firstSeen: Timestamp(seconds: row.int(7)), lastChanged: Timestamp(seconds: row.int(8)),
                    removedAt: row.isNull(9) ? nil : Timestamp(seconds: row.int(9)),
                    sketch: row.isNull(10) ? nil : row.blob(10))
    }

    /// Every entry, live and removed.
    public func allEntries() throws(StoreError) -> [EntryKey: StoredEntry] {
        var out: [EntryKey: StoredEntry] = [:]
        try statement(Self.selectAll).bind().forEach { let e = entry($0); out[e.key] = e }
        return out
    }

    public func entries(keys: some Sequence<EntryKey>) throws(StoreError) -> [EntryKey: StoredEntry] {
        var out: [EntryKey: StoredEntry] = [:]
        let s = try statement(Self.selectByKey)
        for key in keys {
            try s.bind(.text(key.rawValue)).forEach { out[key] = entry($0) }
        }
        return out
    }

    /// Entries whose source is `path` (live and removed).
    public func entries(source path: String) throws(StoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        try statement(Self.selectBySource).bind(.text(path)).forEach { out.append(entry($0)) }
        return out
    }

    /// Writes an entry's row, with every facet it has (`country:US`, `tag:llm`, …);
    /// `setFacets` keeps the index of the dimensions feeds group by.
    public func put(entry e: StoredEntry, facets: [Facet] = []) throws(StoreError) {
        // Bound value by value: a first run writes 100,000 of these.
        let s = try held(&upsertEntryStatement, Self.upsertEntry)
        let facetText = facets.isEmpty ? nil : Self.encodeFacets(facets)
        s.start(bytes: e.key.rawValue.utf8.count + e.kind.rawValue.utf8.count + e.source.utf8.count + e.title.utf8.count + 32
                + (e.sketch?.count ?? 0) + (facetText?.utf8.count ?? 0))
        try s.bind(1, text: e.key.rawValue)
        try s.bind(2, text: e.kind.rawValue)
        try s.bind(3, text: e.source)
        try s.bind(4, text: e.title)
        try s.bind(5, digest: e.fingerprint)
        try s.bind(6, int: e.published.seconds)
        try s.bind(7, int: e.updated.seconds)
        try s.bind(8, int: e.firstSeen.seconds)
        try s.bind(9, int: e.lastChanged.seconds)
        if let removed = e.removedAt { try s.bind(10, int: removed.seconds) } else { try s.bindNull(10) }
        if let sketch = e.sketch { try s.bind(11, blob: sketch) } else { try s.bindNull(11) }
        if let facetText { try s.bind(12, text: facetText) } else { try s.bindNull(12) }
        try s.run()
    }

    /// Replaces an entry's rows in the facet index, for the indexed dimensions only (see `indexFacets`).
    /// - Parameter replacing: false for an entry the state has never held (nothing to delete).
    public func setFacets(key: EntryKey, _ facets: [Facet], replacing: Bool = true) throws(StoreError) {
        let dimensions = try indexedDimensions()
        guard !dimensions.isEmpty else { return }  // no index to keep
        if replacing { try statement("DELETE FROM facets WHERE key = ?").bind(.text(key.rawValue)).run() }
        let insert = try statement("INSERT OR IGNORE INTO facets(facet, key) VALUES(?, ?)")
        for facet in facets where dimensions.contains(facet.dimension) {
            try insert.bind(.text(facet.description), .text(key.rawValue)).run()
        }
    }

    /// Makes the facet index cover exactly `dimensions` (the ones feeds
    /// group by): a run that groups by nothing writes no index rows at all.
    /// When the set changes, the index is rebuilt from the entries' own
    /// `facets` column. Call inside `transaction`.
    public func indexFacets(_ dimensions: Set<Facet.Dimension>) throws(StoreError) {
        guard try indexedDimensions() != dimensions else { return }
        try db.execute("DELETE FROM facets")
        let insert = try statement("INSERT OR IGNORE INTO facets(facet, key) VALUES(?, ?)")
        if !dimensions.isEmpty {
            var rows: [(String, String)] = []
            try statement("SELECT key, facets FROM entries WHERE facets IS NOT NULL").bind().forEach { row in
                let key = row.text(0)
                for facet in Self.decodeFacets(row.text(1)) where dimensions.contains(facet.dimension) {
                    rows.append((facet.description, key))
                }
            }
            rows.sort { $0 < $1 }
            for (facet, key) in rows { try insert.bind(.text(facet), .text(key)).run() }
        }
        let value = dimensions.map(\.rawValue).sorted().joined(separator: ",")
        try statement("INSERT OR REPLACE INTO meta(name, value) VALUES('facet_dimensions', ?)").bind(.text(value)).run()
        cachedDimensions = dimensions
    }

    /// The dimensions the facet index holds; read once per transaction.
    private func indexedDimensions() throws(StoreError) -> Set<Facet.Dimension> {
        if let cachedDimensions { return cachedDimensions }
        var out = Set<Facet.Dimension>()
        try statement("SELECT value FROM meta WHERE name = 'facet_dimensions'").bind().forEach { row in
            for name in row.text(0).split(separator: ",") { if let d = Facet.Dimension(rawValue: String(name)) { out.insert(d) } }
        }
        cachedDimensions = out
        return out
    }

    /// Facets joined by U+001F, a character no accepted value can hold.
    private static func encodeFacets(_ facets: [Facet]) -> String {
        let length = facets.reduce(0) { $0 + $1.dimension.rawValue.utf8.count + $1.value.utf8.count + 2 } - 1
        guard length > 0 else { return "" }
        // Copied byte for byte into one string (appending piece by piece cost more than the rest of the row).
        return String(unsafeUninitializedCapacity: length) { out in
            var o = 0
            func put(_ text: String) {
                var text = text
                text.withUTF8 { bytes in
                    for b in bytes { out[o] = b; o += 1 }
                }
            }
            for facet in facets {
                if o > 0 { out[o] = 0x1F; o += 1 }
                put(facet.dimension.rawValue)
                out[o] = UInt8(ascii: ":")
                o += 1
                put(facet.value)
            }
            return o
        }
    }

    private static func decodeFacets(_ text: String) -> [Facet] {
        text.split(separator: "\u{1F}").compactMap { Facet(stored: String($0)) }
    }

    /// Every facet of `dimension` among entries of `kind`, removed ones
    /// included, so a category whose last entry left still gets its (now empty) feed.
    public func facets(kind: EntryKind, dimension: Facet.Dimension) throws(StoreError) -> [Facet] {
        var out: [Facet] = []
        let prefix = dimension.rawValue + ":"
        try statement("""
            SELECT DISTINCT f.facet FROM facets f JOIN entries e ON e.key = f.key
            WHERE e.kind = ? AND f.facet >= ? AND f.facet < ? ORDER BY f.facet
            """).bind(.text(kind.rawValue), .text(prefix), .text(dimension.rawValue + ";"))
            .forEach { if let f = Facet(stored: $0.text(0)) { out.append(f) } }
        return out
    }

    /// The newest live entries of a kind that carry `facet`.
    public func newest(kind: EntryKind, facet: Facet, limit: Int) throws(StoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        let columns = Self.entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        try statement("""
            SELECT \(columns) FROM facets f JOIN entries e ON e.key = f.key
            WHERE f.facet = ? AND e.kind = ? AND e.removed_at IS NULL ORDER BY e.published DESC, e.key ASC LIMIT ?
            """).bind(.text(facet.description), .text(kind.rawValue), .int(Int64(limit))).forEach { out.append(entry($0)) }
        return out
    }

    /// When entries of a feed last changed (added, edited or removed), for an
    /// empty feed's `updated`; a fixed plausible date when nothing ever did.
    public func lastChange(kind: EntryKind, facet: Facet?) throws(StoreError) -> Timestamp {
        var out: Int64 = 0
        if let facet {
            try statement("""
                SELECT max(max(e.last_changed, coalesce(e.removed_at, 0))) FROM facets f JOIN entries e ON e.key = f.key
                WHERE f.facet = ? AND e.kind = ?
                """).bind(.text(facet.description), .text(kind.rawValue)).forEach { out = $0.int(0) }
        } else {
            try statement("SELECT max(max(last_changed, coalesce(removed_at, 0))) FROM entries WHERE kind = ?")
                .bind(.text(kind.rawValue)).forEach { out = $0.int(0) }
        }
        return out > 0 ? Timestamp(seconds: out) : Self.beforeAnything
    }

    /// 2000-01-01T00:00:00Z: feed validators flag dates before 1990 as implausible.
    public static let beforeAnything = Timestamp(seconds: 946_684_800)

    public func markRemoved(key: EntryKey, at time: Timestamp) throws(StoreError) {
        try statement("UPDATE entries SET removed_at = ? WHERE key = ?").bind(.int(time.seconds), .text(key.rawValue)).run()
    }

    /// The newest live entries of a kind: what a feed with that cap shows.
    public func newest(kind: EntryKind, limit: Int) throws(StoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        try statement(Self.selectNewest)
            .bind(.text(kind.rawValue), .int(Int64(limit))).forEach { out.append(entry($0)) }
        return out
    }

    // MARK: Payloads of published entries

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

    /// Keeps exactly `entries` as the published payloads, each with the
    /// HTML its body rendered to (so an unchanged entry is not rendered again).
    public func setPublished(_ entries: [(entry: Entry, html: String?)], htmlBase: String) throws(StoreError) {
        try db.execute("CREATE TEMP TABLE IF NOT EXISTS keep(key TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM keep;")
        let keep = try statement("INSERT OR IGNORE INTO temp.keep(key) VALUES(?)")
        let upsert = try statement("INSERT OR REPLACE INTO payloads(key, fingerprint, entry, html, html_base) VALUES(?,?,?,?,?)")
        let current = try statement("SELECT fingerprint, html_base, html IS NOT NULL FROM payloads WHERE key = ?")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (e, html) in entries {
            try keep.bind(.text(e.key.rawValue)).run()
            let fp = e.fingerprint
            var same = false
            try current.bind(.text(e.key.rawValue)).forEach {
                same = $0.fingerprint(0) == fp && (html == nil || (!$0.isNull(1) && $0.text(1) == htmlBase && $0.int(2) != 0))
            }
            if same { continue }
            let data = (try? encoder.encode(e)) ?? Data()
            try upsert.bind(.text(e.key.rawValue), .digest(fp), .blob(Array(data)),
                            html.map { .text($0) } ?? .null, html == nil ? .null : .text(htmlBase)).run()
        }
        try db.execute("DELETE FROM payloads WHERE key NOT IN (SELECT key FROM temp.keep)")
    }

    // MARK: Reporting

    /// - Parameter detailed: also count rejected files and removed entries,
    ///   which reads every row; without it (the daemon's status line after
    ///   every run) only indexes and page counts are read.
    public func summary(detailed: Bool = true) throws(StoreError) -> StateSummary {
        var s = StateSummary()
        if detailed {
            try statement("SELECT count(*), count(problems) FROM files").bind().forEach {
                s.files = Int($0.int(0))
                s.rejectedFiles = Int($0.int(1))
            }
            try statement("SELECT count(*) FROM entries WHERE removed_at IS NOT NULL").bind().forEach { s.removed = Int($0.int(0)) }
        } else {
            try statement("SELECT count(*) FROM files").bind().forEach { s.files = Int($0.int(0)) }
        }
        for kind in EntryKind.allCases {
            try statement("SELECT count(*) FROM entries WHERE kind = ? AND removed_at IS NULL").bind(.text(kind.rawValue)).forEach {
                if $0.int(0) > 0 { s.live[kind] = Int($0.int(0)) }
            }
        }
        return s
    }

    /// Every entry ordered for people: kind, newest first.
    public func listing(includeRemoved: Bool) throws(StoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        let filter = includeRemoved ? "" : "WHERE removed_at IS NULL"
        try statement("SELECT \(Self.entryColumns) FROM entries \(filter) ORDER BY kind, published DESC, key").bind()
            .forEach { out.append(entry($0)) }
        return out
    }

    /// `PRAGMA integrity_check`: "ok" when the database is sound.
    public func integrityCheck() throws(StoreError) -> String {
        var lines: [String] = []
        try db.prepare("PRAGMA integrity_check").forEach { lines.append($0.text(0)) }
        return lines.joined(separator: "\n")
    }

    private func encodeProblems(_ problems: [Rejection]) -> String {
        problems.map { "\($0.line ?? 0)\t\($0.message.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n")
    }

    private func decodeProblems(_ text: String, path: String) -> [Rejection] {
        text.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let n = Int(parts.first ?? "") ?? 0
            return Rejection(source: path, line: n == 0 ? nil : n, message: parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
