import FeedModel
import TOMLKit

/// Walks a parsed TOML document against the schema, collecting every
/// problem with its key path and line.
final class ConfigReader {
    enum Field<T> {
        case absent
        case invalid
        case value(T)

        var value: T? {
            if case .value(let value) = self { return value }
            return nil
        }
    }

    let file: String
    let locator: KeyLocator
    private(set) var problems: [ConfigError] = []

    init(file: String, locator: KeyLocator) {
        self.file = file
        self.locator = locator
    }

    func fail(_ path: TOMLKeyPath, _ message: String) {
        problems.append(ConfigError(file: file, line: locator.line(of: path), key: path.description, message: message))
    }

    /// Problems in line order (ties keep discovery order); the first carries the rest.
    func error() -> ConfigError? {
        let sorted = problems.enumerated().sorted { lhs, rhs in
            let l = lhs.element.line ?? Int.max, r = rhs.element.line ?? Int.max
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
        guard var first = sorted.first else { return nil }
        first.additional = Array(sorted.dropFirst())
        return first
    }

    // MARK: Keys

    /// Reports every key of `table` not in `allowed`, in line order.
    func rejectUnknownKeys(in table: TOMLTable, at path: TOMLKeyPath, allowed: [String]) {
        let place = path.isRoot ? "at the top level" : "in [\(Self.tableName(path))]"
        for key in table.keys where !allowed.contains(key) {
            var message = "unknown key \(place); expected one of: \(allowed.joined(separator: ", "))"
            if let hint = Validation.suggestion(for: key, among: allowed) {
                message = "unknown key \(place); did you mean \"\(hint)\"? (expected one of: \(allowed.joined(separator: ", ")))"
            }
            fail(path.appending(key), message)
        }
    }

    /// `feed[1]` → `[feed]`-ish name for messages: `feed`.
    static func tableName(_ path: TOMLKeyPath) -> String {
        if case .index = path.components.last, let parent = path.parent {
            return "[\(parent.description)]"
        }
        return path.description
    }

    // MARK: Typed values

    func value(_ table: TOMLTable, _ key: String) -> (any TOMLValueConvertible)? { table[key] }

    func subtable(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath) -> Field<TOMLTable> {
        guard let raw = table[key] else { return .absent }
        guard let sub = raw.table else {
            fail(path.appending(key), "must be a table ([\(path.appending(key))]), got \(Self.render(raw))")
            return .invalid
        }
        return .value(sub)
    }

    func string(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath, noun: String = "a string")
        -> Field<String> {
        guard let raw = table[key] else { return .absent }
        guard let text = raw.string else {
            fail(path.appending(key), "must be \(noun), got \(Self.render(raw))")
            return .invalid
        }
        return .value(text)
    }

    /// A one-line human text (titles, names): not blank, no control characters.
    func text(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath) -> Field<String> {
        let field = string(table, key, at: path, noun: "a non-empty string")
        guard let text = field.value else { return field }
        if text.allSatisfy(\.isWhitespace) {
            fail(path.appending(key), "must be a non-empty string, got \(Self.render(text))")
            return .invalid
        }
        if Validation.containsSpaceOrControl(text, allowSpace: true) {
            fail(path.appending(key), "must be one line of text without control characters, got \(Self.render(text))")
            return .invalid
        }
        return .value(text)
    }

    func integer(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath, range: ClosedRange<Int>,
                 noun: String = "a whole number") -> Field<Int> {
        guard let raw = table[key] else { return .absent }
        guard let number = raw.int, range.contains(number) else {
            fail(path.appending(key),
                 "must be \(noun) from \(range.lowerBound) to \(range.upperBound), got \(Self.render(raw))")
            return .invalid
        }
        return .value(number)
    }

    // MARK: Rendering

    /// How a value is quoted back in an error: strings quoted, tables and
    /// arrays by kind.
    /// An optional list of strings, each one of `allowed`; nil when absent or invalid (the failure is recorded).
    func stringList(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath, allowed: [String]) -> [String]? {
        guard let raw = table[key] else { return nil }
        let choices = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
        guard let array = raw.array else {
            fail(path.appending(key), "must be a list such as [\(choices)], got \(Self.render(raw))")
            return nil
        }
        var out: [String] = []
        for i in 0..<array.count {
            guard let text = array[i].string, allowed.contains(text) else {
                fail(path.appending(key), "entries must be among \(choices), got \(Self.render(array[i]))")
                return nil
            }
            if !out.contains(text) { out.append(text) }
        }
        return out
    }

    /// An optional boolean; nil when absent or invalid (the failure is recorded).
    func boolean(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath) -> Bool? {
        guard let raw = table[key] else { return nil }
        guard let value = raw.bool else {
            fail(path.appending(key), "must be true or false, got \(Self.render(raw))")
            return nil
        }
        return value
    }

    static func render(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return render(value.string ?? "")
        case .int: return value.int.map(String.init) ?? "an integer"
        case .double: return value.double.map { "\($0) (a floating-point number)" } ?? "a floating-point number"
        case .bool: return value.bool.map { "\($0) (a boolean)" } ?? "a boolean"
        case .table: return "a table"
        case .array: return "an array"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    static func render(_ text: String) -> String {
        let limit = 60
        let cut = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return TOMLKeyPath.quoted(cut)
    }
}
