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
