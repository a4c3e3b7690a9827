import Foundation
import FeedModel
import TOMLKit

/// Reads `feedd.toml`. See `Config/feedd.example.toml` for the schema.
public enum ConfigLoader {
    /// Where a system-wide config is looked for when none is given and the
    /// current directory has no `Config/feedd.toml`.
    public static let systemPath = "/etc/feedd/feedd.toml"
    /// Where a project's config is looked for, relative to the current directory.
    public static let projectPath = "Config/feedd.toml"

    static let topLevelKeys = ["source", "output", "state_dir", "site", "daemon", "limits", "websub", "feed"]
    static let websubKeys = ["hubs"]
    static let siteKeys = ["title", "base_url", "tag_authority", "author", "author_uri", "lang", "index_page", "stylesheet"]
    static let daemonKeys = ["debounce_ms", "max_delay_ms", "rescan_interval_s"]
    static let limitsKeys = ["max_file_size"]
    static let feedKeys = ["name", "file", "kind", "title", "subtitle", "cap", "formats", "group_by", "closed_days", "significant", "archive", "archive_size"]

    static let debounceRange = 0...60_000
    static let maxDelayRange = 1...600_000
    static let rescanRange = 1...604_800
    static let maxFileSizeRange = 1...1_073_741_824
    static let capRange = 1...10_000

    // MARK: - Parse

    /// Parses TOML text. Relative paths (`source`, `output`, `state_dir`)
    /// resolve against `baseDirectory`, the directory of the config file.
    /// `file` names the text in errors and becomes `Configuration.file`.
    ///
    /// Every problem is collected; the error thrown is the first by line and
    /// carries the others in `additional`.
    public static func parse(_ text: String, file: String, baseDirectory: String) throws(ConfigError) -> Configuration {
        if let nul = text.unicodeScalars.firstIndex(of: "\0") {
            let line = text.unicodeScalars[..<nul].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            throw ConfigError(file: file, line: line, message: "contains a NUL character; is this a text file?")
        }
        let locator = KeyLocator(text: text)
        if let bad = locator.unsafeSyntax {
            throw ConfigError(file: file, line: bad.line, column: bad.column, message: "TOML syntax error " + bad.message)
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            // toml++ says "Error while parsing table header: expected ']', saw '\n'".
            var detail = error.description
            let prefix = "Error while parsing "
            if detail.hasPrefix(prefix) { detail = "in " + detail.dropFirst(prefix.count) } else { detail = ": " + detail }
            throw ConfigError(file: file, line: error.source.begin.line, column: error.source.begin.column,
                              message: "TOML syntax error " + detail)
        } catch {
            throw ConfigError(file: file, message: "TOML syntax error: \(error)")
        }

        let reader = ConfigReader(file: file, locator: locator)
        let configuration = read(root, reader: reader, file: file, baseDirectory: baseDirectory)
        if let error = reader.error() { throw error }
        return configuration
    }

    private static func read(_ root: TOMLTable, reader: ConfigReader, file: String, baseDirectory: String)
        -> Configuration {
        let top = TOMLKeyPath.root
        reader.rejectUnknownKeys(in: root, at: top, allowed: topLevelKeys)

        func directory(_ key: String, default fallback: String) -> String {
            var path = fallback
            if let value = reader.string(root, key, at: top, noun: "a directory path").value {
                if value.isEmpty {
                    reader.fail(top.appending(key), "must be a directory path, got an empty string")
                } else {
                    path = value
                }
            }
            return resolve(path: path, against: baseDirectory)
        }
        let source = directory("source", default: Configuration.defaultSource)
        let output = directory("output", default: Configuration.defaultOutput)
        let stateDir = directory("state_dir", default: Configuration.defaultStateDir)
        if stateDir == output {
            reader.fail(top.appending(reader.locator.exactLine(of: top.appending("state_dir")) != nil ? "state_dir" : "output"),
                        "state_dir and output are the same directory (\(output)); the state database would be published")
        }

        var site = readSite(root, reader: reader)
        site.hubs = readHubs(root, reader: reader)
        let daemon = readDaemon(root, reader: reader)
        let limits = readLimits(root, reader: reader)
        let feeds = readFeeds(root, reader: reader)

        return Configuration(source: source, output: output, stateDir: stateDir, site: site, feeds: feeds,
                             daemon: daemon, limits: limits, file: file)
    }

