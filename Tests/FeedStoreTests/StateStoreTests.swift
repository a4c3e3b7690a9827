import Foundation
import Synchronization
import Testing
import CSQLite
import FeedModel
@testable import FeedStore

/// The state on real temp directories: crash-safe rows, one entry at a time, locking.
struct StateStoreTests {
    /// A new directory, removed when the test process exits.
    static func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-store-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TempDirectories.removeAtExit(dir)
        return dir
    }

    static func stored(_ key: String, kind: EntryKind = .publication, day: Int64, facets: [Facet] = []) -> StoredEntry {
        StoredEntry(key: EntryKey(rawValue: key), kind: kind, source: "\(key).md", title: "Title \(key)",
                    fingerprint: Fingerprint(ofText: key), published: Timestamp(seconds: day * 86_400),
                    updated: Timestamp(seconds: day * 86_400), firstSeen: Timestamp(seconds: 1), lastChanged: Timestamp(seconds: 2),
                    facets: facets)
    }

    @Test func entriesSurviveReopening() throws {
        let dir = Self.tempDir()
        do {
            let store = try StateStore(directory: dir)
            try store.transaction {
                for i in 0..<10 { try store.put(entry: Self.stored("k\(i)", day: Int64(i))) }
                try store.put(file: FileRecord(path: "a.md", stamp: FileStamp(size: 1, mtimeNanoseconds: 2, ctimeNanoseconds: 3, device: 9, inode: 4, links: 2),
                                               problems: [Rejection(source: "a.md", line: 3, message: "bad\tdate")]))
            }
        }
        let store = try StateStore(directory: dir)
        #expect(try store.allEntries().count == 10)
        #expect(try store.entries(keys: [EntryKey(rawValue: "k3")])[EntryKey(rawValue: "k3")] == Self.stored("k3", day: 3))
        let files = try store.files()
        #expect(files["a.md"]?.stamp == FileStamp(size: 1, mtimeNanoseconds: 2, ctimeNanoseconds: 3, device: 9, inode: 4, links: 2))
        #expect(try store.filePaths(of: FileIdentity(device: 9, inode: 4)) == ["a.md"])
        #expect(try store.filePaths(of: FileIdentity(device: 8, inode: 4)).isEmpty)
        #expect(files["a.md"]?.problems == [Rejection(source: "a.md", line: 3, message: "bad\tdate")])
        #expect(try store.integrityCheck() == "ok")
    }

    /// The process-wide setting is made before the first connection (after it SQLite ignores it):
    /// with memory statistics off, SQLite counts nothing however much it allocates.
    @Test func sqliteKeepsNoMemoryStatistics() throws {
        let store = try StateStore(directory: Self.tempDir())
        try store.transaction {
            for day in 0..<200 { try store.put(entry: Self.stored("k\(day)", day: Int64(day))) }
        }
        #expect(sqlite3_memory_used() == 0)
        #expect(sqlite3_memory_highwater(0) == 0)
    }

    @Test func emptyAndNonASCIITextRoundTrip() throws {
        let store = try StateStore(directory: Self.tempDir())
        var e = Self.stored("ü-1", day: 1)
        e.title = ""
        e.source = "dir/ünï cödé.md"
        try store.transaction { try store.put(entry: e) }
        #expect(try store.entries(keys: [e.key])[e.key] == e)
    }

    /// Bound text and blobs are copied by SQLite: the same rows whatever
    /// the values' storage, empty text and blobs included (never NULL).
    @Test func boundValuesRoundTrip() throws {
        let db = try Database(path: Self.tempDir() + "/t.sqlite")
        try db.execute("CREATE TABLE t(a TEXT, b BLOB, c INTEGER, d TEXT, e TEXT, f BLOB)")
        let insert = try db.prepare("INSERT INTO t VALUES(?,?,?,?,?,?)")
        let long = String(repeating: "ü", count: 300)
        for i in 0..<4 {
            try insert.bind(.text(long + "\(i)"), .blob([1, 2, 3]), .int(Int64(i)), .text(""), .null, .blob([])).run()
        }
        var rows = 0
        try db.prepare("SELECT a, b, c, d, d IS NULL, e IS NULL, f IS NULL, length(f) FROM t ORDER BY c").forEach { row in
            #expect(row.text(0) == long + "\(rows)")
            #expect(row.blob(1) == [1, 2, 3])
            #expect(row.text(3) == "" && row.int(4) == 0 && row.int(5) == 1)
            #expect(row.int(6) == 0 && row.int(7) == 0, "an empty blob is a blob, not NULL")
            rows += 1
        }
        #expect(rows == 4)
    }

    /// Per-category feeds read the facets in the rows: the newest live
    /// entries of each facet asked for, every facet a kind ever had (removed
    /// entries' too), and when a category last changed.
    @Test func categoriesAreReadFromTheRows() throws {
        let store = try StateStore(directory: Self.tempDir())
        let us = Facet(.country, "US"), fr = Facet(.country, "FR"), paris = Facet(.city, "Paris"), llm = Facet(.tag, "llm")
        try store.transaction {
            try store.put(entry: Self.stored("a", kind: .job, day: 1, facets: [us, llm]))
            try store.put(entry: Self.stored("b", kind: .job, day: 2, facets: [fr, paris]))
            try store.put(entry: Self.stored("c", kind: .job, day: 3, facets: [us]))
            try store.put(entry: Self.stored("p", kind: .publication, day: 9, facets: [llm]))
            var gone = Self.stored("d", kind: .job, day: 4, facets: [Facet(.team, "Optics"), us])
            gone.removedAt = Timestamp(seconds: 99 * 86_400)
            try store.put(entry: gone)
        }
        let newest = try store.newest(kind: .job, facets: [us, paris, llm, Facet(.team, "Optics")], limit: 5)
        #expect(newest[us]?.map(\.key.rawValue) == ["c", "a"], "newest first, the removed one left out")
        #expect(newest[paris]?.map(\.key.rawValue) == ["b"])
        #expect(newest[llm]?.map(\.key.rawValue) == ["a"], "the publication's llm is another kind's")
        #expect(newest[Facet(.team, "Optics")] == nil)
        #expect(try store.newest(kind: .job, facets: [us], limit: 1)[us]?.map(\.key.rawValue) == ["c"])
        #expect(try store.facets(kind: .job) == [us, fr, paris, llm, Facet(.team, "Optics")])
        #expect(try store.lastChange(kind: .job, facet: Facet(.team, "Optics")) == Timestamp(seconds: 99 * 86_400))
        #expect(try store.lastChange(kind: .job, facet: Facet(.team, "Opt")) == StateStore.beforeAnything, "whole values only")
    }

    @Test func aSchema3StateKeepsItsFacets() throws {
        let dir = Self.tempDir()
        do {
            // The tables as feedd wrote them before the facets column.
            let db = try Database(path: dir + "/state.sqlite")
            try db.execute("""
                PRAGMA journal_mode=WAL;
                CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                    ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, problems TEXT) WITHOUT ROWID;
                CREATE TABLE entries(key TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
                    fingerprint BLOB NOT NULL, published INTEGER NOT NULL, updated INTEGER NOT NULL,
                    first_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL, removed_at INTEGER, sketch BLOB);
                CREATE INDEX entries_by_feed ON entries(kind, published DESC, key) WHERE removed_at IS NULL;
                CREATE INDEX entries_by_source ON entries(source);
                CREATE TABLE facets(facet TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(facet, key)) WITHOUT ROWID;
                CREATE TABLE payloads(key TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, entry BLOB NOT NULL,
                    html TEXT, html_base TEXT) WITHOUT ROWID;
                INSERT INTO entries VALUES('j1', 'job', 'j1.md', 'Role', x'00', 86400, 86400, 1, 2, NULL, NULL);
                INSERT INTO facets VALUES('country:US', 'j1'), ('team:Optics', 'j1');
                PRAGMA user_version=3;
                """)
            db.close()
        }
        let store = try StateStore(directory: dir)
        #expect(try store.facets(kind: .job) == [Facet(.country, "US"), Facet(.team, "Optics")])
        #expect(try store.allEntries()[EntryKey(rawValue: "j1")]?.facets.sorted() == [Facet(.country, "US"), Facet(.team, "Optics")])
        #expect(try store.newest(kind: .job, facets: [Facet(.team, "Optics")], limit: 3)[Facet(.team, "Optics")]?.count == 1)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func aBulkLoadGivesTheSameRowsAndIndexes() throws {
        let store = try StateStore(directory: Self.tempDir())
        // First into an empty state (indexes rebuilt), then into a filled one (kept).
        for round in 0..<2 {
            try store.transaction {
                try store.bulkLoad {
                    for i in 0..<100 { try store.put(entry: Self.stored(String(format: "r\(round)-%03d", i), day: Int64(i))) }
                }
            }
        }
        #expect(try store.allEntries().count == 200)
        #expect(try store.newest(kind: .publication, limit: 2).map(\.key.rawValue) == ["r0-099", "r1-099"])
        #expect(try store.entries(source: "r1-007.md").map(\.key.rawValue) == ["r1-007"])
        #expect(try store.integrityCheck() == "ok")
        // A rolled-back bulk load leaves the indexes in place (`newest` names one with INDEXED BY).
        let fresh = try StateStore(directory: Self.tempDir())
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try fresh.transaction { try fresh.bulkLoad { () throws -> Void in throw Boom() } }
        }
        #expect(try fresh.newest(kind: .publication, limit: 1).isEmpty)
    }

    @Test func aFailedTransactionLeavesNoTrace() throws {
        let store = try StateStore(directory: Self.tempDir())
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.transaction {
                try store.put(entry: Self.stored("x", day: 1))
                throw Boom()
            }
        }
        #expect(try store.allEntries().isEmpty)
    }

    @Test func newestIsOrderedAndSkipsRemoved() throws {
        let store = try StateStore(directory: Self.tempDir())
        try store.transaction {
            for i in 0..<100 { try store.put(entry: Self.stored(String(format: "p%03d", i), day: Int64(i % 50))) }
            try store.put(entry: Self.stored("job", kind: .job, day: 999))
            var removed = Self.stored("p049", day: 49)
            removed.removedAt = Timestamp(seconds: 5)
            try store.put(entry: removed)
        }
        let top = try store.newest(kind: .publication, limit: 3).map(\.key.rawValue)
        // day 49 has p049 (removed) and p099; day 48 has p048 and p098: ties by key.
        #expect(top == ["p099", "p048", "p098"])
        #expect(try store.summary().removed == 1)
        #expect(try store.summary().live[.job] == 1)
    }

    @Test func payloadsAreKeptForTheEntriesFeedsShow() throws {
        let store = try StateStore(directory: Self.tempDir())
        let a = Entry(key: EntryKey(rawValue: "a"), kind: .publication, title: "A", body: "body a", source: "a.md")
        let b = Entry(key: EntryKey(rawValue: "b"), kind: .job, title: "B", body: "body b", source: "b.md")
        try store.transaction {
            try store.savePayloads([.init(entry: a, html: "<p>a</p>"), .init(entry: b, html: "<p>b</p>")], htmlBase: "https://x/|1")
            try store.record(feed: FeedRecord(name: "all", base: "all", facet: nil, entries: 2), showing: [a.key, b.key])
        }
        #expect(try store.payload(key: a.key, fingerprint: a.fingerprint, htmlBase: "https://x/|1")?.entry == a)
        #expect(try store.payload(key: a.key, fingerprint: a.fingerprint, htmlBase: "https://x/|1")?.html == "<p>a</p>")
        // HTML rendered for another base URL (or renderer) is not reused; another fingerprint gets nothing.
        #expect(try store.payload(key: a.key, fingerprint: a.fingerprint, htmlBase: "https://y/|1")?.html == nil)
        #expect(try store.payload(key: a.key, fingerprint: b.fingerprint, htmlBase: "https://x/|1") == nil)
        // A feed that no longer shows `a`: its payload goes at the next prune.
        try store.transaction {
            try store.record(feed: FeedRecord(name: "all", base: "all", facet: nil, entries: 1), showing: [b.key])
            try store.prunePayloads()
        }
        #expect(try store.lastPublished(key: a.key) == nil)
        #expect(try store.lastPublished(key: b.key) == b)
        #expect(try store.feedRecords() == ["all": FeedRecord(name: "all", base: "all", facet: nil, entries: 1)])
    }

    @Test func feedAndOutputRecordsAreForgottenTogether() throws {
        let store = try StateStore(directory: Self.tempDir())
        let facet = Facet(.country, "US")
        let stamp = OutputStamp(size: 10, mtimeNanoseconds: 20, inode: 30)
        try store.transaction {
            try store.record(feed: FeedRecord(name: "o-country-us", base: "o", facet: facet, entries: 3), showing: [])
            try store.record(output: OutputRecord(file: "o-country-us.atom", feed: "o-country-us", stamp: stamp))
            try store.setRenderSignature("sig")
        }
        #expect(try store.feedRecords()["o-country-us"]?.facet == facet)
        #expect(try store.outputRecords()["o-country-us.atom"]?.stamp == stamp)
        #expect(try store.renderSignature() == "sig")
        try store.transaction { try store.forgetFeeds() }
        #expect(try store.feedRecords().isEmpty && store.outputRecords().isEmpty)
    }

    /// Each migration runs once, in order; a state from an older feedd
    /// gains what it lacks, and one from a newer feedd is refused.
    @Test func migrationsTakeEveryOlderSchemaToTheCurrentOne() throws {
        let dir = Self.tempDir()
        do {
            let db = try Database(path: dir + "/state.sqlite")
            for (i, sql) in StateStore.migrations.prefix(4).enumerated() {
                try db.execute("BEGIN; \(sql) PRAGMA user_version=\(i + 1); COMMIT;")
            }
            try db.execute("INSERT INTO files(path, size, mtime_ns, ctime_ns, inode, problems) VALUES('a.md', 1, 2, 3, 4, NULL)")
            db.close()
        }
        let store = try StateStore(directory: dir)
        #expect(try store.files()["a.md"]?.stamp == FileStamp(size: 1, mtimeNanoseconds: 2, ctimeNanoseconds: 3, device: 0, inode: 4, links: 1))
        #expect(try store.feedRecords().isEmpty)
        var version: Int64 = 0
        try store.db.prepare("PRAGMA user_version").forEach { version = $0.int(0) }
        #expect(version == Int64(StateStore.schemaVersion))
        store.close()

        let newer = Self.tempDir()
        do {
            let db = try Database(path: newer + "/state.sqlite")
            try db.execute("PRAGMA user_version=\(StateStore.schemaVersion + 1)")
            db.close()
        }
        #expect(throws: StoreError.self) { _ = try StateStore(directory: newer) }
    }

    @Test func aSecondProcessCannotTakeTheState() throws {
        let dir = Self.tempDir()
        let first = try StateStore(directory: dir)
        #expect(throws: StoreError.self) { _ = try StateStore(directory: dir) }
        _ = first
    }

    @Test func oneEntryUpdateDoesNotRewriteTheRest() throws {
        let dir = Self.tempDir()
        let store = try StateStore(directory: dir)
        try store.transaction { for i in 0..<2000 { try store.put(entry: Self.stored("k\(i)", day: Int64(i))) } }
        let before = try store.allEntries()
        var one = Self.stored("k7", day: 7)
        one.title = "changed"
        try store.transaction { try store.put(entry: one) }
        let after = try store.allEntries()
        #expect(after.filter { before[$0.key] != $0.value }.map(\.key.rawValue) == ["k7"])
    }
}

