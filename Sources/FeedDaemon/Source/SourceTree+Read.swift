import FeedModel
import Syscall
#if canImport(Glibc)
import Glibc
#endif

/// Reads one source file without ever blocking on a FIFO or device, without
/// reading more than the size limit, and without returning torn content.
extension SourceTree {
    enum ReadOutcome {
        case bytes([UInt8], FileStamp)
        /// Vanished between listing and opening: a deletion, not an error.
        case gone
        case rejected(Rejection)
        /// Kept changing while it was read: nothing from it is used, and it is
        /// not remembered as seen, so the next scan reads it again.
        case unsettled(Rejection)
    }

    /// Reads `relative`, below the root or below `rootFD` when the root is
    /// open already (no walk of the root's path per file).
    /// - Parameter afterRead: a test seam, called between reading the bytes and checking the file did not change.
    func read(_ relative: String, rootFD: Int32? = nil, afterRead: (() -> Void)? = nil) -> ReadOutcome {
        let (directory, path) = rootFD.map { ($0, relative) } ?? (AT_FDCWD, root + "/" + relative)
        // (A String passed straight to openat inside the closure was copied into an array first.)
        let fd = path.withCString { cPath in retryingEINTR { openat(directory, cPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) } }
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
            switch readOnce(fd: fd, relative: relative, afterRead: afterRead) {
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
        case done(ReadOutcome)
        case changed
    }

    private func readOnce(fd: Int32, relative: String, afterRead: (() -> Void)?) -> Attempt {
        let maxSize = maxFileSize
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
                let n = retryingEINTR { Glibc.read(fd, base + offset, buffer.count - offset) }
                if n < 0 {
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
