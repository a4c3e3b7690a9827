import Foundation
import FeedModel
import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// feedd's memory between runs: one SQLite database (WAL) in the state
/// directory, plus a lock file so two feedd processes never share it.
///
/// It holds what the source tree was (`files`), what it yielded (`entries`,
/// each with its facets, which per-category feeds are read from; `claims`
/// of other files on their keys that lost), and what the
/// feeds last showed (`feeds`, `feed_items`, `outputs`, and the `payloads`
/// of the entries shown), so a run does only the work a change needs.
///
/// Every change happens inside `transaction`: the pipeline writes the feeds
/// inside it and commits only when they are on disk, so the state never
/// records what the feeds do not show.
public final class StateStore {
    public let directory: String
    let db: Database
    /// The lock file, or -1 for a reader (`init(readingFrom:)`).
    private let lockFD: Int32
    private var statements: [String: Statement] = [:]

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
            try Self.migrate(db)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Opens the state in `directory` for reading only, without its lock,
    /// beside a running feedd (`feedd state`): SQLite's WAL lets a reader see
    /// the last committed run while the daemon writes the next.
    ///
    /// - Throws: `StoreError` when there is no state, or it was written by
    ///   another schema version (a reader cannot upgrade it).
    public init(readingFrom directory: String) throws(StoreError) {
        self.directory = directory
        lockFD = -1
        db = try Database(path: directory + "/state.sqlite", readOnly: true)
        var version: Int64 = 0
        try db.prepare("PRAGMA user_version").forEach { version = $0.int(0) }
        guard version == Int64(Self.schemaVersion) else {
            db.close()
            throw StoreError(call: "open state", code: 0,
                             message: "state schema \(version) is not this feedd's (\(Self.schemaVersion)); run `feedd --once` with this feedd first (it upgrades the state), or use the feedd that wrote it")
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
        db.close()
        if lockFD >= 0 { Glibc.close(lockFD) }
    }

    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let s = statements[sql] { return s }
        let s = try db.prepare(sql)
        statements[sql] = s
        return s
    }

    // MARK: Schema

    /// The schema's history: migration N takes a state at version N − 1 to
    /// version N. A new state runs them all; an older one the ones it lacks,
    /// each in its own transaction with `PRAGMA user_version`. Never edit a
    /// migration that has shipped: add the next one.
    static let migrations: [String] = [
        // 1: files, entries, the payloads of published entries.
        """
        CREATE TABLE files(
            path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, problems TEXT) WITHOUT ROWID;
        CREATE TABLE entries(
            key TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
            fingerprint BLOB NOT NULL, published INTEGER NOT NULL, updated INTEGER NOT NULL,
            first_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL, removed_at INTEGER,
            sketch BLOB);
        CREATE INDEX entries_by_feed ON entries(kind, published DESC, key) WHERE removed_at IS NULL;
        CREATE INDEX entries_by_source ON entries(source);
        CREATE TABLE payloads(key TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, entry BLOB NOT NULL) WITHOUT ROWID;
        """,
        // 2: the facet index of per-category feeds.
        """
        CREATE TABLE facets(facet TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(facet, key)) WITHOUT ROWID;
        CREATE INDEX facets_by_key ON facets(key);
        """,
        // 3: each payload's rendered HTML, with what it was rendered for.
        "ALTER TABLE payloads ADD COLUMN html TEXT; ALTER TABLE payloads ADD COLUMN html_base TEXT;",
        // 4: each entry's facets in its row; the index then covers only the
        // dimensions feeds group by (until now it held all of them).
        """
        ALTER TABLE entries ADD COLUMN facets TEXT;
        UPDATE entries SET facets = (SELECT group_concat(f.facet, char(31)) FROM facets f WHERE f.key = entries.key);
        CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta(name, value) VALUES('facet_dimensions', '\(Facet.Dimension.allCases.map(\.rawValue).sorted().joined(separator: ","))');
        """,
        // 5: what the feeds last showed, so a run renders only what a change
        // touches; each file's device and link count (hard links are one
        // file). The facet index goes: per-category feeds read the facets in
        // the entries' rows, newest first (400,000 index rows were a first
        // run's costliest writes with every feed grouped).
        """
        DROP TABLE facets;
        DELETE FROM meta WHERE name = 'facet_dimensions';
        ALTER TABLE files ADD COLUMN device INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE files ADD COLUMN links INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE feeds(name TEXT PRIMARY KEY, base TEXT NOT NULL, facet TEXT, entries INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE feed_items(feed TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(feed, key)) WITHOUT ROWID;
        CREATE INDEX feed_items_by_key ON feed_items(key);
        CREATE TABLE outputs(file TEXT PRIMARY KEY, feed TEXT NOT NULL, size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX files_by_inode ON files(inode);
        """,
        // 6: the timeline (issue 14): closing dates, field digests, entries
        // never shown (closed before first seen), claims that lost to another
        // file, and indexes for the entries the clock closes or lets go.
        """
        ALTER TABLE entries ADD COLUMN closes INTEGER;
        ALTER TABLE entries ADD COLUMN digests BLOB;
        ALTER TABLE entries ADD COLUMN shown INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE claims(key TEXT NOT NULL, source TEXT NOT NULL, line INTEGER, PRIMARY KEY(key, source)) WITHOUT ROWID;
        CREATE INDEX claims_by_source ON claims(source);
        CREATE INDEX entries_closed ON entries(kind, removed_at) WHERE removed_at IS NOT NULL;
        CREATE INDEX entries_closing ON entries(closes) WHERE closes IS NOT NULL AND removed_at IS NULL;
        """,
        // 7: RFC 5005 archives (issue 16): each archived entry's place in its
        // feed's archive, and the `updated` it was archived with.
        """
        CREATE TABLE archive(feed TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, updated INTEGER NOT NULL,
            PRIMARY KEY(feed, key)) WITHOUT ROWID;
        CREATE UNIQUE INDEX archive_by_seq ON archive(feed, seq);
        """,
    ]