    private static func readSite(_ root: TOMLTable, reader: ConfigReader) -> Site {
        let path = TOMLKeyPath.root.appending("site")
        guard let table = reader.subtable(root, "site", at: .root).value else { return Configuration.defaultSite }
        reader.rejectUnknownKeys(in: table, at: path, allowed: siteKeys)

        let title = reader.text(table, "title", at: path).value ?? Configuration.defaultSiteTitle

        var baseURL = Configuration.defaultBaseURL
        if let text = reader.string(table, "base_url", at: path, noun: "an absolute http(s) URL").value {
            switch Validation.baseURL(text) {
            case .ok(let url): baseURL = url
            case .bad(let expected):
                reader.fail(path.appending("base_url"), "must be \(expected), got \(ConfigReader.render(text))")
            }
        }

        var tagAuthority = defaultTagAuthority(forBaseURL: baseURL)
        switch reader.string(table, "tag_authority", at: path, noun: "a tag authority like \"example.org,2026\"") {
        case .value(let text):
            if let expected = Validation.tagAuthority(text) {
                reader.fail(path.appending("tag_authority"), "must be \(expected), got \(ConfigReader.render(text))")
            } else {
                tagAuthority = text
            }
        case .absent, .invalid:
            break
        }

        let author = reader.text(table, "author", at: path).value ?? title

        var authorURI: String?
        if let text = reader.string(table, "author_uri", at: path, noun: "an absolute URL").value {
            if let expected = Validation.absoluteURI(text) {
                reader.fail(path.appending("author_uri"), "must be \(expected), got \(ConfigReader.render(text))")
            } else {
                authorURI = text
            }
        }

        var language = Configuration.defaultLanguage
        if let text = reader.string(table, "lang", at: path, noun: "a language tag such as \"en\"").value {
            if Validation.isLanguageTag(text) {
                language = text
            } else {
                reader.fail(path.appending("lang"),
                            "must be a language tag such as \"en\" or \"en-GB\" (BCP 47), got \(ConfigReader.render(text))")
            }
        }

        var site = Site(title: title, baseURL: baseURL, tagAuthority: tagAuthority, author: author,
                        authorURI: authorURI, language: language)
        site.indexPage = reader.boolean(table, "index_page", at: path) ?? site.indexPage
        site.stylesheet = reader.boolean(table, "stylesheet", at: path) ?? site.stylesheet
        return site
    }

    /// When `tag_authority` is absent: the base URL's host (when it is a DNS
    /// name) with the fixed default year, else `localhost,2026`.
    public static func defaultTagAuthority(forBaseURL baseURL: String) -> String {
        if let host = URLComponents(string: baseURL)?.host?.lowercased(), Validation.isDNSName(host) {
            return host + "," + Configuration.defaultTagYear
        }
        return Configuration.defaultTagAuthority
    }

    private static func readDaemon(_ root: TOMLTable, reader: ConfigReader) -> DaemonSettings {
        let path = TOMLKeyPath.root.appending("daemon")
        let defaults = DaemonSettings()
        guard let table = reader.subtable(root, "daemon", at: .root).value else { return defaults }
        reader.rejectUnknownKeys(in: table, at: path, allowed: daemonKeys)

        let debounce = reader.integer(table, "debounce_ms", at: path, range: debounceRange,
                                      noun: "a whole number of milliseconds")
        let maxDelay = reader.integer(table, "max_delay_ms", at: path, range: maxDelayRange,
                                      noun: "a whole number of milliseconds")
        let rescan = reader.integer(table, "rescan_interval_s", at: path, range: rescanRange,
                                    noun: "a whole number of seconds")
        let debounceMS = debounce.value ?? 250
        let maxDelayMS = maxDelay.value ?? 2000
        switch (debounce, maxDelay) {
        case (.value, .value) where maxDelayMS < debounceMS:
            reader.fail(path.appending("max_delay_ms"),
                        "must be at least debounce_ms (\(debounceMS)), got \(maxDelayMS)")
        case (.value, .absent) where maxDelayMS < debounceMS:
            reader.fail(path.appending("debounce_ms"),
                        "must not exceed max_delay_ms (default \(maxDelayMS)); set max_delay_ms too, got \(debounceMS)")
        case (.absent, .value) where maxDelayMS < debounceMS:
            reader.fail(path.appending("max_delay_ms"),
                        "must be at least debounce_ms (default \(debounceMS)), got \(maxDelayMS)")
        default:
            break
        }
        return DaemonSettings(debounce: .milliseconds(debounceMS), maxDelay: .milliseconds(maxDelayMS),
                              rescanInterval: .seconds(rescan.value ?? 600))
    }

