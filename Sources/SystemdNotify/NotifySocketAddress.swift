#if canImport(Glibc)
import Glibc
#endif

/// The `sockaddr_un` that `NOTIFY_SOCKET` names, with the exact length to pass
/// to `sendto(2)`.
///
/// `/run/systemd/notify` is a filesystem socket; `@name` is an abstract one,
/// whose `sun_path` starts with a NUL byte. For an abstract name every byte of
/// the length counts, so the length is `offsetof(sun_path) + 1 + name.count`,
/// never `sizeof(sockaddr_un)`: trailing NULs would name a different socket.
struct NotifySocketAddress: Sendable, Equatable {
    /// The value of `NOTIFY_SOCKET`, as given.
    let text: String
    /// The bytes of `sun_path` that matter (including the leading NUL of an
    /// abstract name, and the trailing NUL of a filesystem path).
    let pathBytes: [UInt8]

    private static let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
    private static let pathCapacity = MemoryLayout<sockaddr_un>.size - pathOffset

    /// Parses a `NOTIFY_SOCKET` value; `nil` when it is not a usable unix socket address.
    init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, !utf8.contains(0) else { return nil }
        let bytes: [UInt8]
        switch utf8[0] {
        case UInt8(ascii: "@"):
            bytes = [0] + utf8.dropFirst()
        case UInt8(ascii: "/"):
            bytes = utf8 + [0]
        default:
            return nil
        }
        guard bytes.count <= Self.pathCapacity else { return nil }
        self.text = text
        self.pathBytes = bytes
    }

    /// Calls `body` with a filled `sockaddr_un` and the length that covers
    /// exactly `pathBytes`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(Self.pathOffset + pathBytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
