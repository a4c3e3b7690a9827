import Logging
import Synchronization
import Syscall

/// Where log lines go: a file descriptor (stderr, a file, a pipe, journald's
/// stream), one whole line per write; or memory, for lines prepared ahead
/// (a run's announcement) and written later in large chunks (`write(lines:)`).
public final class LogOutput: Sendable {
    /// -1: memory.
    private let fd: Int32
    private let memory = Mutex<[UInt8]>([])
    /// The most a chunk of prepared lines holds (one longer line goes alone).
    static let chunkSize = 64 * 1024

    public init(fd: Int32) {
        self.fd = fd
    }

    /// Lines kept in memory until taken.
    public init() {
        fd = -1
    }

    /// Writes one line (ending in a newline).
    public func write(_ line: String) {
        var line = line
        guard fd >= 0 else { return line.withUTF8 { bytes in memory.withLock { $0.append(contentsOf: bytes) } } }
        _ = line.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Writes whole lines prepared ahead, in chunks of at most `chunkSize`
    /// bytes, each ending at a line's end: a first run's 100,000 lines
    /// were one `write(2)` each, half a second of the run.
    public func write(lines: [UInt8]) {
        guard fd >= 0 else { return memory.withLock { $0 += lines } }
        lines.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                var end = min(all.count, start + Self.chunkSize)
                if end < all.count {
                    // Back to the last line end in the chunk (or on to the next, for a longer line).
                    var cut = end
                    while cut > start, all[cut - 1] != 0x0A { cut -= 1 }
                    if cut == start {
                        cut = end
                        while cut < all.count, all[cut - 1] != 0x0A { cut += 1 }
                    }
                    end = cut
                }
                // A failed write has nowhere to be reported: the lines are lost, the run goes on.
                _ = writeAll(fd, UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
    }

    /// The lines kept in memory, and none are kept any more.
    public func take() -> [UInt8] {
        memory.withLock { kept in
            defer { kept = [] }
            return kept
        }
    }
}

/// The log as configured: how lines look (format, level, time stamps) and
/// where they go.
public struct LogSink: Sendable {
    public let format: LogFormat
    public let level: Logger.Level
    /// Under journald (`JOURNAL_STREAM` set) the journal stamps lines itself.
    public let timestamps: Bool
    public let output: LogOutput

    public init(format: LogFormat, level: Logger.Level, timestamps: Bool, output: LogOutput) {
        self.format = format
        self.level = level
        self.timestamps = timestamps
        self.output = output
    }

    /// A logger that follows the log contract, writing to this sink's
    /// output, or to `other` (lines prepared ahead).
    public func logger(to other: LogOutput? = nil) -> Logger {
        let handler = FeedLogHandler(format: format, level: level, timestamps: timestamps, write: (other ?? output).write)
        return Logger(label: "feedd", factory: { _ in handler })
    }
}