    /// `[websub] hubs`: absolute http(s) URLs of WebSub hubs.
    private static func readHubs(_ root: TOMLTable, reader: ConfigReader) -> [String] {
        let path = TOMLKeyPath.root.appending("websub")
        guard let table = reader.subtable(root, "websub", at: .root).value else { return [] }
        reader.rejectUnknownKeys(in: table, at: path, allowed: websubKeys)
        guard let raw = table["hubs"] else { return [] }
        guard let array = raw.array else {
            reader.fail(path.appending("hubs"), "must be a list of hub URLs such as [\"https://pubsubhubbub.appspot.com/\"], got \(ConfigReader.render(raw))")
            return []
        }
        var hubs: [String] = []
        for i in 0..<array.count {
            guard let text = array[i].string, case .ok = Validation.baseURL(text) else {
                reader.fail(path.appending("hubs"), "entries must be absolute http(s) URLs such as \"https://pubsubhubbub.appspot.com/\", got \(ConfigReader.render(array[i]))")
                return []
            }
            if !hubs.contains(text) { hubs.append(text) }
        }
        return hubs
    }

    private static func readLimits(_ root: TOMLTable, reader: ConfigReader) -> Limits {
        let path = TOMLKeyPath.root.appending("limits")
        guard let table = reader.subtable(root, "limits", at: .root).value else { return Limits() }
        reader.rejectUnknownKeys(in: table, at: path, allowed: limitsKeys)
        let size = reader.integer(table, "max_file_size", at: path, range: maxFileSizeRange,
                                  noun: "a whole number of bytes")
        return Limits(maxFileSize: size.value ?? Limits().maxFileSize)
    }

    private static func readFeeds(_ root: TOMLTable, reader: ConfigReader) -> [FeedSpec] {
        let path = TOMLKeyPath.root.appending("feed")
        guard let raw = root["feed"] else { return Configuration.defaultFeeds }
        guard let array = raw.array else {
            let hint = raw.type == .table ? " (write [[feed]], with two brackets, once per feed)" : ""
            reader.fail(path, "must be an array of tables, one [[feed]] per feed, got \(ConfigReader.render(raw))\(hint)")
            return []
        }
        if array.isEmpty {
            reader.fail(path, "must list at least one feed; remove it to get the default feeds")
            return []
        }

        var feeds: [FeedSpec] = []
        var namesSeen: [String: Int] = [:]
        var filesSeen: [String: Int] = [:]
        for index in 0..<array.count {
            let elementPath = path.appending(index: index)
            guard let table = array[index].table else {
                reader.fail(elementPath, "must be a table with name, file, kind, title and cap, got \(ConfigReader.render(array[index]))")
                continue
            }
            reader.rejectUnknownKeys(in: table, at: elementPath, allowed: feedKeys)

            var name = reader.string(table, "name", at: elementPath, noun: "a feed name such as \"publications\"")
            if let value = name.value, !Validation.isFeedName(value) {
                reader.fail(elementPath.appending("name"),
                            "must be 1 to 64 lowercase letters, digits or hyphens, got \(ConfigReader.render(value))")
                name = .invalid
            }
            var file = reader.string(table, "file", at: elementPath, noun: "a file name such as \"publications.atom\"")
            if let value = file.value, let expected = Validation.feedFileName(value) {
                reader.fail(elementPath.appending("file"), "must be \(expected), got \(ConfigReader.render(value))")
                file = .invalid
            }
            // Either one may be left out: `name` defaults to `file` without
            // `.atom` (when that is a valid name), `file` to `name` + `.atom`.
            switch (name, file) {
            case (.absent, .value(let fileName)):
                let stem = String(fileName.dropLast(".atom".count))
                if Validation.isFeedName(stem) {
                    name = .value(stem)
                } else {
                    reader.fail(elementPath.appending("name"),
                                "is missing, and \(ConfigReader.render(fileName)) gives no usable default; add name = \"…\" (lowercase letters, digits, hyphens)")
                }
            case (.value(let feedName), .absent):
                file = .value(feedName + ".atom")
            case (.absent, .absent):
                reader.fail(elementPath.appending("name"), "is missing; every [[feed]] needs a name, e.g. name = \"publications\"")
            default:
                break
            }

            var kind: EntryKind?
            switch reader.string(table, "kind", at: elementPath, noun: "\"publication\" or \"job\"") {
            case .value(let text):
                kind = EntryKind(field: text)
                if kind == nil {
                    reader.fail(elementPath.appending("kind"), "must be \"publication\" or \"job\", got \(ConfigReader.render(text))")
                }
            case .absent:
                reader.fail(elementPath.appending("kind"), "is missing; every [[feed]] needs kind = \"publication\" or kind = \"job\"")
            case .invalid:
                break
            }

            let title = reader.text(table, "title", at: elementPath)
            let subtitle = reader.text(table, "subtitle", at: elementPath)
            let cap = reader.integer(table, "cap", at: elementPath, range: capRange)
            let formats = reader.stringList(table, "formats", at: elementPath, allowed: FeedFormat.allCases.map(\.rawValue))
                .map { Set($0.compactMap(FeedFormat.init(rawValue:))).union([.atom]) } ?? [.atom]
            let groupBy = reader.stringList(table, "group_by", at: elementPath, allowed: Facet.Dimension.allCases.map(\.rawValue))
                .map { $0.compactMap(Facet.Dimension.init(rawValue:)) } ?? []
            let closedDays = reader.integer(table, "closed_days", at: elementPath, range: 0...3650, noun: "a number of days")
            let significant = reader.stringList(table, "significant", at: elementPath, allowed: EntryField.allCases.map(\.rawValue))
                .map { Set($0.compactMap(EntryField.init(rawValue:))) } ?? Set(EntryField.allCases)
            let archive = reader.boolean(table, "archive", at: elementPath)
            let archiveSize = reader.integer(table, "archive_size", at: elementPath, range: capRange, noun: "a number of entries")

            if let feedName = name.value {
                if let first = namesSeen[feedName] {
                    reader.fail(elementPath.appending("name"),
                                "duplicate feed name \(ConfigReader.render(feedName)); feed[\(first)]\(lineNote(reader, path.appending(index: first).appending("name"))) already uses it")
                } else {
                    namesSeen[feedName] = index
                }
            }
            // A file name defaulted from a duplicate name is the same mistake; report it once.
            let fileIsDerived = table["file"] == nil && name.value.map { namesSeen[$0] != index } == true
            if let fileName = file.value, !fileIsDerived {
                let folded = fileName.lowercased()  // case-insensitive file systems would clash too
                if let first = filesSeen[folded] {
                    reader.fail(elementPath.appending("file"),
                                "duplicate feed file \(ConfigReader.render(fileName)); feed[\(first)]\(lineNote(reader, path.appending(index: first).appending("file"))) already writes it")
                } else {
                    filesSeen[folded] = index
                }
            }

            if let feedName = name.value, let fileName = file.value, let kind {
                feeds.append(FeedSpec(name: feedName, file: fileName, kind: kind,
                                      title: title.value ?? Configuration.defaultTitle(for: kind),
                                      subtitle: subtitle.value, cap: cap.value ?? Configuration.defaultCap,
                                      formats: formats, groupBy: groupBy, closedDays: closedDays.value,
                                      significant: significant, archive: archive,
                                      archiveSize: archiveSize.value ?? FeedSpec.defaultArchiveSize))
            }
        }
        return feeds
    }

