/// Links from entries and bodies, made absolute against the site's base URL
/// and limited to schemes a reader can follow safely.
///
/// Relative references are resolved as RFC 3986 §5.2 says (dot segments
/// removed), so a reader never has to guess what `../papers/x` meant; the
/// W3C validator warns about relative links in content (`ContainsRelRef`).
public enum LinkTarget {
    /// What `href` in content may point at: never `javascript:`, `data:`,
    /// `vbscript:`, `file:` or anything else a browser would execute or open locally.
    public static let webSchemes: Set<String> = ["http", "https", "mailto"]
    /// What an image may be loaded from.
    public static let imageSchemes: Set<String> = ["http", "https"]

    /// The absolute form of `reference`, or nil when it is empty or names a
    /// scheme outside `schemes`.
    ///
    /// Browsers ignore tab and newline anywhere in a URL and trim controls and
    /// spaces at its ends, so `java\tscript:` is `javascript:`: both are
    /// removed before the scheme is read. Characters a URI may not hold
    /// (spaces, quotes, `<`, `>`, `\`, non-ASCII…) are percent-encoded.
    public static func absolute(_ reference: String, base: String, schemes: Set<String> = webSchemes) -> String? {
        // Most links are already absolute http(s) URLs of allowed bytes: nothing to trim, resolve or encode.
        if let scheme = plainWebScheme(reference), schemes.contains(scheme) { return reference }
        var scalars = Substring(reference).unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }[...]
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        let ref = String(String.UnicodeScalarView(scalars))
        guard !ref.isEmpty else { return nil }
        if let scheme = scheme(of: ref) {
            return schemes.contains(scheme) ? encode(ref) : nil
        }
        let resolved = encode(resolve(ref, against: base))
        guard let scheme = scheme(of: resolved), schemes.contains(scheme) else { return nil }
        return resolved
    }

    /// `http` or `https` when `ref` starts with that scheme in lower case
    /// and every byte is one `encode` keeps as it is (no `%`, no space or
    /// control): then `absolute` would return `ref` unchanged.
    static func plainWebScheme(_ ref: String) -> String? {
        let utf8 = ref.utf8
        let scheme: String
        if utf8.starts(with: "https://".utf8) { scheme = "https" } else if utf8.starts(with: "http://".utf8) { scheme = "http" } else { return nil }
        guard utf8.count > scheme.utf8.count + 3,
              utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "%") && allowed[Int($0)] }) else { return nil }
        return scheme
    }

    /// The lower-cased scheme when `ref` starts with one (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
    static func scheme(of ref: String) -> String? {
        guard let colon = ref.firstIndex(of: ":") else { return nil }
        let name = ref[..<colon]
        guard let first = name.unicodeScalars.first, first.isASCIILetter,
              name.unicodeScalars.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        return name.lowercased()
    }

    /// RFC 3986 §5.2.2 for the reference forms a body can hold.
    static func resolve(_ ref: String, against base: String) -> String {
        guard let split = base.range(of: "://") else { return base + ref }
        let afterScheme = base[split.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let origin = String(base[..<authorityEnd])             // https://host
        let scheme = String(base[..<split.lowerBound])          // https
        var basePathAndQuery = base[authorityEnd...]
        if let hash = basePathAndQuery.firstIndex(of: "#") { basePathAndQuery = basePathAndQuery[..<hash] }
        let queryStart = basePathAndQuery.firstIndex(of: "?") ?? basePathAndQuery.endIndex
        let basePath = basePathAndQuery[..<queryStart].isEmpty ? "/" : String(basePathAndQuery[..<queryStart])

        if ref.hasPrefix("//") { return scheme + ":" + ref }
        if ref.hasPrefix("#") { return origin + basePathAndQuery + ref }
        if ref.hasPrefix("?") { return origin + basePath + ref }
        let (path, tail) = splitPath(ref)
        if path.hasPrefix("/") { return origin + removeDotSegments(path) + tail }
        let directory = basePath[...(basePath.lastIndex(of: "/") ?? basePath.startIndex)]
        return origin + removeDotSegments(String(directory) + path) + tail
    }

    /// Splits `ref` into its path and the `?query#fragment` after it.
    private static func splitPath(_ ref: String) -> (String, String) {
        guard let end = ref.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return (ref, "") }
        return (String(ref[..<end]), String(ref[end...]))
    }

    /// RFC 3986 §5.2.4 for an absolute path.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (i, segment) in segments.enumerated() {
            let isLast = i == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }

    /// Percent-encodes what RFC 3986 does not allow in a URI, and a `%` that
    /// does not start an escape; everything else is kept as written.
    static func encode(_ uri: String) -> String {
        let bytes = Array(uri.utf8)
        var out = ""
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.count, bytes[i + 1].isHexDigit, bytes[i + 2].isHexDigit {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else if b < 0x80, allowed[Int(b)] {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 0xF, radix: 16, uppercase: true)
            }
            i += 1
        }
        return out
    }

    /// Unreserved and reserved characters, minus `[` and `]` (legal only
    /// around an IPv6 host, which a body never needs, and refused by the W3C validator).
    private static let allowed: [Bool] = (0..<128).map { b in
        let c = Unicode.Scalar(UInt8(b))
        return c.isASCIILetter || ("0"..."9").contains(c) || "-._~:/?#@!$&'()*+,;=".unicodeScalars.contains(c)
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
