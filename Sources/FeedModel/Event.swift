/// What a run announces about one entry: one log line each.
public struct Event: Sendable, Equatable, CustomStringConvertible {
    public enum Change: String, Sendable, Codable {
        case new
        case updated
        case removed
        /// An edit of fields no feed counts as news (its `significant` list): logged at `info`.
        case revised
    }

    public var change: Change
    public var key: EntryKey
    public var kind: EntryKind
    public var title: String
    public var source: String

    public init(change: Change, key: EntryKey, kind: EntryKind, title: String, source: String) {
        self.change = change
        self.key = key
        self.kind = kind
        self.title = title
        self.source = source
    }

    public var description: String { "\(change.rawValue) \(kind.rawValue) \(key)" }
}

/// A source file feedd could not use, with the reason a person can act on.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Path relative to the source root.
    public var source: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    public var message: String

    public init(source: String, line: Int? = nil, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}

extension Rejection {
    /// Several problems of one file as one: the first, with the others' lines
    /// and messages appended (one log line per file names them all).
    public static func combining(_ problems: [Rejection]) -> Rejection {
        guard var first = problems.first else { return Rejection(source: "", message: "no problem") }
        let more = problems.dropFirst().map { r in (r.line.map { "line \($0): " } ?? "") + r.message }
        if !more.isEmpty { first.message += " (and \(more.count) more: " + more.joined(separator: "; ") + ")" }
        return first
    }
}
