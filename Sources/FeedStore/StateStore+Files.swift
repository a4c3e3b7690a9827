import Foundation
import FeedModel

extension StateStore {
    private static let fileColumns = "path, size, mtime_ns, ctime_ns, device, inode, links, problems"
    private static let selectAll = "SELECT \(fileColumns) FROM files"
    private static let selectByPath = "SELECT \(fileColumns) FROM files WHERE path = ?"
    private static let upsert = "INSERT OR REPLACE INTO files(\(fileColumns)) VALUES(?,?,?,?,?,?,?,?)"

    private func file(_ row: Row) -> FileRecord {
        let path = row.text(0)
        let stamp = FileStamp(size: row.int(1), mtimeNanoseconds: row.int(2), ctimeNanoseconds: row.int(3),
                              device: UInt64(bitPattern: row.int(4)), inode: UInt64(bitPattern: row.int(5)), links: Int(row.int(6)))
        return FileRecord(path: path, stamp: stamp, problems: row.isNull(7) ? [] : Self.decodeProblems(row.text(7), path: path))
    }

    /// How many source files the state knows (0 on a first run).
    public func fileCount() throws(StoreError) -> Int {
        var count = 0
        try statement("SELECT count(*) FROM files").bind().forEach { count = Int($0.int(0)) }
        return count
    }

    /// Every file record, by path.
    public func files() throws(StoreError) -> [String: FileRecord] {
        var out: [String: FileRecord] = [:]
        try forEachFile { out[$0.path] = $0 }
        return out
    }

    /// Calls `body` with every file record, without collecting them.
    public func forEachFile(_ body: (FileRecord) -> Void) throws(StoreError) {
        try statement(Self.selectAll).bind().forEach { body(file($0)) }
    }

    /// One file's record, or nil when feedd has not seen it.
    public func file(path: String) throws(StoreError) -> FileRecord? {
        var out: FileRecord?
        try statement(Self.selectByPath).bind(.text(path)).forEach { out = file($0) }
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

    /// Paths of known files that name `identity` (hard links of one file).
    public func filePaths(of identity: FileIdentity) throws(StoreError) -> [String] {
        var out: [String] = []
        try statement("SELECT path FROM files WHERE inode = ? AND device = ?")
            .bind(.int(Int64(bitPattern: identity.inode)), .int(Int64(bitPattern: identity.device))).forEach { out.append($0.text(0)) }
        return out
    }

    public func put(file: FileRecord) throws(StoreError) {
        let s = file.stamp
        try statement(Self.upsert)
            .bind(.text(file.path), .int(s.size), .int(s.mtimeNanoseconds), .int(s.ctimeNanoseconds),
                  .int(Int64(bitPattern: s.device)), .int(Int64(bitPattern: s.inode)), .int(Int64(s.links)),
                  file.problems.isEmpty ? .null : .text(Self.encodeProblems(file.problems)))
            .run()
    }

    public func deleteFile(path: String) throws(StoreError) {
        try statement("DELETE FROM files WHERE path = ?").bind(.text(path)).run()
    }

    private static func encodeProblems(_ problems: [Rejection]) -> String {
        problems.map { "\($0.line ?? 0)\t\($0.message.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n")
    }

    static func decodeProblems(_ text: String, path: String) -> [Rejection] {
        text.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let n = Int(parts.first ?? "") ?? 0
            return Rejection(source: path, line: n == 0 ? nil : n, message: parts.count > 1 ? String(parts[1]) : "")
        }
    }
}

extension StateStore {
    /// Every problem of every file the state knows with problems, by path and line.
    public func problems() throws(StoreError) -> [Rejection] {
        var out: [Rejection] = []
        try statement("SELECT path, problems FROM files WHERE problems IS NOT NULL ORDER BY path").bind().forEach { row in
            out += Self.decodeProblems(row.text(1), path: row.text(0))
        }
        return out
    }
}
