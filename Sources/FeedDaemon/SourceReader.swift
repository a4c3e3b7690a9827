import FeedModel
import FeedStore
#if canImport(Glibc)
import Glibc
#endif

/// Reads one source file without ever blocking on a FIFO or device, without
/// reading more than the size limit, and without returning torn content.
enum SourceReader {
    enum Outcome {
        case bytes([UInt8], FileStamp)
        /// Vanished between listing and opening: a deletion, not an error.
        case gone
        case rejected(Rejection)
        /// Kept changing while it was read: nothing from it is used, and it is
        /// not remembered as seen, so the next scan reads it again.
        case unsettled(Rejection)
    }

    /// - Parameter afterRead: a test seam, called between reading the bytes and checking the file did not change.
    static func read(root: String, relative: String, maxSize: Int, afterRead: (() -> Void)? = nil) -> Outcome {
        read(at: AT_FDCWD, path: root + "/" + relative, relative: relative, maxSize: maxSize, afterRead: afterRead)
    }

    /// Reads `relative` below an open directory: no walk of the root's path per file.
    static func read(rootFD: Int32, relative: String, maxSize: Int) -> Outcome {
        read(at: rootFD, path: relative, relative: relative, maxSize: maxSize, afterRead: nil)
    }

    private static func read(at directory: Int32, path: String, relative: String, maxSize: Int, afterRead: (() -> Void)?) -> Outcome {
        // `withCString`: the path's own bytes (the implicit conversion copied them into a new array).
        let fd = path.withCString { openat(directory, $0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .gone }
            if code == ELOOP { return .gone }
            return .rejected(Rejection(source: relative, message: "cannot open: \(String(cString: strerror(code)))"))
        }
        defer { close(fd) }
        // A writer still at work shows as a stamp that moves or a length that
        // is not the one fstat gave; one retry covers an editor's last write.
        var attempt = 0
        while true {
            switch readOnce(fd: fd, relative: relative, maxSize: maxSize, afterRead: afterRead) {
            case let .done(outcome):
                return outcome
            case .changed where attempt == 0:
                attempt += 1
                guard lseek(fd, 0, SEEK_SET) == 0 else {
                    return .rejected(Rejection(source: relative, message: "cannot seek: \(String(cString: strerror(errno)))"))
                }
            case .changed:
                return .unsettled(Rejection(source: relative, message: "file kept changing while it was read; nothing from it is used until it settles"))
            }
        }
    }

    private enum Attempt {
        case done(Outcome)
        case changed
    }

    private static func readOnce(fd: Int32, relative: String, maxSize: Int, afterRead: (() -> Void)?) -> Attempt {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            return .done(.rejected(Rejection(source: relative, message: "cannot stat: \(String(cString: strerror(errno)))")))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .done(.gone) }
        let size = Int(st.st_size)
        if size > maxSize {
            return .done(.rejected(Rejection(source: relative, message: "file is \(size) bytes, over the \(maxSize)-byte limit (limits.max_file_size); split it or raise the limit")))
        }
        // One byte more than fstat promised tells a file that grew from one that did not.
        var offset = 0
        var failed: Int32 = 0
        // Not zeroed first: only the bytes read are kept.
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            guard let base = buffer.baseAddress else { count = 0; return }
            while offset < buffer.count {
                let n = Glibc.read(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    break
                }
                if n == 0 { break }
                offset += n
                // Short of the extra byte with all fstat promised: the end, without a call that reads 0.
                if offset == size { break }
            }
            count = offset
        }
        if failed != 0 {
            return .done(.rejected(Rejection(source: relative, message: "cannot read: \(String(cString: strerror(failed)))")))
        }
        afterRead?()
        var after = stat()
        guard fstat(fd, &after) == 0 else {
            return .done(.rejected(Rejection(source: relative, message: "cannot stat: \(String(cString: strerror(errno)))")))
        }
        let before = FileStamp(st)
        guard offset == size, FileStamp(after) == before else { return .changed }
        return .done(.bytes(bytes, before))
    }
}
