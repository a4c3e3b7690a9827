import Foundation
import Testing
import Logging
import Synchronization
@testable import FeedDaemon

/// The log handler in-process: one line per event, escapes that cannot be
/// undone by a title, the JSON object's fixed key order.
struct LogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ s: String) { lines.withLock { $0.append(s) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func logger(_ format: LogFormat, into lines: Lines) -> Logger {
        Logger(label: "test") { _ in
            FeedLogHandler(format: format, level: .info, timestamps: false, write: { lines.append($0) })
        }
    }

    @Test func quotedEscapesOnlyQuotesAndBackslashes() {
        #expect(LogEscape.quoted("plain title") == "\"plain title\"")
        #expect(LogEscape.quoted("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(LogEscape.quoted("C:\\path \"x\" ü") == "\"C:\\\\path \\\"x\\\" ü\"")
        #expect(LogEscape.quoted("") == "\"\"")
    }

    @Test func textLinesAreTheMessageAndJSONLinesCarryTheMetadata() {
        let lines = Lines()
        Self.logger(.text, into: lines).notice("new job \(LogEscape.quoted("Role \u{1B}[31m"))", metadata: ["event": "new", "title": "Role"])
        #expect(lines.all == ["notice new job \"Role \\u{1B}[31m\"\n"])

        let json = Lines()
        Self.logger(.json, into: json).notice("ignored", metadata: ["title": "T \"q\"", "event": "new", "zeta": "1", "line": .int(7),
                                                                    "dry": .bool(false), "s": .number(0.25)])
        // Text stays text ("1" is a string), typed values are JSON numbers and booleans.
        #expect(json.all == ["{\"level\":\"notice\",\"event\":\"new\",\"title\":\"T \\\"q\\\"\",\"line\":7,\"dry\":false,\"s\":0.25,\"zeta\":\"1\"}\n"])
    }
}

/// `LogOutput`: lines one write each outside a batch; inside one, whole
/// lines in chunks of at most `chunkSize` bytes, and every line written by
/// the time `batch` returns.
struct LogOutputTests {
    /// A file the output writes to, read back as it stands.
    final class Sink {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-log-\(UUID().uuidString)").path
        let fd: Int32
        init() { fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        deinit { close(fd); unlink(path) }
        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    @Test func outsideABatchEachLineIsWrittenAtOnce() {
        let sink = Sink()
        let output = LogOutput(fd: sink.fd)
        output.write("one\n")
        #expect(sink.text == "one\n")
        output.write("two\n")
        #expect(sink.text == "one\ntwo\n")
    }

    /// Lines prepared ahead are written in chunks of whole lines, none over
    /// `chunkSize` bytes (a longer line alone), every byte exactly once.
    @Test func preparedLinesAreWrittenInChunksOfWholeLines() throws {
        let sink = Sink()
        let output = LogOutput(fd: sink.fd)
        let memory = LogOutput()
        let line = String(repeating: "x", count: 99) + "\n"   // 100 bytes
        let count = LogOutput.chunkSize / 100 * 3 + 7
        for _ in 0..<count { memory.write(line) }
        let long = String(repeating: "y", count: LogOutput.chunkSize + 10) + "\n"
        memory.write(long)
        memory.write("last\n")
        let lines = memory.take()
        #expect(memory.take().isEmpty, "taken once")
        // A sequenced-packet socket keeps each write(2) apart: one read per write.
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
        let reader = Thread.detachedReads(fds[0])
        LogOutput(fd: fds[1]).write(lines: lines)
        close(fds[1])
        let reads = reader.wait()
        #expect(Array(reads.joined()) == lines, "every byte once, in order")
        #expect(reads.allSatisfy { $0.last == 0x0A }, "each write ends at a line's end")
        #expect(reads.dropLast(2).allSatisfy { $0.count <= LogOutput.chunkSize })
        #expect(reads.contains { $0.count > LogOutput.chunkSize && $0.starts(with: Array(long.utf8).prefix(10)) }, "the long line alone")
        #expect(reads.count >= 4)
        output.write(lines: Array("a\nb\n".utf8))
        #expect(sink.text == "a\nb\n")
    }
}

private final class Reads: @unchecked Sendable {
    var chunks: [[UInt8]] = []
    let done = DispatchSemaphore(value: 0)
    func wait() -> [[UInt8]] { done.wait(); return chunks }
}

private extension Thread {
    /// Reads `fd` to its end on a thread of its own, one chunk per read(2).
    static func detachedReads(_ fd: Int32) -> Reads {
        let reads = Reads()
        Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                reads.chunks.append(Array(buffer[..<n]))
            }
            close(fd)
            reads.done.signal()
        }.start()
        return reads
    }
}
