import Glibc

/// A real `AF_UNIX`/`SOCK_DGRAM` socket bound where `NOTIFY_SOCKET` will
/// point, standing in for systemd's notification socket.
///
/// Built independently of the module's own address code, so that a wrong
/// address length in the notifier cannot be mirrored here.
final class DatagramListener {
    /// The value to put in `NOTIFY_SOCKET`.
    let notifySocket: String
    private let fd: Int32
    private let directory: String?

    /// Binds a filesystem socket in a fresh temporary directory.
    static func filesystem() throws -> DatagramListener {
        var template = Array("/tmp/feedd-notify-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ListenerError(call: "mkdtemp") }
        let directory = String(cString: made)
        return try DatagramListener(notifySocket: directory + "/notify", directory: directory)
    }

    /// Binds an abstract socket named `@feedd-test-<random>`.
    static func abstract() throws -> DatagramListener {
        try DatagramListener(notifySocket: "@feedd-test-\(UInt64.random(in: 0...UInt64.max))", directory: nil)
    }

    private init(notifySocket: String, directory: String?) throws {
        self.notifySocket = notifySocket
        self.directory = directory
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError(call: "socket") }

        // A test must fail, not hang, when nothing arrives.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(notifySocket.utf8)
        let isAbstract = path.first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // Abstract: exactly the name's bytes. Filesystem: the path and its NUL.
        let length = socklen_t(2 + path.count + (isAbstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = ListenerError(call: "bind")
            close(fd)
            throw error
        }
    }

    deinit {
        close(fd)
        if let directory {
            unlink(directory + "/notify")
            rmdir(directory)
        }
    }

    /// The next datagram's bytes, or `nil` after two seconds of silence.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer[..<count])
    }

    /// The next datagram as text.
    func receiveText() -> String? {
        receive().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether a datagram is waiting, without blocking.
    func hasPending() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) >= 0
    }
}

struct ListenerError: Error, CustomStringConvertible {
    let call: String
    let code: Int32 = errno
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}
