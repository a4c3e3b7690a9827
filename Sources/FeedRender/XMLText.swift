import FeedModel

/// Text made safe for XML 1.0 before it reaches libxml2, which copies
/// forbidden characters verbatim (and a NUL would cut a C string short).
public enum XMLText {
    /// Drops characters XML 1.0 forbids: C0 controls other than tab, LF and
    /// CR, lone surrogates (impossible in a Swift String), U+FFFE and U+FFFF.
    /// DEL and the C1 controls are allowed by XML but break readers, so they
    /// go too, and so do the other Unicode noncharacters (U+FDD0–U+FDEF,
    /// U+nFFFE/U+nFFFF), which HTML parsers report as errors in
    /// `content type="html"`. Read on the UTF-8 bytes (`unwantedLength`).
    public static func sanitize(_ text: String) -> String {
        var text = text
        return text.withUTF8 { b -> String? in
            guard let p = b.baseAddress, let first = firstUnwanted(p, b.count) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var i = 0
            var next: Int? = first
            while let start = next {
                out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: start - i))
                i = start + unwantedLength(p, start, b.count)
                next = firstUnwanted(p + i, b.count - i).map { $0 + i }
            }
            out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: b.count - i))
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    /// The offset of the first unwanted character in `n` bytes of UTF-8, or
    /// nil. Sixteen bytes at a time while they are printable ASCII, tabs or
    /// line ends (nearly all of any text).
    static func firstUnwanted(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let space = SIMD16<UInt8>(repeating: 0x20), del = SIMD16<UInt8>(repeating: 0x7F)
        let tab = SIMD16<UInt8>(repeating: 0x09), lf = SIMD16<UInt8>(repeating: 0x0A), cr = SIMD16<UInt8>(repeating: 0x0D)
        var i = 0
        while i < n {
            if i + 16 <= n {
                let chunk = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<UInt8>.self)
                let plain = ((chunk .>= space) .& (chunk .< del)) .| (chunk .== tab) .| (chunk .== lf) .| (chunk .== cr)
                if !(.!plain).anySet {
                    i += 16
                    continue
                }
            }
            if unwantedLength(p, i, n) > 0 { return i }
            i += 1
        }
        return nil
    }

    /// The byte length of the unwanted character at `p[i]` (`n` bytes in
    /// all), or 0 when the character there is fine: C0 controls but tab, LF
    /// and CR; DEL and the C1 controls (U+007F–U+009F); U+FDD0–U+FDEF; the
    /// last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE …).
    @inline(__always)
    static func unwantedLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        let c = p[i]
        if c < 0x80 { return (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0x7F ? 1 : 0 }
        switch c {
        case 0xC2:  // U+0080–U+009F
            return i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F ? 2 : 0
        case 0xEF:  // U+FDD0–U+FDEF, U+FFFE, U+FFFF
            guard i + 2 < n else { return 0 }
            if p[i + 1] == 0xB7 && p[i + 2] >= 0x90 && p[i + 2] <= 0xAF { return 3 }
            return p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF) ? 3 : 0
        case 0xF0...0xF4:  // U+nFFFE, U+nFFFF: the plane's last 0xFFFF bits all set but the lowest
            guard i + 3 < n else { return 0 }
            return p[i + 1] & 0x0F == 0x0F && p[i + 2] == 0xBF && (p[i + 3] == 0xBE || p[i + 3] == 0xBF) ? 4 : 0
        default:
            return 0
        }
    }

    /// Like `sanitize`, and folds every whitespace run (newlines too) into one
    /// space: for titles, names and other one-line values.
    public static func singleLine(_ text: String) -> String {
        sanitize(text).collapsingWhitespace()
    }
}
