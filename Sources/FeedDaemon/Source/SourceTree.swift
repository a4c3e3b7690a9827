import FeedModel
#if canImport(Glibc)
import Glibc
#endif

/// The source directory, as feedd looks at it: walked like `find -type f`
/// (one `fstatat` per entry, nothing opened but directories), stamped, and
/// read without ever blocking on a FIFO or a device.
///
/// Which names count is `SourceRule`'s alone; symbolic links are never followed.
struct SourceTree: Sendable {
    let root: String
    /// Larger files are rejected (`limits.max_file_size`).
    let maxFileSize: Int

    /// The root is missing or unreadable.
    struct MissingRoot: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String {
            "source directory \(path): \(String(cString: strerror(code))); pass --source DIR or set `source` in the config"
        }
    }

    /// Every source file found by one walk.
    struct Snapshot: Sendable {
        /// Stamped files, by path relative to the root.
        var files: [String: FileStamp] = [:]
        /// Files listed by their directory entry alone (`walk(stamps: false)`):
        /// a first run reads every file anyway, and each read takes its stamp.
        var unstamped: [String] = []
        /// Directories or names the walk could not read (reported, not fatal).
        var problems: [Rejection] = []
        var count: Int { files.count + unstamped.count }
    }

    /// How deep the walk goes. Symbolic links are never followed, so only a
    /// bind mount can make a loop; 64 levels of real directories must be read.
    static let maxDepth = 128

    /// - Parameters:
    ///   - stamps: false to list regular files without an `fstatat` each (into `unstamped`).
    ///   - expecting: about how many files there are (room is made for them at once).
    func walk(stamps: Bool = true, expecting: Int = 0) throws(MissingRoot) -> Snapshot {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MissingRoot(path: root, code: errno) }
        var snapshot = Snapshot()
        if stamps { snapshot.files.reserveCapacity(expecting) } else { snapshot.unstamped.reserveCapacity(expecting) }
        walk(fd: fd, relative: "", depth: 0, stamps: stamps, into: &snapshot)
        return snapshot
    }

    /// Stamps one file (relative to the root), or nil when it is gone or not a regular file.
    func stamp(_ relative: String) -> FileStamp? {
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
    private func walk(fd: Int32, relative: String, depth: Int, stamps: Bool, into snapshot: inout Snapshot) {
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
            let (name, isUTF8) = Self.entryName((UnsafeRawPointer(ent) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
                .assumingMemoryBound(to: CChar.self))
            if SourceRule.isHidden(name) { continue }
            let type = ent.pointee.d_type
            let path = relative.isEmpty ? name : relative + "/" + name
            // A repaired name (U+FFFD for the bad bytes) would not open again: say so instead of losing the file.
            if !isUTF8 {
                if type == DT_DIR {
                    snapshot.problems.append(Rejection(source: path, message: "directory name is not valid UTF-8; not read. Rename it (e.g. convmv -f latin1 -t utf8)"))
                } else if (type == DT_REG || type == DT_UNKNOWN) && SourceRule.isSource(fileName: name) {
                    snapshot.problems.append(Rejection(source: path, message: "file name is not valid UTF-8; not read. Rename it (e.g. convmv -f latin1 -t utf8)"))
                }
                continue
            }
            if type == DT_DIR {
                subdirectories.append(name)
                continue
            }
            if type != DT_REG && type != DT_UNKNOWN { continue }
            let isSource = SourceRule.isSource(fileName: name)
            guard isSource || type == DT_UNKNOWN else { continue }
            if !stamps && type == DT_REG {
                snapshot.unstamped.append(path)
                continue
            }
            var st = stat()
            guard fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG where isSource:
                if stamps { snapshot.files[path] = FileStamp(st) } else { snapshot.unstamped.append(path) }
            case S_IFDIR:
                subdirectories.append(name)
            default:
                break
            }
        }
        for name in subdirectories.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard depth + 1 < Self.maxDepth else {
                snapshot.problems.append(Rejection(source: path, message: "directory nested deeper than \(Self.maxDepth) levels; not read"))
                continue
            }
            let child = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else {
                if errno != ENOENT && errno != ELOOP && errno != ENOTDIR {
                    snapshot.problems.append(Rejection(source: path, message: "cannot open directory: \(String(cString: strerror(errno)))"))
                }
                continue
            }
            walk(fd: child, relative: path, depth: depth + 1, stamps: stamps, into: &snapshot)
        }
    }
}

extension FileStamp {
    init(_ st: stat) {
        self.init(size: Int64(st.st_size),
                  mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                  ctimeNanoseconds: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
                  device: UInt64(st.st_dev), inode: UInt64(st.st_ino), links: Int(st.st_nlink))
    }
}
