import Synchronization
import Syscall

/// Where log lines go (a file descriptor: stderr, a file, a pipe, journald's
/// stream), one whole line per write or, inside `batch`, many lines per write.
///
/// A run's announcements are thousands of lines on a first run: one
/// `write(2)` each cost half a second on 100,000 entries. In a batch they
/// are collected and written in chunks of whole lines (never more than
/// `chunkSize` bytes but for one longer line), and the last chunk is written
/// before `batch` returns, so a caller that commits its state afterwards
/// may repeat a notice after a crash but never lose one.
public final class LogOutput: Sendable {
    private let fd: Int32
    private let pending = Mutex<(depth: Int, bytes: [UInt8])>((0, []))
    static let chunkSize = 64 * 1024

    public init(fd: Int32 = 2) {
        self.fd = fd
    }

    /// Writes one line (ending in a newline), or keeps it for the batch's next chunk.
    public func write(_ line: String) {
        let chunk: [UInt8]? = pending.withLock { state in
            guard state.depth > 0 else { return Array(line.utf8) }
            if state.bytes.count + line.utf8.count > Self.chunkSize && !state.bytes.isEmpty {
                defer { state.bytes = Array(line.utf8) }
                return state.bytes
            }
            state.bytes += line.utf8
            return nil
        }
        if let chunk { put(chunk) }
    }

    /// Runs `body`, writing the lines logged meanwhile in large chunks; all
    /// are written when it returns.
    public func batch<R>(_ body: () throws -> R) rethrows -> R {
        pending.withLock { $0.depth += 1 }
        defer {
            let rest: [UInt8] = pending.withLock { state in
                state.depth -= 1
                guard state.depth == 0 else { return [] }
                defer { state.bytes = [] }
                return state.bytes
            }
            if !rest.isEmpty { put(rest) }
        }
        return try body()
    }

    /// A failed write has nowhere to be reported: the line is lost, the run goes on.
    private func put(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { writeAll(fd, $0) }
    }
}
