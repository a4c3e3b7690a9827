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
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var lastDash = true
        for scalar in text.unicodeScalars {
            if scalar.isASCII, Self.isKept(UInt8(scalar.value)) {
                out.append(UInt8(scalar.value))
                lastDash = false
            } else if scalar.value >= 0xA0 && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil) {
                // Letters of other scripts stay readable in logs, percent-encoded in the id.
                for byte in String(scalar).utf8 { out += Array("%\(String(byte, radix: 16, uppercase: true))".utf8) }
                lastDash = false
            } else if !lastDash {
                out.append(UInt8(ascii: "-"))
                lastDash = true
            }
        }
        while let last = out.last, last == UInt8(ascii: "-") || last == UInt8(ascii: "/") || last == UInt8(ascii: ".") { out.removeLast() }
        rawValue = String(decoding: out, as: UTF8.self)
    }

    /// The ASCII bytes a key keeps as they are (every other one becomes a dash).
    private static func isKept(_ c: UInt8) -> Bool {
        switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"),
                 UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
                 UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: EntryKey, rhs: EntryKey) -> Bool { lhs.rawValue < rhs.rawValue }
}
