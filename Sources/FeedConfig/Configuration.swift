import FeedModel

/// Timing of the daemon's watch loop.
public struct DaemonSettings: Sendable, Equatable {
    /// Quiet time after the last file event before a rescan (`debounce_ms`, default 250 ms).
    public var debounce: Duration
    /// Longest a burst of events may postpone a rescan (`max_delay_ms`, default 2000 ms).
    /// Never shorter than `debounce`.
    public var maxDelay: Duration
    /// Periodic full rescan, the safety net behind inotify (`rescan_interval_s`, default 600 s).
    public var rescanInterval: Duration

    public init(debounce: Duration = .milliseconds(250), maxDelay: Duration = .milliseconds(2000),
                rescanInterval: Duration = .seconds(600)) {
        self.debounce = debounce
        self.maxDelay = maxDelay
        self.rescanInterval = rescanInterval
    }
}

/// Guards against inputs that would hurt the process.
public struct Limits: Sendable, Equatable {
    /// Source files larger than this many bytes are rejected (`max_file_size`, default 1 MiB).
    public var maxFileSize: Int

    public init(maxFileSize: Int = 1_048_576) {
        self.maxFileSize = maxFileSize
    }
}

/// Everything feedd needs to run, after defaults and path resolution.
public struct Configuration: Sendable, Equatable {
    /// Absolute, lexically normalised directory of entries.
    public var source: String
    /// Absolute directory the feed files are written to.
    public var output: String
    /// Absolute directory of the state database.
    public var stateDir: String
    public var site: Site
    public var feeds: [FeedSpec]
    public var daemon: DaemonSettings
    public var limits: Limits
    /// Absolute path of the config file read; nil for the built-in defaults.
    public var file: String?

    public init(source: String, output: String, stateDir: String, site: Site, feeds: [FeedSpec],
                daemon: DaemonSettings = DaemonSettings(), limits: Limits = Limits(), file: String? = nil) {
        self.source = source
        self.output = output
        self.stateDir = stateDir
        self.site = site
        self.feeds = feeds
        self.daemon = daemon
        self.limits = limits
        self.file = file
    }

    // MARK: Defaults

    public static let defaultSource = "Entries"
    public static let defaultOutput = "Feeds"
    public static let defaultStateDir = ".feedd-state"
    public static let defaultSiteTitle = "feedd"
    public static let defaultBaseURL = "http://localhost/"
    /// The year in default tag authorities. Fixed, never the current year:
    /// ids must not change on New Year's Day.
    public static let defaultTagYear = "2026"
    public static let defaultTagAuthority = "localhost," + defaultTagYear
    public static let defaultLanguage = "en"
    public static let defaultCap = 50

    /// The feeds used when a config has no `[[feed]]` table.
    public static let defaultFeeds: [FeedSpec] = [
        FeedSpec(name: "publications", file: "publications.atom", kind: .publication, title: "Publications",
                 cap: defaultCap),
        FeedSpec(name: "openings", file: "openings.atom", kind: .job, title: "Openings", cap: defaultCap),
    ]

    public static let defaultSite = Site(title: defaultSiteTitle, baseURL: defaultBaseURL,
                                         tagAuthority: defaultTagAuthority, author: defaultSiteTitle,
                                         authorURI: nil, language: defaultLanguage)

    /// The configuration used when no config file exists at all: `Entries/`
    /// in, `Feeds/` out, state in `.feedd-state/`, all under `cwd`.
    public static func defaults(cwd: String) -> Configuration {
        Configuration(source: ConfigLoader.resolve(path: defaultSource, against: cwd),
                      output: ConfigLoader.resolve(path: defaultOutput, against: cwd),
                      stateDir: ConfigLoader.resolve(path: defaultStateDir, against: cwd),
                      site: defaultSite, feeds: defaultFeeds, daemon: DaemonSettings(), limits: Limits(),
                      file: nil)
    }

    /// The default title of a feed of `kind` when its `[[feed]]` has none.
    public static func defaultTitle(for kind: EntryKind) -> String {
        switch kind {
        case .publication: "Publications"
        case .job: "Openings"
        }
    }

    /// Applies `--source`, `--output` and `--state-dir`; relative flag
    /// values resolve against `cwd` (where the user typed them), not the
    /// config file's directory.
    public func overriding(source: String? = nil, output: String? = nil, stateDir: String? = nil,
                           cwd: String) -> Configuration {
        var copy = self
        if let source { copy.source = ConfigLoader.resolve(path: source, against: cwd) }
        if let output { copy.output = ConfigLoader.resolve(path: output, against: cwd) }
        if let stateDir { copy.stateDir = ConfigLoader.resolve(path: stateDir, against: cwd) }
        return copy
    }
}
