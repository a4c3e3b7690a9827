extension StringProtocol {
    /// The text without leading and trailing whitespace (newlines included).
    ///
    /// Foundation's `trimmingCharacters(in:)` goes through UTF-16 on Linux
    /// and was half of a cold scan's time; this finds the ends on Unicode
    /// scalars and copies the middle once.
    public func trimmed() -> String {
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
