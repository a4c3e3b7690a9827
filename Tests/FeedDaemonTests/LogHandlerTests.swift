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
        Self.logger(.json, into: json).notice("ignored", metadata: ["title": "T \"q\"", "event": "new", "zeta": "1", "line": "7"])
        #expect(json.all == ["{\"level\":\"notice\",\"event\":\"new\",\"title\":\"T \\\"q\\\"\",\"line\":7,\"zeta\":1}\n"])
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

    @Test func aBatchWritesWholeLinesInChunksAndAllOfThemBeforeItReturns() {
        let sink = Sink()
        let output = LogOutput(fd: sink.fd)
        let line = String(repeating: "x", count: 99) + "\n"   // 100 bytes
        let perChunk = LogOutput.chunkSize / 100
        var seenDuring: [Int] = []
        output.batch {
            for i in 0..<(perChunk * 3 + 7) {
                output.write(line)
                if i == 10 || i == perChunk + 10 { seenDuring.append(sink.text.utf8.count) }
            }
            // Lines logged in a nested batch (the summary inside the run's announcements) wait for the outer one.
            output.batch { output.write("last\n") }
            seenDuring.append(sink.text.utf8.count)
        }
        // Nothing until a chunk is full; then whole chunks of whole lines.
        #expect(seenDuring[0] == 0)
        #expect(seenDuring[1] == perChunk * 100)
        #expect(seenDuring[2] == perChunk * 3 * 100)
        let all = sink.text
        #expect(all.utf8.count == (perChunk * 3 + 7) * 100 + 5)
        #expect(all.hasSuffix("x\nlast\n"))
        #expect(all.split(separator: "\n").allSatisfy { $0.count == 99 || $0 == "last" })
    }
}
