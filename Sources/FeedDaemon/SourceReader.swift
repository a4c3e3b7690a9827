import FeedModel
import FeedStore
#if canImport(Glibc)
import Glibc
#endif

/// Reads one source file without ever blocking on a FIFO or device and
/// without reading more than the size limit.
enum SourceReader {
    enum Outcome {
        case bytes([UInt8], FileStamp)
        /// Vanished between listing and opening: a deletion, not an error.
        case gone
        case rejected(Rejection)
    }

    static func read(root: String, relative: String, maxSize: Int) -> Outcome {
        read(at: AT_FDCWD, path: root + "/" + relative, relative: relative, maxSize: maxSize)
    }

    /// Reads `relative` below an open directory: no walk of the root's path per file.
    static func read(rootFD: Int32, relative: String, maxSize: Int) -> Outcome {
        read(at: rootFD, path: relative, relative: relative, maxSize: maxSize)
    }

    private static func read(at directory: Int32, path: String, relative: String, maxSize: Int) -> Outcome {
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .gone }
            if code == ELOOP { return .gone }
            return .rejected(Rejection(source: relative, message: "cannot open: \(String(cString: strerror(code)))"))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            return .rejected(Rejection(source: relative, message: "cannot stat: \(String(cString: strerror(errno)))"))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .gone }
        let size = Int(st.st_size)
        if size > maxSize {
            return .rejected(Rejection(source: relative, message: "file is \(size) bytes, over the \(maxSize)-byte limit (limits.max_file_size); split it or raise the limit"))
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        var failed: Int32 = 0
        bytes.withUnsafeMutableBytes { raw in
            while offset < size {
                let n = Glibc.read(fd, raw.baseAddress! + offset, size - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    return
                }
                if n == 0 { break }
                offset += n
            }
        }
        if failed != 0 {
            return .rejected(Rejection(source: relative, message: "cannot read: \(String(cString: strerror(failed)))"))
        }
        if offset < size { bytes.removeLast(size - offset) }
        return .bytes(bytes, FileStamp(st))
    }
}
