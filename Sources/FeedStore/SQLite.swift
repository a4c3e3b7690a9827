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

    /// - Parameter readOnly: open for reading only (it must exist); in WAL
    ///   mode that reads the last commit while a writer goes on.
    init(path: String, readOnly: Bool = false) throws(StoreError) {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
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

    init(_ stmt: OpaquePointer, db: Database, sql: String) {
        self.stmt = stmt
        self.db = db
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(stmt)
    }

    /// Binds values by position (1-based) after resetting. SQLite copies
    /// text and blobs (`SQLITE_TRANSIENT`), so the values need not outlive the call.
    @discardableResult
    func bind(_ values: SQLValue...) throws(StoreError) -> Statement {
        try bind(values)
    }

    @discardableResult
    func bind(_ values: [SQLValue]) throws(StoreError) -> Statement {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(stmt, index)
            case let .int(v): rc = sqlite3_bind_int64(stmt, index, v)
            case let .text(v):
                // "" is text, not NULL: `withCString` gives it a valid pointer too.
                rc = v.withCString { sqlite3_bind_text(stmt, index, $0, Int32(v.utf8.count), feedd_sqlite_transient()) }
            case let .blob(v):
                // An empty blob is bound as a zero-length blob, not NULL.
                rc = v.isEmpty ? sqlite3_bind_zeroblob(stmt, index, 0)
                    : v.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), feedd_sqlite_transient()) }
            case let .digest(f):
                rc = f.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), feedd_sqlite_transient()) }
            }
            if rc != SQLITE_OK { throw StoreError(call: "bind \(sql.prefix(40))", code: rc, message: db.lastMessage) }
        }
        return self
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage)
        }
    }

    /// Steps to the next result row (read it with `row`); false when there is none.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE else { throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage) }
        return false
    }

    /// The current result row (after `step` returned true).
    var row: Row { Row(stmt: stmt) }

    /// Ends a read before its last row.
    func reset() {
        sqlite3_reset(stmt)
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
