#if canImport(Glibc)
import Glibc
#endif
import Syscall

/// Thin wrappers over the inotify system calls; every one retries `EINTR`
/// and turns `errno` into a ``WatchError`` that names the call.
enum Inotify {
    /// A non-blocking, close-on-exec inotify descriptor.
    static func open() -> Result<Int32, WatchError> {
        let fd = retryingEINTR { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        return fd >= 0 ? .success(fd) : .failure(WatchError(call: "inotify_init1", errno: errno))
    }

    /// Watches the directory at `path`; the kernel returns the existing
    /// descriptor when the directory is already watched.
    static func addWatch(_ fd: Int32, path: String, mask: InotifyMask) -> Result<Int32, WatchError> {
        let wd = retryingEINTR { inotify_add_watch(fd, path, mask.rawValue) }
        return wd >= 0 ? .success(wd) : .failure(WatchError(call: "inotify_add_watch", errno: errno, path: path))
    }

    /// Removes a watch; failure means the kernel removed it already.
    static func removeWatch(_ fd: Int32, _ wd: Int32) {
        _ = inotify_rm_watch(fd, wd)
    }

    /// `fs.inotify.max_user_watches`, for the message that asks to raise it.
    static func maxUserWatches() -> String? {
        sysctl("max_user_watches")
    }

    /// `fs.inotify.max_queued_events`.
    static func maxQueuedEvents() -> Int? {
        sysctl("max_queued_events").flatMap { Int($0) }
    }

    private static func sysctl(_ name: String) -> String? {
        let fd = Glibc.open("/proc/sys/fs/inotify/" + name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self).trimmingNewlines()
    }
}

extension String {
    fileprivate func trimmingNewlines() -> String {
        String(self.filter { !$0.isNewline })
    }
}
