import Foundation
import Syscall
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call while writing an output file.
public struct FileWriteError: Error, CustomStringConvertible {
    public var path: String
    public var call: String
    public var code: Int32

    public var description: String { "\(path): \(call): \(String(cString: strerror(code)))" + hint }

    /// What to do about a directory feedd may not write: under systemd
    /// (`INVOCATION_ID` set) the unit's sandbox is the usual reason, and the
    /// drop-in that fixes it is named.
    var hint: String {
        guard code == EROFS || code == EACCES || code == EPERM else { return "" }
        let dir = (path as NSString).deletingLastPathComponent
        if getenv("INVOCATION_ID") != nil {
            return "; under systemd the unit may write only its ReadWritePaths: run `systemctl edit feedd`, add `[Service]` and `ReadWritePaths=\(dir)`, then `systemctl restart feedd`"
        }
        return "; make \(dir) writable for the user feedd runs as"
    }
}

/// What an output file looked like when feedd last wrote or kept it: a file
/// with another stamp was changed, replaced or removed by someone else.
public struct OutputStamp: Sendable, Equatable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var inode: UInt64

    public init(size: Int64, mtimeNanoseconds: Int64, inode: UInt64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
    }

    init(_ st: stat) {
        self.init(size: Int64(st.st_size), mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                  inode: UInt64(st.st_ino))
    }

    /// The stamp of the regular file at `path`, or nil.
    public static func of(_ path: String) -> OutputStamp? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return OutputStamp(st)
    }
}

/// Writes output files so that no reader and no crash ever sees half a file.
///
/// A file is replaced by a temp file beside it, `.NAME.tmp-PID`: written in
/// full, fsync'd, made 0644 (whatever the umask), renamed over the target,
/// then the directory fsync'd. The temp names are this type's alone, and so
/// is cleaning up the ones a crash leaves (`removeDebris`).
public enum AtomicFile {
    public enum Outcome: Sendable, Equatable {
        /// The file already held these bytes; it was not touched (mtime kept).
        case unchanged
        case written
    }

    /// Replaces `path` with `bytes`; when the file already holds exactly
    /// these bytes nothing is written.
    ///
    /// - Throws: `FileWriteError`; the previous file is then untouched and no
    ///   temp file is left behind.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, dryRun: Bool = false) throws(FileWriteError) -> Outcome {
        let batch = AtomicBatch(dryRun: dryRun)
        let staged = try batch.stage(bytes, to: path)
        try batch.commit()
        return staged.outcome
    }

    /// The temp file beside `path` that this process writes.
    static func tempPath(for path: String) -> String {
        "\(directory(of: path))/.\(name(of: path)).tmp-\(getpid())"
    }

    /// Writes `bytes` to a new temp file beside `path`, fsync'd and made
    /// 0644; returns the temp file's path and its stamp (which the target
    /// has once the temp is renamed over it).
    ///
    /// - Throws: `FileWriteError` (ENOSPC, EROFS, EACCES, EIO …); the temp file is then removed.
    static func writeTemp(_ bytes: [UInt8], for path: String) throws(FileWriteError) -> (temp: String, stamp: OutputStamp) {
        let temp = tempPath(for: path)
        let fd = retryingEINTR { open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644) }
        guard fd >= 0 else { throw FileWriteError(path: path, call: "open \(temp)", code: errno) }
        var failure: FileWriteError?
        let code = bytes.withUnsafeBytes { writeAll(fd, $0) }
        if code != 0 { failure = FileWriteError(path: path, call: "write", code: code) }
        if failure == nil, fsync(fd) != 0 { failure = FileWriteError(path: path, call: "fsync", code: errno) }
        if failure == nil, fchmod(fd, 0o644) != 0 { failure = FileWriteError(path: path, call: "fchmod", code: errno) }
        if failure == nil { laterThanReplaced(fd, path) }
        var st = stat()
        if failure == nil, fstat(fd, &st) != 0 { failure = FileWriteError(path: path, call: "fstat", code: errno) }
        if close(fd) != 0, failure == nil { failure = FileWriteError(path: path, call: "close", code: errno) }
        if let failure {
            unlink(temp)
            throw failure
        }
        return (temp, OutputStamp(st))
    }

    /// Web servers derive a static file's validators from its mtime in whole
    /// seconds and its size (nginx's ETag and Last-Modified): a new version
    /// written within the second of the one it replaces, with the same size,
    /// would keep the old ETag, and a reader holding it would get 304 and keep
    /// stale content. So a new version's mtime is always a later second than
    /// the file's it replaces (at most a second ahead of the clock per rewrite
    /// within one second). A failure here only weakens that, so it is ignored.
    private static func laterThanReplaced(_ fd: Int32, _ path: String) {
        var old = stat(), new = stat()
        guard stat(path, &old) == 0, fstat(fd, &new) == 0, new.st_mtim.tv_sec <= old.st_mtim.tv_sec else { return }
        var times = [new.st_atim, timespec(tv_sec: old.st_mtim.tv_sec + 1, tv_nsec: 0)]
        _ = futimens(fd, &times)
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

    /// The stamp of `path` when it is a regular file holding exactly `bytes`.
    public static func stampIfEqual(_ path: String, _ bytes: [UInt8]) -> OutputStamp? {
        let fd = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == bytes.count else { return nil }
        var existing = [UInt8](repeating: 0, count: bytes.count)
        let complete = existing.withUnsafeMutableBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = retryingEINTR { read(fd, raw.baseAddress! + offset, raw.count - offset) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return complete && existing == bytes ? OutputStamp(st) : nil
    }

    /// Removes the temp files (`.NAME.tmp-PID`) that a crash between
    /// writing and renaming left in `directory`: those whose NAME `isOurs`
    /// accepts and whose writer is gone (or is this process, between runs).
    public static func removeDebris(in directory: String, isOurs: (String) -> Bool) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
                  let pid = Int32(name[marker.upperBound...]), pid > 0 else { continue }
            let base = String(name[name.index(after: name.startIndex)..<marker.lowerBound])
            guard isOurs(base), pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) else { continue }
            unlink(directory + "/" + name)
        }
    }
}

extension AtomicFile {
    /// Creates the output directory and any missing parents, each `0755`
    /// whatever the umask (the unit's `UMask=0077` would make them
    /// `drwx------`, which the web server cannot read). Directories that
    /// exist are left as they are.
    public static func createOutputDirectory(_ path: String) throws(FileWriteError) {
        var missing: [String] = []
        var dir = path
        var st = stat()
        while !dir.isEmpty, dir != "/", stat(dir, &st) != 0 {
            missing.append(dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
        for dir in missing.reversed() {
            guard mkdir(dir, 0o755) == 0 || errno == EEXIST else {
                throw FileWriteError(path: dir, call: "mkdir", code: errno)
            }
            // mkdir's mode is masked by the umask; chmod's is not.
            guard chmod(dir, 0o755) == 0 else {
                throw FileWriteError(path: dir, call: "chmod 0755", code: errno)
            }
        }
    }
}
