import FeedModel

/// Turns a source file's bytes into text feedd can publish, or says exactly
/// where it cannot.
///
/// feedd never guesses an encoding: bytes that are not UTF-8 are refused,
/// naming the line. Characters XML 1.0 forbids (C0 controls other than tab,
/// line feed and carriage return; U+FFFE; U+FFFF) are refused too, because
/// libxml2 would copy them into a feed that no reader can parse.
public enum SourceText {
    /// Decodes UTF-8 (a leading byte-order mark is dropped), checks every
    /// character, and turns CRLF and lone CR line ends into LF.
    ///
    /// - Throws: `Rejection` with the 1-based line of the first bad byte.
    public static func decode(_ bytes: [UInt8], source: String) throws(Rejection) -> String {
        let text = try validated(bytes, source: source)
        return String(decoding: text, as: UTF8.self)
    }

    /// `decode` without making a `String`: the checked UTF-8, its byte-order
    /// mark dropped and line ends LF (the same array when nothing changes).
    public static func validated(_ bytes: [UInt8], source: String) throws(Rejection) -> [UInt8] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Rejection) -> [UInt8] in
            var start = 0
            if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
            var sawCR = false
            if let problem = firstProblem(buffer, from: start, sawCR: &sawCR) {
                throw Rejection(source: source, line: problem.line, message: problem.message)
            }
            if !sawCR { return start == 0 ? bytes : Array(buffer[start...]) }
            let body = UnsafeBufferPointer(rebasing: buffer[start...])
            var out = [UInt8]()
            out.reserveCapacity(body.count)
            var i = 0
            while i < body.count {
                let b = body[i]
                if b == 0x0D {
                    out.append(0x0A)
                    if i + 1 < body.count, body[i + 1] == 0x0A { i += 1 }
                } else {
                    out.append(b)
                }
                i += 1
            }
            return out
        }
    }

    private struct Problem {
        var line: Int
        var message: String
    }

    private static func firstProblem(_ b: UnsafeBufferPointer<UInt8>, from start: Int, sawCR: inout Bool) -> Problem? {
        var i = start
        let n = b.count
        guard let base = b.baseAddress else { return nil }
        // The line is counted only for a problem (`line(_:from:to:)`): the loop keeps no count.
        func problem(_ message: String) -> Problem { Problem(line: line(b, from: start, to: i), message: message) }
        while i < n {
            // Thirty-two bytes at a time while all are printable ASCII (0x20–0x7F)
            // or line feeds: nothing to check (most of any text).
            // (Two SIMD16s, constants of the concrete type: otherwise the operations compile to byte loops.)
            let low = SIMD16<UInt8>(repeating: 0x20), width = SIMD16<UInt8>(repeating: 0x60), lf = SIMD16<UInt8>(repeating: 0x0A)
            while i + 32 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                let y = UnsafeRawPointer(base + i + 16).loadUnaligned(as: SIMD16<UInt8>.self)
                let outside = (((x &- low) .>= width) .& (x .!= lf)) .| (((y &- low) .>= width) .& (y .!= lf))
                guard !outside.anySet else { break }
                i += 32
            }
            // Then byte by byte to the end of that stretch.
            let stop = min(n, i + 32)
            while i < stop {
                let c = b[i]
                if c < 0x80 {
                    if c < 0x20, c != 0x0A {
                        if c == 0x0D {
                            sawCR = true
                        } else if c != 0x09 {
                            let name = c == 0 ? "a NUL byte" : "control character U+\(hex4(UInt32(c)))"
                            return problem("\(name) is not allowed in XML; remove it")
                        }
                    }
                    i += 1
                    continue
                }
                // Multi-byte sequence: validate per RFC 3629 (no overlongs, no surrogates, ≤ U+10FFFF).
                let need: Int
                var scalar: UInt32
                var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
                switch c {
                case 0xC2...0xDF: need = 1; scalar = UInt32(c & 0x1F)
                case 0xE0: need = 2; scalar = UInt32(c & 0x0F); lo = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: need = 2; scalar = UInt32(c & 0x0F)
                case 0xED: need = 2; scalar = UInt32(c & 0x0F); hi = 0x9F
                case 0xF0: need = 3; scalar = UInt32(c & 0x07); lo = 0x90
                case 0xF1...0xF3: need = 3; scalar = UInt32(c & 0x07)
                case 0xF4: need = 3; scalar = UInt32(c & 0x07); hi = 0x8F
                default:
                    return problem(invalidUTF8(c))
                }
                guard i + need < n else {
                    return problem("the file ends inside a UTF-8 sequence (truncated?); save it as UTF-8")
                }
                for k in 1...need {
                    let cc = b[i + k]
                    let (l, h) = k == 1 ? (lo, hi) : (UInt8(0x80), UInt8(0xBF))
                    guard cc >= l && cc <= h else { return problem(invalidUTF8(c)) }
                    scalar = scalar << 6 | UInt32(cc & 0x3F)
                }
                if scalar == 0xFFFE || scalar == 0xFFFF {
                    return problem("noncharacter U+\(hex4(scalar)) is not allowed in XML; remove it")
                }
                i += need + 1
            }
        }
        return nil
    }

    /// The 1-based line of byte `offset`: one more than the line ends
    /// before it (LF, CR LF, or a lone CR).
    private static func line(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to offset: Int) -> Int {
        var line = 1
        var i = start
        while i < offset {
            if b[i] == 0x0A || (b[i] == 0x0D && !(i + 1 < b.count && b[i + 1] == 0x0A)) { line += 1 }
            i += 1
        }
        return line
    }

    private static func invalidUTF8(_ byte: UInt8) -> String {
        "invalid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true))); feedd does not guess encodings: convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"
    }

    private static func hex4(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