    private static func lineNote(_ reader: ConfigReader, _ path: TOMLKeyPath) -> String {
        reader.locator.line(of: path).map { " (line \($0))" } ?? ""
    }

    // MARK: - Files

    /// Reads and parses a config file. Errors name `path` as given; a
    /// missing file says so and how to pass another one.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        try load(path: path, cwd: FileManager.default.currentDirectoryPath)
    }

    static func load(path: String, cwd: String) throws(ConfigError) -> Configuration {
        let absolute = resolve(path: path, against: cwd)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw ConfigError(file: path, message: "no such config file (looked for \(absolute)); "
                + "pass an existing file with --config FILE, or see Config/feedd.example.toml")
        }
        if isDirectory.boolValue {
            throw ConfigError(file: path, message: "is a directory, not a config file; pass a file with --config FILE")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: absolute))
        } catch {
            throw ConfigError(file: path, message: "cannot read the config file: \(describe(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "is not valid UTF-8 text")
        }
        var configuration = try parse(text, file: path, baseDirectory: directoryName(of: absolute))
        configuration.file = absolute
        return configuration
    }

    /// Resolution order: `explicit` (relative to `cwd`; never falls back),
    /// else `Config/feedd.toml` under `cwd`, else `/etc/feedd/feedd.toml`,
    /// else `Configuration.defaults(cwd:)`. `Configuration.file` tells which
    /// was used (nil for the built-in defaults).
    public static func locate(explicit: String?, cwd: String) throws(ConfigError) -> Configuration {
        try locate(explicit: explicit, cwd: cwd, systemPath: systemPath)
    }

    /// `locate(explicit:cwd:)` with another system-wide path (for tests).
    public static func locate(explicit: String?, cwd: String, systemPath: String) throws(ConfigError) -> Configuration {
        if let explicit {
            return try load(path: explicit, cwd: cwd)
        }
        let project = resolve(path: projectPath, against: cwd)
        if FileManager.default.fileExists(atPath: project) {
            return try load(path: projectPath, cwd: cwd)
        }
        if FileManager.default.fileExists(atPath: systemPath) {
            return try load(path: systemPath, cwd: cwd)
        }
        return Configuration.defaults(cwd: cwd)
    }

    // MARK: - Paths

    /// `path` made absolute against `base` and lexically normalised (`.`,
    /// `..` and repeated slashes removed; symlinks are not resolved).
    public static func resolve(path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func directoryName(of absolutePath: String) -> String {
        guard let slash = absolutePath.lastIndex(of: "/"), slash != absolutePath.startIndex else { return "/" }
        return String(absolutePath[..<slash])
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
