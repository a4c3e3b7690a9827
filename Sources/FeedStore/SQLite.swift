import CSQLite
import FeedModel

/// A failed SQLite call: which call, SQLite's code and message.
public struct StoreError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var message: String

    public var description: String { "state database: \(call): \(message) (code \(code))" }
}

/// One SQLite connection. All C stays in this file and `Statement`.
final class Database {
    private(set) var handle: OpaquePointer?

    /// Process-wide settings, made once before the first connection opens.
    private static let configured: Void = { _ = feedd_sqlite_disable_memstatus() }()

    init(path: String) throws(StoreError) {
        Self.configured
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw StoreError(call: "open \(path)", code: rc, message: message)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        close()
    }

    func close() {
        sqlite3_close_v2(handle)
        handle = nil
    }

    func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            throw StoreError(call: String(sql.prefix(60)), code: rc, message: message)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw StoreError(call: "prepare \(sql.prefix(60))", code: rc, message: lastMessage)
        }
        return Statement(stmt, db: self, sql: sql)
    }

    /// Writes the dirty pages of the open write transaction to the WAL
    /// (uncommitted): the space a COMMIT needs is claimed now.
    func cacheFlush() throws(StoreError) {
        let rc = sqlite3_db_cacheflush(handle)
        if rc != SQLITE_OK { throw StoreError(call: "flush", code: rc, message: lastMessage) }
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement, reset and re-bound for each use.
final class Statement {
    private let stmt: OpaquePointer
    private unowned let db: Database
    private let sql: String

    private let parameterCount: Int

    init(_ stmt: OpaquePointer, db: Database, sql: String) {
        self.stmt = stmt
        self.db = db
        self.sql = sql
        parameterCount = Int(sqlite3_bind_parameter_count(stmt))
    }

    /// The bytes of the bound text and blob values, owned here so SQLite
    /// reads them in place (`SQLITE_STATIC`) instead of copying each one:
    /// valid until the next `start` (every `bind` of an array starts one),
    /// after which every parameter is bound again or cleared.
    private var arena: UnsafeMutableRawPointer?
    private var arenaCapacity = 0

    deinit {
        sqlite3_finalize(stmt)
        arena?.deallocate()
    }

    nonisolated(unsafe) private static let emptyText: UnsafePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// Binds values by position (1-based) after resetting.
    @discardableResult
    func bind(_ values: SQLValue...) throws(StoreError) -> Statement {
        try bind(values)
    }

    @discardableResult
    func bind(_ values: [SQLValue]) throws(StoreError) -> Statement {
        // Room for every value first: the arena must not move once a value points into it.
        var needed = 0
        for value in values {
            switch value {
            case let .text(v): needed += v.utf8.count
            case let .blob(v): needed += v.count
            case .digest: needed += 32
            case .null, .int: break
            }
        }
        start(bytes: needed)
        // Bindings left from the last use are cleared unless every parameter is bound again.
        if values.count < parameterCount { sqlite3_clear_bindings(stmt) }
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .null: try bindNull(index)
            case let .int(v): try bind(index, int: v)
            case let .text(v): try bind(index, text: v)  // "" is text, not NULL: it gets a pointer too
            case let .blob(v): try bind(index, blob: v)
            case let .digest(f): try bind(index, digest: f)
            }
        }
        return self
    }

    // MARK: Binding value by value

    /// Where the next value goes in the arena, between `start` and `run`.
    private var arenaUsed = 0

    /// Resets the statement for binding value by value (`bind(_:text:)`…,
    /// then `run()`; the hot inserts bind every parameter this way, without
    /// an array of values): no copy of a string but its bytes into the arena. `bytes` is the
    /// length of all text and blobs to come; a value past it is bound as a
    /// copy SQLite makes (`SQLITE_TRANSIENT`), never past the arena's end.
    func start(bytes: Int) {
        sqlite3_reset(stmt)
        arenaUsed = 0
        if bytes > arenaCapacity {
            arena?.deallocate()
            arenaCapacity = max(bytes, 2 * arenaCapacity, 256)
            arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 8)
        }
    }

    func bind(_ index: Int32, int v: Int64) throws(StoreError) {
        try check(sqlite3_bind_int64(stmt, index, v))
    }

    func bindNull(_ index: Int32) throws(StoreError) {
        try check(sqlite3_bind_null(stmt, index))
    }

    func bind(_ index: Int32, text: String) throws(StoreError) {
        // Native strings lend their bytes without a copy of the string (`withUTF8` needs a `var`).
        let rc = text.utf8.withContiguousStorageIfAvailable { bytes in
            bindBytes(index, UnsafeRawBufferPointer(bytes), isText: true)
        } ?? {
            var copy = text
            return copy.withUTF8 { bindBytes(index, UnsafeRawBufferPointer($0), isText: true) }
        }()
        try check(rc)
    }

    func bind(_ index: Int32, blob: [UInt8]) throws(StoreError) {
        try check(blob.withUnsafeBytes { bindBytes(index, $0, isText: false) })
    }

    func bind(_ index: Int32, digest: Fingerprint) throws(StoreError) {
        try check(digest.withUnsafeBytes { bindBytes(index, $0, isText: false) })
    }

    private func bindBytes(_ index: Int32, _ bytes: UnsafeRawBufferPointer, isText: Bool) -> Int32 {
        let count = bytes.count
        var pointer: UnsafeRawPointer = UnsafeRawPointer(Self.emptyText)
        var destructor: sqlite3_destructor_type?  // nil: SQLITE_STATIC
        if count > 0, let source = bytes.baseAddress {
            if let arena, arenaUsed + count <= arenaCapacity {
                (arena + arenaUsed).copyMemory(from: source, byteCount: count)
                pointer = UnsafeRawPointer(arena + arenaUsed)
                arenaUsed += count
            } else {
                pointer = source
                destructor = feedd_sqlite_transient()
            }
        }
        return isText ? sqlite3_bind_text(stmt, index, pointer.assumingMemoryBound(to: CChar.self), Int32(count), destructor)
            : sqlite3_bind_blob(stmt, index, pointer, Int32(count), destructor)
    }

    private func check(_ rc: Int32) throws(StoreError) {
        if rc != SQLITE_OK { throw StoreError(call: "bind \(sql.prefix(40))", code: rc, message: db.lastMessage) }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage)
        }
    }

    /// Calls `row` for each result row.
    func forEach(_ row: (Row) throws(StoreError) -> Void) throws(StoreError) {
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage)
            }
            try row(Row(stmt: stmt))
        }
    }
}

enum SQLValue {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])
    /// A fingerprint's 32 bytes, bound as a blob without an array of them.
    case digest(Fingerprint)
}

/// Column access for the current row.
struct Row {
    let stmt: OpaquePointer

    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }

    func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// A blob column read as a fingerprint, straight from SQLite's buffer.
    func fingerprint(_ i: Int32) -> Fingerprint {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return Fingerprint(bytes: []) }
        return Fingerprint(bytes: UnsafeRawBufferPointer(start: p, count: n))
    }

    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
