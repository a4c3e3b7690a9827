/// A configuration problem, located as precisely as the input allows.
///
/// `description` reads like a compiler diagnostic, so editors and CI logs
/// can jump to it: `Config/feedd.toml:14: feed[1].cap: must be a whole number
/// from 1 to 10000, got "lots"`.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The config file as the user named it (relative paths stay relative).
    public var file: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    /// 1-based column; only syntax errors have one.
    public var column: Int?
    /// The key path, e.g. `feed[1].cap` (array indices are 0-based).
    public var key: String?
    public var message: String
    /// Further problems found in the same file, in line order. `self` is the
    /// first; the CLI should print `fullDescription` so users fix all at once.
    public var additional: [ConfigError]

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String,
                additional: [ConfigError] = []) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
        self.additional = additional
    }

    /// `FILE:LINE[:COLUMN]: KEY: message`, leaving out what is unknown.
    public var description: String {
        var out = file
        if let line {
            out += ":\(line)"
            if let column { out += ":\(column)" }
        }
        out += ": "
        if let key, !key.isEmpty { out += key + ": " }
        return out + message
    }

    /// This problem and every additional one, one per line.
    public var fullDescription: String {
        ([description] + additional.map(\.description)).joined(separator: "\n")
    }

    /// Every problem, this one first.
    public var all: [ConfigError] {
        var first = self
        first.additional = []
        return [first] + additional
    }
}
