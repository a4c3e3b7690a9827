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
        var text = text
        // Most ids need no change: the text itself, no copy.
        if text.withUTF8({ Self.isClean($0) }) {
            rawValue = text
            return
        }
        if let ascii = text.withUTF8({ Self.sanitizeASCII($0) }) {
            rawValue = ascii
            return
        }
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

    /// `init(sanitizing:)` for ASCII text, on bytes; nil when the text is not ASCII.
    private static func sanitizeASCII(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var lastDash = true
        for c in b {
            guard c < 0x80 else { return nil }
            if isKept(c) {
                out.append(c)
                lastDash = false
            } else if !lastDash {
                out.append(UInt8(ascii: "-"))
                lastDash = true
            }
        }
        while let last = out.last, last == UInt8(ascii: "-") || last == UInt8(ascii: "/") || last == UInt8(ascii: ".") { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `sanitizeASCII` would keep the bytes as they are (most ids):
    /// allowed bytes and single dashes between them.
    private static func isClean(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = b.first, let last = b.last, first != UInt8(ascii: "-"),
              last != UInt8(ascii: "-"), last != UInt8(ascii: "/"), last != UInt8(ascii: ".") else { return false }
        var previousDash = false
        for c in b {
            if isKept(c) {
                previousDash = false
            } else if c == UInt8(ascii: "-") && !previousDash {
                previousDash = true
            } else {
                return false
            }
        }
        return true
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
