import Foundation

/// Checks for single values. Each returns nil when the value is fine, or
/// the reason it is not (phrased to follow "must be …" in an error).
enum Validation {
    enum Checked {
        case ok(String)
        case bad(String)
    }

    /// A base URL that files can be appended to: absolute http(s), with a
    /// host, without query, fragment or credentials. Returns the URL with a
    /// trailing slash.
    static func baseURL(_ text: String) -> Checked {
        let expected = "an absolute http(s) URL such as \"https://feeds.example.org/\""
        guard !text.isEmpty, !containsSpaceOrControl(text),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return .bad(expected) }
        if components.user != nil || components.password != nil {
            return .bad(expected + " without user or password")
        }
        if components.query != nil || components.fragment != nil {
            return .bad(expected + " without ?query or #fragment (feed file names are appended to it)")
        }
        return .ok(text.hasSuffix("/") ? text : text + "/")
    }

    /// Any absolute URI (`https://…`, `mailto:…`); http(s) ones need a host.
    static func absoluteURI(_ text: String) -> String? {
        let expected = "an absolute URL such as \"https://example.org/people/me\""
        guard !text.isEmpty, !containsSpaceOrControl(text), let colon = text.firstIndex(of: ":") else {
            return expected
        }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, isASCIILetter(first),
              scheme.unicodeScalars.allSatisfy({ isASCIILetter($0) || isASCIIDigit($0) || "+.-".unicodeScalars.contains($0) }),
              text.index(after: colon) < text.endIndex
        else { return expected }
        let lower = scheme.lowercased()
        if lower == "http" || lower == "https" {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                return expected
            }
        }
        return nil
    }

    /// RFC 4151 `taggingEntity`: `authorityName "," date`, where the name is
    /// a DNS name or an email address and the date is `YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD`.
    static func tagAuthority(_ text: String) -> String? {
        let expected = "a tag authority like \"example.org,2026\" (RFC 4151: a domain or email address you "
            + "controlled on that date, a comma, then YYYY, YYYY-MM or YYYY-MM-DD)"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return expected }
        let name = String(parts[0])
        let date = String(parts[1])
        if name != name.lowercased() {
            return expected + "; write the name in lowercase, tag ids compare character by character"
        }
        if let at = name.lastIndex(of: "@") {
            let local = name[..<at]
            let domain = String(name[name.index(after: at)...])
            let atext = "!#$%&'*+/=?^_`{|}~.-"
            guard !local.isEmpty,
                  local.unicodeScalars.allSatisfy({ isASCIILetter($0) || isASCIIDigit($0) || atext.unicodeScalars.contains($0) }),
                  isDNSName(domain)
            else { return expected }
        } else if !isDNSName(name) {
            return expected
        }
        return isTagDate(date) ? nil : expected
    }

    /// Letters, digits and inner hyphens per label; labels joined by dots.
    static func isDNSName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.utf8.count),
                  let first = label.unicodeScalars.first, let last = label.unicodeScalars.last,
                  first != "-", last != "-"
            else { return false }
            return label.unicodeScalars.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) || $0 == "-" }
        }
    }

    static func isTagDate(_ text: String) -> Bool {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count),
              fields[0].count == 4, let year = Int(fields[0]), fields[0].unicodeScalars.allSatisfy(isASCIIDigit)
        else { return false }
        guard fields.count > 1 else { return true }
        guard fields[1].count == 2, fields[1].unicodeScalars.allSatisfy(isASCIIDigit), let month = Int(fields[1]),
              (1...12).contains(month)
        else { return false }
        guard fields.count > 2 else { return true }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard fields[2].count == 2, fields[2].unicodeScalars.allSatisfy(isASCIIDigit), let day = Int(fields[2]),
              (1...days).contains(day)
        else { return false }
        return true
    }

    /// A BCP 47-shaped language tag: `en`, `en-GB`, `zh-Hant-TW`, `x-klingon`.
    static func isLanguageTag(_ text: String) -> Bool {
        let subtags = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = subtags.first else { return false }
        let primaryOK = (2...8).contains(primary.count) && primary.unicodeScalars.allSatisfy(isASCIILetter)
            || primary == "x" || primary == "i" || primary == "X" || primary == "I"
        guard primaryOK else { return false }
        return subtags.dropFirst().allSatisfy { subtag in
            (1...8).contains(subtag.count)
                && subtag.unicodeScalars.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) }
        }
    }

    /// Feed names: lowercase letters, digits and hyphens, at most 64.
    static func isFeedName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || isASCIIDigit($0) || $0 == "-" }
    }

    /// A plain file name in the output directory, ending in `.atom`.
    static func feedFileName(_ text: String) -> String? {
        let expected = "a plain file name ending in .atom, such as \"publications.atom\""
        if text.contains("/") || text.contains("\\") {
            return expected + " (no directories: files go into the output directory)"
        }
        if text.hasPrefix(".") { return expected + " (not hidden: it would not be served)" }
        guard text.hasSuffix(".atom"), text.count > ".atom".count, text.utf8.count <= 255,
              !containsSpaceOrControl(text, allowSpace: true)
        else { return expected }
        return nil
    }

    /// Control characters make titles unprintable in logs and invalid in XML.
    static func containsSpaceOrControl(_ text: String, allowSpace: Bool = false) -> Bool {
        text.unicodeScalars.contains { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || (!allowSpace && scalar.properties.isWhitespace)
        }
    }

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// Levenshtein distance, for "did you mean" hints on unknown keys.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The closest allowed key, if it is plausibly a typo of `key`.
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        let ranked = allowed.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = ranked else { return nil }
        let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if normalized == best { return best }
        return distance <= max(1, best.count / 3) ? best : nil
    }
}
