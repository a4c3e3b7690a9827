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
        _ = Self.configured
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

    /// Process-wide settings, made before the first connection (SQLite takes them only then).
    private static let configured: Void = { _ = feedd_sqlite_config_no_memstatus() }()

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
    /// The values of the last `bind`, bound when the statement next runs.
    private var values: [SQLValue] = []
    /// Their text and blob bytes while it runs, which SQLite reads in place
    /// (`SQLITE_STATIC`). With `SQLITE_TRANSIENT` it copied each into memory
    /// of its own: a malloc and a free per value, seven per entry a first run
    /// stores. Kept between runs, so it is allocated once.
    private var bytes: [UInt8] = []

    init(_ stmt: OpaquePointer, db: Database, sql: String) {
        self.stmt = stmt
        self.db = db
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(stmt)
    }

    /// Sets the values of the parameters by position (1-based) for the next
    /// `run` or `forEach`. The values need not outlive the call.
    @discardableResult
    func bind(_ values: SQLValue...) -> Statement {
        self.values = values
        return self
    }

    @discardableResult
    func bind(_ values: [SQLValue]) -> Statement {
        self.values = values
        return self
    }

    /// Binds the values, runs `body`, then resets the statement and clears
    /// the bindings, so SQLite never keeps a pointer into `bytes` past it.
    private func withValuesBound<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        defer { values = [] }
        var size = 0
        for value in values {
            switch value {
            case let .text(v): size += v.utf8.count
            case let .blob(v): size += v.count
            case .digest: size += 32
            case .null, .int: break
            }
        }
        // At least one byte: "" is bound as text and an empty blob as a blob, never as NULL.
        if bytes.count < max(size, 1) { bytes = [UInt8](repeating: 0, count: max(size, 2 * bytes.count, 64)) }
        let result: Result<R, StoreError> = bytes.withUnsafeMutableBytes { buffer in
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            var offset = 0
            for (i, value) in values.enumerated() {
                let index = Int32(i + 1)
                let rc: Int32
                switch value {
                case .null: rc = sqlite3_bind_null(stmt, index)
                case let .int(v): rc = sqlite3_bind_int64(stmt, index, v)
                case var .text(v):
                    rc = v.withUTF8 { sqlite3_bind_text(stmt, index, Self.place(UnsafeRawBufferPointer($0), in: buffer, at: &offset).assumingMemoryBound(to: CChar.self), Int32($0.count), nil) }
                case let .blob(v):
                    rc = v.withUnsafeBytes { sqlite3_bind_blob(stmt, index, Self.place($0, in: buffer, at: &offset), Int32($0.count), nil) }
                case let .digest(f):
                    rc = f.withUnsafeBytes { sqlite3_bind_blob(stmt, index, Self.place($0, in: buffer, at: &offset), Int32($0.count), nil) }
                }
                if rc != SQLITE_OK { return .failure(StoreError(call: "bind \(sql.prefix(40))", code: rc, message: db.lastMessage)) }
            }
            do throws(StoreError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Copies `source` to `buffer` at `offset`, moves `offset` past it, and says where it went.
    private static func place(_ source: UnsafeRawBufferPointer, in buffer: UnsafeMutableRawBufferPointer,
                              at offset: inout Int) -> UnsafeMutableRawPointer {
        let at = buffer.baseAddress! + offset
        if let from = source.baseAddress { at.copyMemory(from: from, byteCount: source.count) }
        offset += source.count
        return at
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        try withValuesBound { () throws(StoreError) in
            let rc = sqlite3_step(stmt)
            if rc != SQLITE_DONE && rc != SQLITE_ROW {
                throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage)
            }
        }
    }

    /// Calls `row` for each result row.
    func forEach(_ row: (Row) throws(StoreError) -> Void) throws(StoreError) {
        try forEachWhile { (r: Row) throws(StoreError) -> Bool in
            try row(r)
            return true
        }
    }

    /// Calls `row` for each result row while it returns true.
    func forEachWhile(_ row: (Row) throws(StoreError) -> Bool) throws(StoreError) {
        try withValuesBound { () throws(StoreError) in
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { return }
                guard rc == SQLITE_ROW else {
                    throw StoreError(call: String(sql.prefix(60)), code: rc, message: db.lastMessage)
                }
                guard try row(Row(stmt: stmt)) else { return }
            }
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
