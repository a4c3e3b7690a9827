#if canImport(Glibc)
import Glibc
#endif
import Syscall

/// A pipe that wakes the watch loop's `poll(2)` when it must stop.
///
/// Both ends live as long as the object, which the watcher, the stream's
/// termination handler and the loop share: a write can never meet a closed
/// read end (`SIGPIPE`), and a descriptor number is never reused under us.
final class WakeSignal: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() throws(WatchError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw WatchError(call: "pipe", errno: errno) }
        for fd in ends {
            // pipe2 is not visible from Swift's Glibc module; set the flags after.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readFD = ends[0]
        writeFD = ends[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Makes the read end readable; repeated signals are harmless.
    func signal() {
        var byte: UInt8 = 1
        _ = retryingEINTR { write(writeFD, &byte, 1) }
    }
}
