import Foundation
import FeedModel

/// `*.json`: one entry object, or an array of them, with the same keys as
/// front matter plus `body`.
public enum JSONEntries {
    /// What a JSON file holds: entries with an id (or the file's only
    /// entry, keyed by its path), and items of an array without one, whose
    /// keys are settled from their content the way a listing page's are
    /// (`ListingIdentity`), so removing or inserting one never re-keys the others.
    public struct Parsed: Sendable {
        public var entries: [Entry] = []
        public var items: [ListingItem] = []
        public var rejections: [Rejection] = []
        /// One per key an object holds that an entry does not read.
        public var warnings: [Rejection] = []
    }

    /// Parses every object; a bad object is rejected on its own (naming its
    /// line) and the others are still returned.
    ///
    /// - Throws: `Rejection` when the file as a whole is not usable JSON.
    public static func parse(_ text: String, source: String) throws(Rejection) -> Parsed {
        let data = Data(text.utf8)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Rejection(source: source, line: errorLine(error, text: text), message: "not valid JSON: \(errorText(error))")
        }
        let objectLines = topLevelObjectLines(text)
        let base = stripExtension(source)
        var out = Parsed()
        switch root {
        case let object as [String: Any]:
            let builder = EntryBuilder(source: source, line: objectLines.first ?? 1, defaultKey: .text(base))
            let fields = EntryFields(fields(object, line: builder.line))
            out.entries = [try builder.build(fields, body: "")]
            out.warnings = fields.warnings(source: source)
        case let array as [Any]:
            if array.isEmpty {
                throw Rejection(source: source, line: 1, message: "the array holds no entries")
            }
            for (index, element) in array.enumerated() {
                let line = index < objectLines.count ? objectLines[index] : 1
                guard let object = element as? [String: Any] else {
                    out.rejections.append(Rejection(source: source, line: line, message: "item \(index + 1) is not an object"))
                    continue
                }
                let fields = EntryFields(fields(object, line: line))
                let builder = EntryBuilder(source: source, line: line, defaultKey: .text(base))
                do {
                    let entry = try builder.build(fields, body: "")
                    out.warnings += fields.warnings(source: source)
                    if array.count == 1 || fields.hasID {
                        out.entries.append(entry)
                    } else {
                        out.items.append(ListingItem(contentKeyed: entry))
                    }
                } catch {
                    out.rejections.append(error)
                }
            }
        default:
            throw Rejection(source: source, line: 1, message: "expected an entry object or an array of entry objects")
        }
        return out
    }

    private static func fields(_ object: [String: Any], line: Int) -> [String: FieldValue] {
        var out: [String: FieldValue] = [:]
        for (k, v) in object { out[k.lowercased()] = value(v, line: line, depth: 0) }
        return out
    }

    private static func value(_ any: Any, line: Int, depth: Int) -> FieldValue {
        switch any {
        case let s as String: return .text(s, line: line)
        case is NSNull: return .null(line: line)
        case let n as NSNumber:
            return .number(n.stringValue, line: line)
        case let a as [Any] where depth < 4:
            return .list(a.map { value($0, line: line, depth: depth + 1) }, line: line)
        case let o as [String: Any] where depth < 4:
            var t: [String: FieldValue] = [:]
            for (k, v) in o { t[k.lowercased()] = value(v, line: line, depth: depth + 1) }
            return .table(t, line: line)
        default:
            return .null(line: line)
        }
    }

    /// 1-based line of each object at depth 1 (inside a top-level array), or
    /// of the root object.
    static func topLevelObjectLines(_ text: String) -> [Int] {
        var lines: [Int] = []
        var line = 1
        var depth = 0
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if byte == 0x0A { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x7B, 0x5B: // { [
                if byte == 0x7B, depth <= 1 { lines.append(line) }
                depth += 1
            case 0x7D, 0x5D: depth -= 1
            default: break
            }
        }
        // A root object records itself at depth 0; an array's objects at depth 1.
        return lines
    }

    private static func errorText(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    /// Foundation names either a line or a character offset, depending on the platform.
    private static func errorLine(_ error: any Error, text source: String) -> Int? {
        let message = errorText(error)
        if let range = message.range(of: "line ") {
            return Int(message[range.upperBound...].prefix(while: { $0.isNumber }))
        }
        guard let range = message.range(of: "character "),
              let offset = Int(message[range.upperBound...].prefix(while: { $0.isNumber })) else { return nil }
        return source.utf8.prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
