import FeedModel
import FeedParse
import FeedStore
#if canImport(Glibc)
import Glibc
#endif

/// The source tree as seen by one walk: every candidate file and its stamp.
public struct SourceSnapshot: Sendable {
    public var files: [String: FileStamp] = [:]
    /// Files found by a walk that took no stamps (`scan(stamps: false)`):
    /// a first run reads every file anyway, and each read takes its stamp.
    public var unstamped: [String] = []
    public var count: Int { files.count + unstamped.count }
    /// Directories or files the walk could not read (reported, not fatal).
    public var problems: [Rejection] = []
}

/// Walks the source directory like `find -type f`: one `fstatat` per entry,
/// nothing opened but directories.
///
/// Hidden files and directories, editors' temp files, symbolic links and
/// anything that is not a regular file are skipped.
public enum SourceScanner {
    public struct MissingRoot: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String {
            "source directory \(path): \(String(cString: strerror(code))); pass --source DIR or set `source` in the config"
        }
    }

    /// Whether a file name is one feedd parses (a `SourceFormat`'s extension, not hidden, not an editor temp file).
    public static func isCandidate(name: String) -> Bool {
        var name = name
        if let ascii = name.withUTF8({ isCandidateASCII($0) }) { return ascii }
        guard !name.hasPrefix("."), !name.hasPrefix("#"), !name.hasSuffix("~") else { return false }
        return SourceFormat(path: name) != nil
    }

    /// `isCandidate` on the bytes of an ASCII name (where bytes are
    /// Characters); nil for other names.
    private static func isCandidateASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let first = b.first, let last = b.last else { return false }
        guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
        guard first != UInt8(ascii: "."), first != UInt8(ascii: "#"), last != UInt8(ascii: "~") else { return false }
        return SourceFormat.of(utf8: b) != nil
    }

    /// How deep the walk goes. Symbolic links are never followed, so only a
    /// bind mount can make a loop; 64 levels of real directories must be read.
    public static let defaultMaxDepth = 128

    /// - Parameter stamps: false to list regular files by their directory
    ///   entry alone, without an `fstatat` each (into `unstamped`).
    public static func scan(root: String, maxDepth: Int = defaultMaxDepth, stamps: Bool = true) throws(MissingRoot) -> SourceSnapshot {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MissingRoot(path: root, code: errno) }
        var snapshot = SourceSnapshot()
        if stamps { snapshot.files.reserveCapacity(1024) }
        walk(fd: fd, relative: "", depth: 0, maxDepth: maxDepth, stamps: stamps, into: &snapshot)
        return snapshot
    }

    /// Stamps one file (relative to `root`), or nil when it is gone or not a regular file.
    public static func stamp(root: String, relative: String) -> FileStamp? {
        var st = stat()
        guard lstat(root + "/" + relative, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileStamp(st)
    }

    /// A directory entry's name, and whether its bytes are UTF-8. Bytes that
    /// are not are shown as `\xNN`, so the name can be logged and recognised.
    static func entryName(_ cName: UnsafePointer<CChar>) -> (String, Bool) {
        if let name = String(validatingCString: cName) { return (name, true) }
        let bytes = UnsafeRawPointer(cName).assumingMemoryBound(to: UInt8.self)
        var name = ""
        var i = 0
        while bytes[i] != 0 {
            let start = i
            var end = i + 1
            while bytes[end] != 0, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let chunk = UnsafeBufferPointer(start: bytes + start, count: end - start)
            if let s = String(validating: chunk, as: UTF8.self) {
                name += s
            } else {
                for b in chunk { name += (b < 0x10 ? "\\x0" : "\\x") + String(b, radix: 16, uppercase: true) }
            }
            i = end
        }
        return (name, false)
    }

    /// Takes ownership of `fd` (closed by `closedir`).
    private static func walk(fd: Int32, relative: String, depth: Int, maxDepth: Int, stamps: Bool, into snapshot: inout SourceSnapshot) {
        guard let dir = fdopendir(fd) else {
            close(fd)
            snapshot.problems.append(Rejection(source: relative.isEmpty ? "." : relative, message: "cannot list directory: \(String(cString: strerror(errno)))"))
            return
        }
        defer { closedir(dir) }
        let dfd = dirfd(dir)
        var subdirectories: [String] = []
        while let ent = readdir(dir) {
            // The name is read in place, up to its NUL: a copy of the whole
            // `d_name` field would read past the end of the last (shorter)
            // record in the directory buffer.
            let (name, isUTF8) = entryName((UnsafeRawPointer(ent) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
                .assumingMemoryBound(to: CChar.self))
            if name.hasPrefix(".") { continue }
            let type = ent.pointee.d_type
            // A repaired name (U+FFFD for the bad bytes) would not open again: say so instead of losing the file.
            if !isUTF8 {
                let path = relative.isEmpty ? name : relative + "/" + name
                if type == DT_DIR {
                    snapshot.problems.append(Rejection(source: path, message: "directory name is not valid UTF-8; not read. Rename it (e.g. convmv -f latin1 -t utf8)"))
                } else if (type == DT_REG || type == DT_UNKNOWN) && isCandidate(name: name) {
                    snapshot.problems.append(Rejection(source: path, message: "file name is not valid UTF-8; not read. Rename it (e.g. convmv -f latin1 -t utf8)"))
                }
                continue
            }
            if type == DT_DIR {
                subdirectories.append(name)
                continue
            }
            if type != DT_REG && type != DT_UNKNOWN { continue }
            let candidate = isCandidate(name: name)
            guard candidate || type == DT_UNKNOWN else { continue }
            if !stamps && type == DT_REG {
                snapshot.unstamped.append(relative.isEmpty ? name : relative + "/" + name)
                continue
            }
            var st = stat()
            guard fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG where candidate:
                let path = relative.isEmpty ? name : relative + "/" + name
                if stamps { snapshot.files[path] = FileStamp(st) } else { snapshot.unstamped.append(path) }
            case S_IFDIR:
                subdirectories.append(name)
            default:
                break
            }
        }
        for name in subdirectories.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard depth + 1 < maxDepth else {
                snapshot.problems.append(Rejection(source: path, message: "directory nested deeper than \(maxDepth) levels; not read"))
                continue
            }
            let child = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else {
                if errno != ENOENT && errno != ELOOP && errno != ENOTDIR {
                    snapshot.problems.append(Rejection(source: path, message: "cannot open directory: \(String(cString: strerror(errno)))"))
                }
                continue
            }
            walk(fd: child, relative: path, depth: depth + 1, maxDepth: maxDepth, stamps: stamps, into: &snapshot)
        }
    }
}

extension FileStamp {
    init(_ st: stat) {
        self.init(size: Int64(st.st_size),
                  mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                  ctimeNanoseconds: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
                  inode: UInt64(st.st_ino))
    }
}
