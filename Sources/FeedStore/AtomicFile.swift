#if canImport(Glibc)
import Glibc
#endif

/// A failed system call while writing an output file.
public struct FileWriteError: Error, CustomStringConvertible {
    public var path: String
    public var call: String
    public var code: Int32

    public var description: String { "\(path): \(call): \(String(cString: strerror(code)))" }
}

/// Writes output files so that no reader and no crash ever sees half a file.
public enum AtomicFile {
    public enum Outcome: Sendable, Equatable {
        /// The file already held these bytes; it was not touched (mtime kept).
        case unchanged
        case written
    }

    /// Replaces `path` with `bytes`: a temp file in the same directory,
    /// written in full, fsync'd, made 0644 (whatever the umask), renamed over
    /// the target, then the directory fsync'd. When the file already holds
    /// exactly these bytes nothing is written.
    ///
    /// - Throws: `FileWriteError`; the previous file is then untouched and no
    ///   temp file is left behind.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, dryRun: Bool = false) throws(FileWriteError) -> Outcome {
        let batch = AtomicBatch(dryRun: dryRun)
        let outcome = try batch.stage(bytes, to: path)
        try batch.commit()
        return outcome
    }

    /// Writes `bytes` to a new temp file beside `path` (`.NAME.tmp-PID`),
    /// fsync'd and made 0644; returns the temp file's path.
    ///
    /// - Throws: `FileWriteError` (ENOSPC, EROFS, EACCES, EIO …); the temp file is then removed.
    static func writeTemp(_ bytes: [UInt8], for path: String) throws(FileWriteError) -> String {
        let temp = "\(directory(of: path))/.\(name(of: path)).tmp-\(getpid())"
        let fd = retryEINTR { open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644) }
        guard fd >= 0 else { throw FileWriteError(path: path, call: "open \(temp)", code: errno) }
        var failure: FileWriteError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = retryEINTR { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
                if n <= 0 {
                    failure = FileWriteError(path: path, call: "write", code: n < 0 ? errno : ENOSPC)
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = FileWriteError(path: path, call: "fsync", code: errno) }
        if failure == nil, fchmod(fd, 0o644) != 0 { failure = FileWriteError(path: path, call: "fchmod", code: errno) }
        if close(fd) != 0, failure == nil { failure = FileWriteError(path: path, call: "close", code: errno) }
        if let failure {
            unlink(temp)
            throw failure
        }
        return temp
    }

    static func directory(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    }

    static func name(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// fsync of a directory after renames in it. The renames are done; a
    /// failure only weakens durability, so it is not an error.
    static func syncDirectory(_ directory: String) {
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// True when `path` is a regular file holding exactly `bytes`.
    public static func contentsEqual(_ path: String, _ bytes: [UInt8]) -> Bool {
        let fd = retryEINTR { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == bytes.count else { return false }
        var existing = [UInt8](repeating: 0, count: bytes.count)
        var offset = 0
        let ok = existing.withUnsafeMutableBytes { raw -> Bool in
            while offset < raw.count {
                let n = retryEINTR { read(fd, raw.baseAddress! + offset, raw.count - offset) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return ok && existing == bytes
    }
}

/// Repeats a system call interrupted by a signal.
@inline(__always)
func retryEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let r = call()
        if r >= 0 || errno != EINTR { return r }
    }
}