    /// The schema version this feedd writes.
    public static var schemaVersion: Int { migrations.count }

    private static func migrate(_ db: Database) throws(StoreError) {
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        var version: Int64 = 0
        try db.prepare("PRAGMA user_version").forEach { version = $0.int(0) }
        guard version <= Int64(schemaVersion) else {
            throw StoreError(call: "open state", code: 0,
                             message: "state schema \(version) is newer than this feedd understands (\(schemaVersion)); use a newer feedd or a fresh --state-dir")
        }
        for (index, sql) in migrations.enumerated() where index >= version {
            try db.execute("BEGIN; \(sql) PRAGMA user_version=\(index + 1); COMMIT;")
        }
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

    /// The indexes beside the primary keys that every row of a first run
    /// enters, which `bulkLoad` builds after the rows. The two partial
    /// indexes of closings (only jobs with a closing date, none removed yet)
    /// stay: kept up row by row they cost less than two more passes over the table.
    private static let secondaryIndexes = """
        CREATE INDEX IF NOT EXISTS entries_by_feed ON entries(kind, published DESC, key) WHERE removed_at IS NULL;
        CREATE INDEX IF NOT EXISTS entries_by_source ON entries(source);
        CREATE INDEX IF NOT EXISTS files_by_inode ON files(inode);
        """

    /// Runs `body`, which writes many rows, inside the current transaction.
    /// When the state holds no entries yet (a first run), the indexes every
    /// row enters are dropped first and built once from the finished table,
    /// several times faster than updating them row by row; SQLite gets an
    /// 8 MB page cache for the duration. The result is the same database either way.
    public func bulkLoad<R>(_ body: () throws -> R) throws -> R {
        let empty = try !hasEntries()
        var cacheSize: Int64 = -2000
        try db.prepare("PRAGMA cache_size").forEach { cacheSize = $0.int(0) }
        try db.execute("PRAGMA cache_size=-8192")
        defer { try? db.execute("PRAGMA cache_size=\(cacheSize)") }
        guard empty else { return try body() }
        try db.execute("DROP INDEX IF EXISTS entries_by_feed; DROP INDEX IF EXISTS entries_by_source; DROP INDEX IF EXISTS files_by_inode;")
        let result = try body()
        try db.execute(Self.secondaryIndexes)
        return result
    }

    /// Inside `transaction`: writes what it changed so far to the WAL (or,
    /// in a bulk first run, to the database behind its journal), still
    /// uncommitted. A full or read-only disk fails here, not at COMMIT, so a
    /// caller that flushes before publishing and commits after it rarely
    /// meets a COMMIT that fails once the feeds are out.
    public func flush() throws(StoreError) {
        try db.cacheFlush()
    }

    /// `PRAGMA integrity_check`: "ok" when the database is sound.
    public func integrityCheck() throws(StoreError) -> String {
        var lines: [String] = []
        try db.prepare("PRAGMA integrity_check").forEach { lines.append($0.text(0)) }
        return lines.joined(separator: "\n")
    }

    // MARK: Meta

    func meta(_ name: String) throws(StoreError) -> String? {
        var out: String?
        try statement("SELECT value FROM meta WHERE name = ?").bind(.text(name)).forEach { out = $0.text(0) }
        return out
    }

    func setMeta(_ name: String, _ value: String) throws(StoreError) {
        try statement("INSERT OR REPLACE INTO meta(name, value) VALUES(?, ?)").bind(.text(name), .text(value)).run()
    }
}
