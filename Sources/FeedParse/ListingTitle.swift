import FeedModel

/// Readable titles for listing-page items, which carry none of their own.
///
/// A reader scanning a feed wants the name of the system or the role, not the
/// abstract's opening clause; so the text is searched for the phrases
/// authors and recruiters use to name things ("we present X, a …",
/// "… called X", "X is a …", "looking for a ROLE", "As an ROLE in TEAM"),
/// and only when none is found does the first sentence stand in.
/// Titles are at most `limit` characters, cut at a word with a trailing "…".
public enum ListingTitle {
    /// Longest title, in characters, ellipsis included.
    public static let limit = 120

    // MARK: Publications

    /// A title for an abstract: "NAME: what it is" when the text names its
    /// system, otherwise the first sentence.
    public static func publication(abstract: String) -> String {
        let sentences = Self.sentences(abstract)
        guard let first = sentences.first else { return "" }
        for sentence in sentences {
            if let named = presentedName(in: sentence) { return shorten(named) }
        }
        if let named = definedName(in: first) { return shorten(named) }
        return shorten(withoutAuthorialOpening(first))
    }

    private static let presentingVerbs: Set<String> = ["present", "propose", "introduce", "presents", "proposes", "introduces"]
    private static let presentingSubjects: Set<String> = ["we", "paper", "work", "article", "study"]
    private static let articles: Set<String> = ["a", "an", "the"]

    /// "we present COSMO, a scalable system …" → "COSMO: a scalable system …";
    /// "we introduce a … model called BASE TTS, which stands for …" →
    /// "BASE TTS (…): a … model".
    private static func presentedName(in sentence: String) -> String? {
        let words = tokens(sentence)
        for i in words.indices.dropFirst() where presentingVerbs.contains(bare(words[i]).lowercased())
            && presentingSubjects.contains(bare(words[i - 1]).lowercased()) {
            let rest = Array(words[(i + 1)...])
            // Appositive: NAME, a/an/the DESCRIPTION
            if let comma = rest.prefix(6).firstIndex(where: { $0.hasSuffix(",") }), comma + 1 < rest.count,
               articles.contains(rest[comma + 1].lowercased()) {
                let name = rest[...comma].map(String.init).joined(separator: " ").dropLast()
                if looksLikeName(rest[...comma].map(bare)) {
                    return "\(name): " + rest[(comma + 1)...].joined(separator: " ")
                }
            }
            // DESCRIPTION called NAME[, which stands for EXPANSION]
            if let called = rest.firstIndex(where: { ["called", "named", "dubbed"].contains($0.lowercased()) }),
               called > 0, articles.contains(rest[0].lowercased()) {
                var nameWords: [String] = []
                var j = called + 1
                var ended = false
                while j < rest.count, nameWords.count < 5, !ended {
                    let word = rest[j]
                    guard startsUpperOrDigit(word) else { break }
                    nameWords.append(bare(word))
                    ended = word.last.map { ",.;:".contains($0) } ?? false
                    j += 1
                }
                guard !nameWords.isEmpty else { continue }
                var name = nameWords.joined(separator: " ")
                let tail = rest[j...].map { $0.lowercased() }
                if tail.starts(with: ["which", "stands", "for"]) {
                    let expansion = rest[(j + 3)...].prefix { _ in true }
                    var words: [String] = []
                    for word in expansion {
                        words.append(String(word))
                        if word.last.map({ ",.;:".contains($0) }) ?? false { break }
                    }
                    let text = stripTrailingPunctuation(words.joined(separator: " "))
                    if !text.isEmpty { name += " (\(text))" }
                }
                let description = stripTrailingPunctuation(rest[..<called].joined(separator: " "))
                return "\(name): \(description)"
            }
        }
        return nil
    }

    private static let subjectConnectors: Set<String> = ["for", "of", "and", "on", "&", "de", "in"]
    private static let notNames: Set<String> = ["it", "this", "that", "there", "these", "those", "our", "we", "the", "a", "an",
                                               "in", "here", "such", "each", "its", "their", "two", "three", "new"]

    /// "Amazon MemoryDB for Redis is a database service …" →
    /// "Amazon MemoryDB for Redis: a database service …", only when the
    /// subject reads as a proper name.
    private static func definedName(in sentence: String) -> String? {
        let words = tokens(sentence)
        guard let verb = words.prefix(8).firstIndex(where: { $0 == "is" }), verb > 0, verb + 1 < words.count,
              ["a", "an"].contains(words[verb + 1].lowercased()) else { return nil }
        let subject = words[..<verb].map(String.init)
        guard subject.allSatisfy({ !$0.hasSuffix(",") }),
              subject.allSatisfy({ startsUpperOrDigit($0) || subjectConnectors.contains($0) }),
              looksLikeName(subject) else { return nil }
        return subject.joined(separator: " ") + ": " + words[(verb + 1)...].joined(separator: " ")
    }

    /// A system name: a few words, the first capitalised or with a digit,
    /// not an article or pronoun ("a simple framework" is no name).
    private static func looksLikeName(_ words: [String]) -> Bool {
        guard let first = words.first, words.count <= 6, !notNames.contains(first.lowercased()) else { return false }
        return first.contains { $0.isUppercase || $0.isNumber }
    }

