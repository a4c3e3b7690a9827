/// The stable key of an entry: the `id` field, the source path without its
/// extension, or (for listing pages) a key derived from the text.
///
/// Keys never contain whitespace or control characters, so they can be used
/// in `tag:` URIs and log lines as they are.
public struct EntryKey: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// Builds a key from arbitrary text: whitespace and characters that are
    /// not safe in a URI become `-`, runs collapse, ends are trimmed.
    public init(sanitizing text: String) {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var lastDash = true
        for scalar in text.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "~", "/", ":", "@", "!", "$", "'", "(", ")", "*", "+", ",", ";", "=":
                out.unicodeScalars.append(scalar)
                lastDash = false
            case _ where scalar.value >= 0xA0 && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil):
                // Letters of other scripts stay readable in logs, percent-encoded in the id.
                for byte in String(scalar).utf8 {
                    out += "%" + String(byte, radix: 16, uppercase: true)
                }
                lastDash = false
            default:
                if !lastDash {
                    out.append("-")
                    lastDash = true
                }
            }
        }
        while out.hasSuffix("-") || out.hasSuffix("/") || out.hasSuffix(".") { out.removeLast() }
        self.rawValue = out
    }

    public var description: String { rawValue }

    public static func < (lhs: EntryKey, rhs: EntryKey) -> Bool { lhs.rawValue < rhs.rawValue }
}
