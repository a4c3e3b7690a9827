import FeedModel

/// Text made safe for XML 1.0 before it reaches libxml2, which copies
/// forbidden characters verbatim (and a NUL would cut a C string short).
public enum XMLText {
    /// Drops characters XML 1.0 forbids: C0 controls other than tab, LF and
    /// CR, lone surrogates (impossible in a Swift String), U+FFFE and U+FFFF.
    /// C1 controls are allowed by XML but break readers, so they go too, and
    /// so do the other Unicode noncharacters (U+FDD0–U+FDEF, U+nFFFE/U+nFFFF),
    /// which HTML parsers report as errors in `content type="html"`.
    public static func sanitize(_ text: String) -> String {
        if !text.unicodeScalars.contains(where: isUnwanted) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isUnwanted(scalar) {
            out.append(scalar)
        }
        return String(out)
    }

    /// Like `sanitize`, and folds every whitespace run (newlines too) into one
    /// space: for titles, names and other one-line values.
    public static func singleLine(_ text: String) -> String {
        sanitize(text).collapsingWhitespace()
    }

    @inline(__always)
    static func isUnwanted(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 { return v != 0x09 && v != 0x0A && v != 0x0D }
        if v >= 0x7F && v <= 0x9F { return true }
        if v >= 0xFDD0 && v <= 0xFDEF { return true }
        return v & 0xFFFE == 0xFFFE
    }
}
