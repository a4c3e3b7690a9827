extension StringProtocol {
    /// The text without leading and trailing whitespace (newlines included).
    ///
    /// Foundation's `trimmingCharacters(in:)` goes through UTF-16 on Linux
    /// and was half of a cold scan's time; this finds the ends on Unicode
    /// scalars and copies the middle once.
    public func trimmed() -> String {
        // Most text starts and ends in ASCII: find the ends on bytes.
        if let fast = utf8.withContiguousStorageIfAvailable({ asciiTrimmed($0) }), let fast {
            return fast
        }
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}

extension String {
    /// `StringProtocol.trimmed()`, giving the string itself (not a copy) when there is nothing to trim.
    public func trimmed() -> String {
        var text = self
        let untouched = text.withUTF8 { b in asciiTrimmedRange(b).map { $0.count == b.count } ?? false }
        return untouched ? text : self[...].trimmed()
    }
}

/// `trimmed()` of UTF-8 bytes when both ends of the text are ASCII; nil
/// otherwise (Unicode whitespace is for `trimmed()` to judge).
public func asciiTrimmed(_ b: UnsafeBufferPointer<UInt8>) -> String? {
    asciiTrimmedRange(b).map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) }
}

/// The byte range `asciiTrimmed` keeps, without copying it; nil when an end is not ASCII.
public func asciiTrimmedRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    var start = 0
    var end = b.count
    while start < end, isSpace(b[start]) { start += 1 }
    if start == end { return 0..<0 }
    while isSpace(b[end - 1]) { end -= 1 }
    guard b[start] < 0x80, b[end - 1] < 0x80 else { return nil }
    return start..<end
}