    /// "We propose a simple framework to …" → "A simple framework to …".
    private static func withoutAuthorialOpening(_ sentence: String) -> String {
        let words = tokens(sentence)
        guard words.count > 3, words[0].lowercased() == "we",
              presentingVerbs.contains(words[1].lowercased()) || ["describe", "study", "develop"].contains(words[1].lowercased()),
              articles.contains(words[2].lowercased()) else { return sentence }
        let rest = words[2...].joined(separator: " ")
        return rest.prefix(1).uppercased() + rest.dropFirst()
    }

    // MARK: Jobs

    /// A title for a job posting: "ROLE, TEAM — CITY", "ROLE — CITY", or the
    /// first sentence and the city when the text names no role.
    public static func job(description: String, location: Location?, team: String?) -> String {
        let place = location.map { $0.city ?? $0.region ?? $0.country }
        let suffix = place.map { " — \($0)" } ?? ""
        let budget = limit - suffix.count
        if let role = role(in: description) {
            if let team, !team.isEmpty, role.count + 2 + team.count <= budget {
                return "\(role), \(team)\(suffix)"
            }
            return shorten(role, limit: budget) + suffix
        }
        let first = sentences(description).first ?? description
        return shorten(first, limit: budget) + suffix
    }

    private static let roleNouns: Set<String> = [
        "scientist", "engineer", "researcher", "manager", "analyst", "designer", "developer", "architect",
        "economist", "intern", "specialist", "consultant", "lead", "director", "technologist", "programmer",
        "statistician", "linguist", "writer", "strategist", "administrator", "technician", "recruiter",
    ]
    private static let levels: Set<String> = ["I", "II", "III", "IV", "V"]
    private static let notAdjectives: Set<String> = ["to", "who", "that", "which", "we", "you", "in", "with", "for", "at",
                                                     "on", "of", "the", "is", "are", "will", "can"]

    /// The role a posting hires for, in the singular: after "looking for",
    /// "hiring", "seeking", "needs a(n)" or "as a(n)", past lower-case adjectives, a run of
    /// capitalised words ending in a role noun ("Senior Applied Scientist",
    /// "Applied Scientist II").
    public static func role(in description: String) -> String? {
        roleMatch(in: tokens(description))?.role
    }

    private static func roleMatch(in words: [Substring]) -> (role: String, end: Int)? {
        for i in words.indices {
            let word = words[i].lowercased()
            var start: Int
            switch word {
            case "hiring", "seeking", "hire": start = i + 1
            case "for" where i > 0 && words[i - 1].lowercased() == "looking": start = i + 1
            case "as", "needs": start = i + 1
            // "need" only before an article: "we need to …" is not a role.
            case "need" where i + 1 < words.count && ["a", "an"].contains(words[i + 1].lowercased()): start = i + 1
            default: continue
            }
            if start < words.count, articles.contains(words[start].lowercased()) { start += 1 }
            var skipped = 0
            while start < words.count, skipped < 8, let c = words[start].first, c.isLowercase,
                  !notAdjectives.contains(bare(words[start]).lowercased()), !words[start].hasSuffix(".") {
                start += 1
                skipped += 1
            }
            var run: [String] = []
            var j = start
            while j < words.count, startsUpperOrDigit(words[j]) || (words[j] == "&" && !run.isEmpty) {
                run.append(bare(words[j]))
                j += 1
                if words[j - 1].last.map({ ",.;:!?".contains($0) }) ?? false { break }
            }
            guard let nounAt = run.lastIndex(where: { roleNouns.contains(singular($0).lowercased()) }) else { continue }
            var role = run[...nounAt].map { $0 }
            role[nounAt] = singular(role[nounAt])
            var end = start + nounAt + 1
            if nounAt + 1 < run.count, levels.contains(run[nounAt + 1]) {
                role.append(run[nounAt + 1])
                end += 1
            }
            return (role.joined(separator: " "), end)
        }
        return nil
    }

