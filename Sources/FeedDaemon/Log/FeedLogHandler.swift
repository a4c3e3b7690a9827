import Foundation
import FeedModel
import Logging
import Synchronization

/// How log lines look: `text` for people, `json` (one object per line) for scripts.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// feedd's log contract (README "Logs"): one event per line on stderr.
///
/// Item events carry structured metadata (`event`, `kind`, `id`, `title`,
/// `feed`, `source`); in JSON they are the object, in text the message says it
/// for people. Every value is escaped so one event is always one line, and
/// terminal escapes or bidi overrides in titles cannot disguise a line.
public struct FeedLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    let format: LogFormat
    /// Under journald (`JOURNAL_STREAM` set) the journal stamps lines itself.
    let timestamps: Bool
    let write: @Sendable (String) -> Void
    /// Shared by the handler's copies: a second's RFC 3339 text is made once.
    private let clock = LineClock()

    /// - Parameter write: takes one line, newline included (`LogOutput.write`).
    public init(format: LogFormat, level: Logger.Level, timestamps: Bool, write: @escaping @Sendable (String) -> Void) {
        self.format = format
        self.logLevel = level
        self.timestamps = timestamps
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The fixed order of well-known keys, so lines are easy to scan and diff.
    static let keyOrder = ["event", "kind", "id", "title", "feed", "source", "line", "message"]

    public func log(event: LogEvent) {
        let ts = timestamps ? clock.now() : nil
        let level = Self.name(event.level)
        switch format {
        case .text:
            // The message says it all for people: the metadata is for JSON.
            let message = LogEscape.text(event.message.description)
            var line = ""
            line.reserveCapacity((ts?.utf8.count ?? 0) + level.utf8.count + message.utf8.count + 3)
            if let ts { line += ts; line += " " }
            line += level; line += " "; line += message; line += "\n"
            write(line)
        case .json:
            var fields = metadata
            if let extra = event.metadata { fields.merge(extra) { $1 } }
            var parts: [String] = []
            if let ts { parts.append("\"ts\":" + LogEscape.json(ts)) }
            parts.append("\"level\":" + LogEscape.json(level))
            var keys = Self.keyOrder.filter { fields[$0] != nil }
            keys += fields.keys.filter { !Self.keyOrder.contains($0) }.sorted()
            for key in keys {
                guard let value = fields[key] else { continue }
                parts.append(LogEscape.json(key) + ":" + Self.json(value))
            }
            if fields["event"] == nil && fields["message"] == nil {
                parts.append("\"message\":" + LogEscape.json(event.message.description))
            }
            write("{" + parts.joined(separator: ",") + "}\n")
        }
    }

    static func name(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "critical"
        }
    }

    /// A value as JSON: text is always a string (a title "1984" stays text);
    /// numbers and booleans are given as such (`Logger.MetadataValue.int`,
    /// `.number`, `.bool`) and written bare.
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case let .string(s):
            return LogEscape.json(s)
        case let .stringConvertible(c):
            switch c {
            case let n as Int: return String(n)
            case let b as Bool: return b ? "true" : "false"
            case let d as Double where d.isFinite: return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
            default: return LogEscape.json(c.description)
            }
        case let .array(a): return "[" + a.map(json).joined(separator: ",") + "]"
        case let .dictionary(d):
            return "{" + d.keys.sorted().map { LogEscape.json($0) + ":" + json(d[$0]!) }.joined(separator: ",") + "}"
        }
    }
}

/// The time stamp of log lines, made once a second (a first run logs
/// 100,000 lines within a few).
final class LineClock: Sendable {
    private let last = Mutex<(seconds: Int64, text: String)>((-1, ""))

    func now() -> String {
        let t = Timestamp.now()
        return last.withLock { last in
            if last.seconds != t.seconds { last = (t.seconds, t.rfc3339) }
            return last.text
        }
    }
}

/// Escaping for log output.
public enum LogEscape {
    /// Characters that could break a line or disguise it on a terminal:
    /// controls (C0, DEL, C1 — ESC included), bidi overrides and isolates,
    /// zero-width characters, line/paragraph separators, the Arabic letter
    /// mark and interlinear annotation controls (invisible on a terminal).
    static func isDangerous(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0x2028, 0x2029, 0xFEFF: return true
        case 0x061C, 0x180E, 0xFFF9...0xFFFB: return true
        default: return false
        }
    }

    private static func isPrintableASCII(_ s: String) -> Bool {
        !containsByte(s) { $0 < 0x20 || $0 >= 0x7F }
    }

    /// Whether a byte of `s`'s UTF-8 is one `test` picks, over its
    /// contiguous bytes (a first run's 100,000 lines each ask a few times).
    static func containsByte(_ s: String, where test: (UInt8) -> Bool) -> Bool {
        var s = s
        return s.withUTF8 { $0.contains(where: test) }
    }

    /// For text lines: dangerous characters become `\u{…}`, tab/newline `\t`/`\n`.
    public static func text(_ s: String) -> String {
        // Every dangerous character is a control or not ASCII: printable ASCII is left as it is.
        guard !isPrintableASCII(s), s.unicodeScalars.contains(where: isDangerous) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isDangerous(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A quoted text value for a human line: `"…"` with `"` and `\` escaped.
    public static func quoted(_ s: String) -> String {
        guard containsByte(s, where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }

    /// A JSON string literal, ASCII-safe for the dangerous characters above.
    public static func json(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isDangerous(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Typed values for the JSON log (the log contract's types: `docs/log.schema.json`).
extension Logger.MetadataValue {
    public static func int(_ n: Int) -> Self { .stringConvertible(n) }
    public static func number(_ d: Double) -> Self { .stringConvertible(d) }
    public static func bool(_ b: Bool) -> Self { .stringConvertible(b) }
}

/// The JSON log's contract: its version, given in every `summary` line
/// (`log_format`), and described event by event in `docs/log.schema.json`.
/// A field is added without a new version; one renamed, removed or given
/// another type takes the next.
public enum LogContract {
    public static let version = 1
}
