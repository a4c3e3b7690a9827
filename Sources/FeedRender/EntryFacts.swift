import FeedModel

/// What every feed format says about an entry, decided once so Atom, RSS and
/// JSON Feed agree.
extension Entry {
    /// Papers list their authors; openings name the team (or the authors given).
    var feedAuthors: [String] {
        switch kind {
        case .publication:
            return authors.map(XMLText.singleLine).filter { !$0.isEmpty }
        case .job:
            if let team = team.map(XMLText.singleLine), !team.isEmpty { return [team] }
            return authors.map(XMLText.singleLine).filter { !$0.isEmpty }
        }
    }

    /// Tags, then for openings the country, region, city and team; no repeats.
    var feedCategories: [String] {
        var terms = tags
        if kind == .job {
            if let loc = location {
                terms.append(loc.country)
                if let region = loc.region { terms.append(region) }
                if let city = loc.city { terms.append(city) }
            }
            if let team { terms.append(team) }
        }
        var seen = Set<String>()
        return terms.map(XMLText.singleLine).filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

extension Site {
    /// The page for browsers that lists every feed (`index.html` beside the feeds).
    var homePage: String { url(of: "index.html") }

    /// The entry's link, absolute, when it has one a reader may follow.
    func link(of entry: Entry) -> String? {
        entry.link.flatMap { LinkTarget.absolute(XMLText.singleLine($0), base: baseURL) }
    }
}

/// What every format says of an item shown after it closed (`closedAt`),
/// decided once: the title starts `Closed: `, the categories end with
/// `closed`, and the summary and content start with the date it closed.
/// (Its `updated` is the closing time: `FeedItem.date(by:)`.)
extension FeedItem {
    /// The category a closed item gets.
    static let closedCategory = "closed"

    var feedTitle: String { closedAt == nil ? entry.title : "Closed: " + entry.title }

    var feedCategories: [String] {
        let terms = entry.feedCategories
        guard closedAt != nil else { return terms }
        return terms.filter { $0 != Self.closedCategory } + [Self.closedCategory]
    }

    /// `Closed since 4 December 2026, 10:00 UTC.`, for a closed item.
    var closedNote: String? {
        closedAt.map { "Closed since \($0.readable)." }
    }

    /// The summary readers see (cut to `limit`), the closing note first.
    func feedSummary(limit: Int = 300) -> String {
        let summary = Summary.of(self, limit: limit)
        guard let note = closedNote else { return summary }
        return summary.isEmpty ? note : note + " " + summary
    }

    /// The content as sanitised HTML, the closing note first.
    func feedContentHTML(baseURL: String) -> String {
        let html = contentHTML ?? HTMLContent.render(markdown: entry.body, baseURL: baseURL)
        guard let note = closedNote else { return html }
        return "<p><strong>" + HTMLContent.escape(note) + "</strong></p>\n" + html
    }
}

extension Timestamp {
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                 "September", "October", "November", "December"]

    /// `4 December 2026, 10:00 UTC`: a date people read without parsing.
    var readable: String {
        let t = rfc3339  // 2026-12-04T10:00:00Z
        let parts = t.split(whereSeparator: { $0 == "-" || $0 == "T" || $0 == ":" })
        guard parts.count >= 5, let month = Int(parts[1]), (1...12).contains(month), let day = Int(parts[2]) else { return t }
        return "\(day) \(Self.months[month - 1]) \(parts[0]), \(parts[3]):\(parts[4]) UTC"
    }
}