    /// The team a posting names: "the Personalization team", "The Artificial
    /// General Intelligence (AGI) team", "the Forecasting & Planning group",
    /// or "As an Applied Scientist in Amazon Shipping". Nil unless the text
    /// clearly names one (a capitalised name after "the" or "our").
    public static func team(in description: String) -> String? {
        let words = tokens(description)
        for t in words.indices where ["team", "group"].contains(bare(words[t]).lowercased()) {
            var run: [Substring] = []
            var k = t - 1
            var valid = false
            while k >= 0 {
                let word = words[k]
                if ["the", "our"].contains(word.lowercased()) { valid = !run.isEmpty; break }
                if word.last.map({ ",.;:!?".contains($0) && $0 != ")" }) ?? false { break }
                let parenthesised = word.hasPrefix("(") && word.hasSuffix(")") && word.dropFirst().first?.isUppercase == true
                if startsUpperOrDigit(word) || parenthesised || word == "&" ||
                    (subjectConnectors.contains(String(word)) && !run.isEmpty && k > 0 && startsUpperOrDigit(words[k - 1])) {
                    run.insert(word, at: 0)
                    k -= 1
                } else {
                    break
                }
            }
            if valid, run.count <= 6, run.contains(where: { startsUpperOrDigit($0) }) {
                return run.joined(separator: " ")
            }
        }
        // "As an Applied Scientist in Amazon Shipping, you will …"
        var searchFrom = 0
        while searchFrom < words.count, let match = roleMatch(in: Array(words[searchFrom...])) {
            var j = searchFrom + match.end
            if j < words.count, ["in", "on", "with", "within"].contains(words[j].lowercased()) {
                j += 1
                if j < words.count, words[j].lowercased() == "the" { j += 1 }
                var run: [String] = []
                while j < words.count, startsUpperOrDigit(words[j]) || (words[j] == "&" && !run.isEmpty), run.count < 6 {
                    run.append(bare(words[j]))
                    j += 1
                    if words[j - 1].last.map({ ",.;:!?".contains($0) }) ?? false { break }
                }
                if let last = run.last, last.lowercased() == "team" { run.removeLast() }
                if !run.isEmpty { return run.joined(separator: " ") }
            }
            searchFrom += max(match.end, 1)
        }
        return nil
    }

    private static func singular(_ word: String) -> String {
        if word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss"), roleNouns.contains(String(word.dropLast()).lowercased()) {
            return String(word.dropLast())
        }
        return word
    }

    // MARK: Text helpers

    /// Cuts `text` to at most `limit` characters at a word boundary: no
    /// dangling punctuation, article or conjunction before the "…", and no
    /// unclosed parenthesis. A text that fits loses only its final period.
    public static func shorten(_ text: String, limit: Int = ListingTitle.limit) -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if collapsed.count <= limit {
            if collapsed.hasSuffix(".") && !collapsed.hasSuffix("..") { return String(collapsed.dropLast()) }
            return collapsed
        }
        let budget = max(limit - 1, 1)
        let cutIndex = collapsed.index(collapsed.startIndex, offsetBy: budget)
        var cut = collapsed[..<cutIndex]
        if !collapsed[cutIndex].isWhitespace, let space = cut.lastIndex(where: { $0.isWhitespace }) {
            cut = cut[..<space]
        }
        var result = String(cut)
        if let open = result.lastIndex(of: "("), !result[open...].contains(")"), open > result.startIndex {
            result = String(result[..<open])
        }
        while true {
            let trimmed = stripTrailingPunctuation(result)
            let words = trimmed.split(separator: " ")
            if words.count > 1, let last = words.last, danglingWords.contains(last.lowercased()) {
                result = words.dropLast().joined(separator: " ")
                continue
            }
            result = trimmed
            break
        }
        return result + "…"
    }

    private static let danglingWords: Set<String> = ["and", "or", "the", "a", "an", "of", "to", "in", "for", "with", "on",
                                                     "by", "as", "at", "from", "that", "which", "into", "than", "its", "their",
                                                     "our", "is", "are", "both", "such", "but", "while", "who"]

    private static func stripTrailingPunctuation(_ text: String) -> String {
        var s = Substring(text)
        while let last = s.last, last.isWhitespace || ",.;:—–-/([{&“‘!?".contains(last) { s = s.dropLast() }
        return String(s)
    }

    /// Sentences of `text`: paragraphs, split after `.`, `?` or `!` when a
    /// capital, digit or quote follows, except after common abbreviations and
    /// initials ("e.g.", "et al.", "J. Smith").
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let words = tokens(String(paragraph))
            var current: [Substring] = []
            for (i, word) in words.enumerated() {
                current.append(word)
                let end = word.reversed().drop { "\"”’)".contains($0) }.first
                guard let last = end, ".?!".contains(last),
                      i + 1 < words.count, let next = words[i + 1].first,
                      next.isUppercase || next.isNumber || "\"“(".contains(next) else { continue }
                let lower = word.lowercased()
                if abbreviations.contains(lower) { continue }
                if word.count == 2, word.first?.isUppercase == true, last == "." { continue }
                result.append(current.joined(separator: " "))
                current = []
            }
            if !current.isEmpty { result.append(current.joined(separator: " ")) }
        }
        return result
    }

    private static let abbreviations: Set<String> = ["e.g.", "i.e.", "al.", "etc.", "vs.", "fig.", "eq.", "dr.", "mr.",
                                                     "ms.", "mrs.", "prof.", "no.", "inc.", "u.s.", "approx.", "cf."]

    private static func tokens(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace })
    }

    /// A word without surrounding punctuation (parentheses kept when they
    /// wrap the whole word, as in "(AGI)").
    private static func bare<S: StringProtocol>(_ word: S) -> String {
        var s = Substring(word)
        while let last = s.last, ",.;:!?\"”’".contains(last) { s = s.dropLast() }
        while let first = s.first, "\"“‘".contains(first) { s = s.dropFirst() }
        return String(s)
    }

    private static func startsUpperOrDigit<S: StringProtocol>(_ word: S) -> Bool {
        guard let first = word.first else { return false }
        return first.isUppercase || first.isNumber
    }
}
