#if canImport(Glibc)
import Glibc
#endif

/// Why a notification could not be delivered to the service manager.
///
/// A failed notification is never fatal: callers log it and go on, because
/// systemd treats a missing `READY=1` or `WATCHDOG=1` as its own timeout.
public enum NotifyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` names something that is neither an absolute path nor an
    /// abstract socket (`@name`), or is too long for `sockaddr_un`.
    case invalidSocketAddress(String)
    /// A system call failed; `errno` is the value it left behind.
    case systemCall(name: String, errno: Int32, socket: String)
    /// The kernel accepted fewer bytes than the datagram holds.
    case shortWrite(sent: Int, expected: Int, socket: String)

    public var description: String {
        switch self {
        case .invalidSocketAddress(let address):
            return "NOTIFY_SOCKET=\(address) is not an absolute path or an abstract socket (@name) that fits sockaddr_un"
        case .systemCall(let name, let code, let socket):
            return "\(name) on notify socket \(socket) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .shortWrite(let sent, let expected, let socket):
            return "notify socket \(socket) took \(sent) of \(expected) bytes"
        }
    }
}
