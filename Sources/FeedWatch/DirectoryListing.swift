#if canImport(Glibc)
import Glibc
#endif

/// The entries of one directory, as `readdir(3)` gives them, without
/// following symbolic links.
struct DirectoryListing {
    struct Item: Sendable, Equatable {
        var name: String
        var isDirectory: Bool
        var isRegularFile: Bool
    }

    /// Lists `path`; `nil` when it cannot be opened (gone, not a directory,
    /// no permission). `.` and `..` are left out.
    static func items(at path: String) -> [Item]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var items: [Item] = []
        while let entry = readdir(directory) {
            // Read in place up to the NUL (the record may be shorter than `d_name`'s 256 bytes).
            let name = String(cString: (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
                .assumingMemoryBound(to: CChar.self))
            if name == "." || name == ".." { continue }
            var type = Int32(entry.pointee.d_type)
            if type == DT_UNKNOWN {
                // Some filesystems (XFS without ftype, some FUSE) do not fill d_type.
                var status = stat()
                if fstatat(dirfd(directory), name, &status, AT_SYMLINK_NOFOLLOW) != 0 { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: type = Int32(DT_DIR)
                case S_IFREG: type = Int32(DT_REG)
                default: type = Int32(DT_UNKNOWN)
                }
            }
            items.append(Item(name: name, isDirectory: type == DT_DIR, isRegularFile: type == DT_REG))
        }
        return items
    }

    /// Whether `path` exists and is a directory, following symbolic links.
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
