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
