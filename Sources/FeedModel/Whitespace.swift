/// Whitespace as feedd means it everywhere — trimming a field, collapsing a
/// title, a summary or the text a fingerprint hashes: Unicode's White_Space
/// characters (ASCII tab, line feed, vertical tab, form feed, carriage return
/// and space; NEL, NO-BREAK SPACE, OGHAM SPACE MARK, the spaces U+2000–U+200A,
/// LINE and PARAGRAPH SEPARATOR, NARROW NO-BREAK SPACE, MEDIUM MATHEMATICAL
/// SPACE, IDEOGRAPHIC SPACE), read straight from UTF-8.
public enum Whitespace {
    /// The byte length of the whitespace character that starts at `p[i]`
    /// (1–3), or 0 when none does; `n` is where the bytes end.
    @inline(__always)
    static func length(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        let c = p[i]
        if c < 0x80 { return c == 0x20 || (c &- 0x09) <= 4 ? 1 : 0 }
        switch c {
        case 0xC2:  // U+0085, U+00A0
            return i + 1 < n && (p[i + 1] == 0x85 || p[i + 1] == 0xA0) ? 2 : 0
        case 0xE1:  // U+1680
            return i + 2 < n && p[i + 1] == 0x9A && p[i + 2] == 0x80 ? 3 : 0
        case 0xE2:  // U+2000–200A, U+2028, U+2029, U+202F; U+205F
            guard i + 2 < n else { return 0 }
            let b1 = p[i + 1], b2 = p[i + 2]
            if b1 == 0x80 { return b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3:  // U+3000
            return i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// The byte length of the whitespace character that ends just before
    /// `p[end]` (1–3), or 0 when none does.
    @inline(__always)
    static func length(endingAt end: Int, _ p: UnsafePointer<UInt8>) -> Int {
        if end >= 1, p[end - 1] < 0x80 { return length(p, end - 1, end) }
        if end >= 2, length(p, end - 2, end) == 2 { return 2 }
        if end >= 3, length(p, end - 3, end) == 3 { return 3 }
        return 0
    }

    /// The range of `b` without leading and trailing whitespace.
    public static func trimmedRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard let p = b.baseAddress else { return 0..<0 }
        var start = 0, end = b.count
        while start < end {
            let k = length(p, start, end)
            if k == 0 { break }
            start += k
        }
        while end > start {
            let k = length(endingAt: end, p)
            if k == 0 { break }
            end -= k
        }
        return start..<end
    }

    /// Appends `n` bytes at `src` to the text at `out`, which has `o` bytes,
    /// with every whitespace run written as one space; returns the new
    /// length. Leading whitespace (when `o` is 0) is dropped; a trailing run
    /// is left in `pendingSpace`, written only if more text follows, so
    /// pieces of one text can be appended one after the other (start with
    /// `false`). `out` needs room for `o + n + 1` bytes.
    ///
    /// Sixteen bytes at a time where nothing changes (ASCII without a tab, a
    /// line end or two spaces in a row: most of prose), copied as they are.
    public static func collapse(_ src: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>, at start: Int,
                                pendingSpace: inout Bool) -> Int {
        var o = start
        var i = 0
        var pending = pendingSpace
        // (Constants of the concrete type, bound to names: built inside the
        // expressions, these operations compile to byte loops.)
        let space = SIMD16<UInt8>(repeating: 0x20), tab = SIMD16<UInt8>(repeating: 0x09)
        let five = SIMD16<UInt8>(repeating: 5), high = SIMD16<UInt8>(repeating: 0x80)
        /// The sixteen bytes at `i` and how many of them come before the first that changes
        /// something: whitespace but a space after a non-space, or a non-ASCII byte.
        @inline(__always) func unchanged(at i: Int) -> (SIMD16<UInt8>, Int) {
            let chunk = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<UInt8>.self)
            // Each lane's previous byte (the first chunk compares with itself: only its spaces end the copy early).
            let before = i > 0 ? UnsafeRawPointer(src + i - 1).loadUnaligned(as: SIMD16<UInt8>.self) : chunk
            let changes = ((chunk &- tab) .< five) .| (chunk .>= high) .| ((chunk .== space) .& (before .== space))
            if !changes.anySet { return (chunk, 16) }  // a branch of its own: the next loads need not wait for a count
            return (chunk, changes.firstSetLane)
        }
        while i < n {
            // A space first changes something when a run is pending or nothing is written yet (a leading space must go).
            if i &+ 16 <= n, !(src[i] == 0x20 && (pending || o == 0)) {
                var (chunk, count) = unchanged(at: i)
                if count > 0 {
                    if pending {
                        out[o] = 0x20
                        o &+= 1
                        pending = false
                    }
                    // Chunk after chunk until one changes something: all sixteen are stored
                    // (`out` has room for them), `count` kept.
                    while true {
                        UnsafeMutableRawPointer(out + o).storeBytes(of: chunk, as: SIMD16<UInt8>.self)
                        o &+= count
                        i &+= count
                        guard count == 16, i &+ 16 <= n else { break }
                        (chunk, count) = unchanged(at: i)
                    }
                    if src[i &- 1] == 0x20 {
                        // A space at the end may start a run, or end the text: pending.
                        o &-= 1
                        pending = true
                    }
                    continue
                }
            }
            let k = length(src, i, n)
            if k > 0 {
                if o > 0 { pending = true }
                i += k
                continue
            }
            if pending {
                out[o] = 0x20
                o += 1
                pending = false
            }
            out[o] = src[i]
            o += 1
            i += 1
        }
        pendingSpace = pending
        return o
    }

    /// `text` with every whitespace run made one space and the ends trimmed.
    public static func collapsed(_ text: String) -> String {
        var text = text
        return text.withUTF8 { b in
            guard let p = b.baseAddress else { return "" }
            return String(unsafeUninitializedCapacity: b.count + 1) { out in
                var pending = false
                return collapse(p, b.count, into: out.baseAddress!, at: 0, pendingSpace: &pending)
            }
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (`Whitespace`).
    public func trimmed() -> String {
        var text = String(self)
        return text.withUTF8 { b in
            let range = Whitespace.trimmedRange(b)
            return range.count == b.count ? nil : String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
        } ?? text
    }

    /// The text with every whitespace run made one space and the ends trimmed (`Whitespace`).
    public func collapsingWhitespace() -> String { Whitespace.collapsed(String(self)) }
}
