#if canImport(Glibc)
import Glibc
#endif

/// A system call the watcher cannot do without failed.
public struct WatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failing call, such as `inotify_init1`.
    public let call: String
    /// The `errno` it left.
    public let errno: Int32
    /// The path involved, if any.
    public let path: String?

    public init(call: String, errno: Int32, path: String? = nil) {
        self.call = call
        self.errno = errno
        self.path = path
    }

    public var description: String {
        var text = "\(call)"
        if let path { text += " on \(path)" }
        text += " failed: \(String(cString: strerror(errno)))"
        if call == "inotify_init1" && errno == EMFILE {
            text += " (too many inotify instances: raise the sysctl fs.inotify.max_user_instances)"
        }
        return text
    }
}