struct AtomicFileTests {
    @Test func writesReplacesAndSkipsIdenticalBytes() throws {
        let dir = StateStoreTests.tempDir()
        let path = dir + "/feed.atom"
        #expect(try AtomicFile.write(Array("one".utf8), to: path) == .written)
        #expect(OutputStamp.of(path)?.size == 3)
        let attrs1 = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs1[.posixPermissions] as? Int) == 0o644)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(try AtomicFile.write(Array("one".utf8), to: path) == .unchanged)
        let attrs2 = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attrs1[.modificationDate] as? Date == attrs2[.modificationDate] as? Date)
        #expect(try AtomicFile.write(Array("two".utf8), to: path) == .written)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["feed.atom"], "no temp file is left")
    }

    @Test func everyNewVersionHasALaterMtimeSecond() throws {
        // nginx's ETag is mtime seconds and size: same-size rewrites within one second must still differ.
        let dir = StateStoreTests.tempDir()
        let path = dir + "/feed.atom"
        var seconds: [Int] = []
        for text in ["aaaa", "bbbb", "cccc", "dddd"] {
            try AtomicFile.write(Array(text.utf8), to: path)
            var st = stat()
            #expect(stat(path, &st) == 0)
            seconds.append(st.st_mtim.tv_sec)
        }
        #expect(zip(seconds, seconds.dropFirst()).allSatisfy { $0 < $1 }, "\(seconds)")
        // Unchanged bytes keep the mtime.
        try AtomicFile.write(Array("dddd".utf8), to: path)
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mtim.tv_sec == seconds.last)
    }

    @Test func aFailedWriteKeepsThePreviousFileAndLeavesNoTemp() throws {
        let dir = StateStoreTests.tempDir()
        let path = dir + "/feed.atom"
        try AtomicFile.write(Array("previous".utf8), to: path)
        // A directory where the temp file would go makes the write fail.
        try FileManager.default.createDirectory(atPath: dir + "/.feed.atom.tmp-\(getpid())", withIntermediateDirectories: false)
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Array("next".utf8), to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous")
    }

    @Test func aBatchStagedFromManyThreadsReplacesEveryFile() throws {
        // A run stages its files on every core as it renders them.
        let dir = StateStoreTests.tempDir()
        for i in 0..<200 where i % 3 == 0 { try AtomicFile.write(Array("old \(i)".utf8), to: dir + "/f\(i).atom") }
        let batch = AtomicBatch()
        let outcomes = Mutex([AtomicFile.Outcome?](repeating: nil, count: 200))
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            let bytes = Array((i % 6 == 0 ? "old \(i)" : "new \(i)").utf8)
            let outcome = try? batch.stage(bytes, to: dir + "/f\(i).atom").outcome
            outcomes.withLock { $0[i] = outcome }
        }
        // Unchanged bytes stage nothing: files 0, 6, 12, … keep theirs.
        #expect(outcomes.withLock { $0 } == (0..<200).map { $0 % 6 == 0 ? .unchanged : .written })
        #expect(batch.count == 200 - 34)
        #expect(!FileManager.default.fileExists(atPath: dir + "/f1.atom"), "nothing is replaced before commit")
        try batch.commit()
        for i in 0..<200 {
            #expect(try String(contentsOfFile: dir + "/f\(i).atom", encoding: .utf8) == (i % 6 == 0 ? "old \(i)" : "new \(i)"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 200, "no temp file is left")
    }

    @Test func aFileStagedTwiceGetsTheNewerBytesAndAFailedSecondStagingNeither() throws {
        let dir = StateStoreTests.tempDir()
        let batch = AtomicBatch()
        try batch.stage(Array("first".utf8), to: dir + "/a.atom")
        try batch.stage(Array("second".utf8), to: dir + "/a.atom")
        #expect(batch.count == 1)
        try batch.commit()
        #expect(try String(contentsOfFile: dir + "/a.atom", encoding: .utf8) == "second")

        try AtomicFile.write(Array("previous".utf8), to: dir + "/b.atom")
        let failing = AtomicBatch()
        try failing.stage(Array("first".utf8), to: dir + "/b.atom")
        // The temp file's name taken by a directory: the second staging fails.
        let temp = dir + "/.b.atom.tmp-\(getpid())"
        try FileManager.default.removeItem(atPath: temp)
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: false)
        #expect(throws: FileWriteError.self) { try failing.stage(Array("second".utf8), to: dir + "/b.atom") }
        #expect(failing.count == 0, "the file is no longer staged")
        try failing.commit()
        #expect(try String(contentsOfFile: dir + "/b.atom", encoding: .utf8) == "previous")
    }

    @Test func modeIs0644EvenUnderATightUmask() throws {
        let dir = StateStoreTests.tempDir()
        let old = umask(0o077)
        defer { umask(old) }
        try AtomicFile.write(Array("x".utf8), to: dir + "/f.atom")
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/f.atom")
        #expect((attrs[.posixPermissions] as? Int) == 0o644)
    }
}

/// Directories the tests made, removed when the process exits (the tests
/// used to leave one per test in /tmp).
enum TempDirectories {
    private static let made = Mutex<[String]>([])
    private static let hook: Void = { atexit { TempDirectories.removeAll() } }()

    static func removeAtExit(_ dir: String) {
        _ = hook
        made.withLock { $0.append(dir) }
    }

    private static func removeAll() {
        for dir in made.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: dir) }
    }
}
