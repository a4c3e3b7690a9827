import FeedModel
import Foundation
import Testing
@testable import FeedConfig

/// Parses `text` expecting failure; returns the error.
func parseError(_ text: String, file: String = "feedd.toml") -> ConfigError? {
    do {
        _ = try ConfigLoader.parse(text, file: file, baseDirectory: "/srv/feedd/Config")
        return nil
    } catch {
        return error
    }
}

let fullConfig = """
# a complete config
source = "sample"
output = "../Feeds"
state_dir = "/var/lib/feedd"

[site]
title = "Example Lab"
base_url = "https://feeds.example.org"
tag_authority = "example.org,2026-03"
author = "Example Lab Team"
author_uri = "mailto:feeds@example.org"
lang = "en-GB"

[daemon]
debounce_ms = 100
max_delay_ms = 1500
rescan_interval_s = 300

[limits]
max_file_size = 65536

[[feed]]
name = "papers"
file = "papers.atom"
kind = "publication"
title = "Papers"
subtitle = "Newest first"
cap = 20

[[feed]]
name = "jobs-us"
kind = "opening"
title = "US openings"
"""

@Suite struct ParseValid {
    @Test func fullConfigRoundTrips() throws {
        let config = try ConfigLoader.parse(fullConfig, file: "Config/feedd.toml", baseDirectory: "/srv/feedd/Config")
        let expected = Configuration(
            source: "/srv/feedd/Config/sample",
            output: "/srv/feedd/Feeds",
            stateDir: "/var/lib/feedd",
            site: Site(title: "Example Lab", baseURL: "https://feeds.example.org/",
                       tagAuthority: "example.org,2026-03", author: "Example Lab Team",
                       authorURI: "mailto:feeds@example.org", language: "en-GB"),
            feeds: [
                FeedSpec(name: "papers", file: "papers.atom", kind: .publication, title: "Papers",
                         subtitle: "Newest first", cap: 20),
                FeedSpec(name: "jobs-us", file: "jobs-us.atom", kind: .job, title: "US openings", cap: 50),
            ],
            daemon: DaemonSettings(debounce: .milliseconds(100), maxDelay: .milliseconds(1500),
                                   rescanInterval: .seconds(300)),
            limits: Limits(maxFileSize: 65536),
            file: "Config/feedd.toml")
        #expect(config == expected)
    }

    @Test func emptyFileGivesDefaultsRelativeToTheFile() throws {
        let config = try ConfigLoader.parse("", file: "x.toml", baseDirectory: "/etc/feedd")
        var expected = Configuration.defaults(cwd: "/etc/feedd")
        expected.file = "x.toml"
        #expect(config == expected)
        #expect(config.feeds.map(\.file) == ["publications.atom", "openings.atom"])
        #expect(config.feeds.map(\.kind) == [.publication, .job])
    }

    @Test func defaultsAreValid() {
        let config = Configuration.defaults(cwd: "/home/me/lab")
        #expect(config.source == "/home/me/lab/Entries")
        #expect(config.output == "/home/me/lab/Feeds")
        #expect(config.stateDir == "/home/me/lab/.feedd-state")
        #expect(config.file == nil)
        #expect(Validation.tagAuthority(config.site.tagAuthority) == nil)
        #expect(config.site.baseURL == "http://localhost/")
        #expect(config.feeds.allSatisfy { $0.cap == 50 })
        #expect(config.feeds.map(\.title) == ["Publications", "Openings"])
    }

    @Test func tagAuthorityDefaultsToTheBaseURLHost() throws {
        let config = try ConfigLoader.parse("""
            [site]
            base_url = "https://Feeds.Example.org:8443/lab/"
            """, file: "f", baseDirectory: "/")
        #expect(config.site.tagAuthority == "feeds.example.org,2026")
        #expect(config.site.author == "feedd")
        let ip = try ConfigLoader.parse("[site]\nbase_url = \"http://[::1]/\"", file: "f", baseDirectory: "/")
        #expect(ip.site.tagAuthority == "localhost,2026")
    }

    @Test func relativePathsResolveAgainstTheConfigDirectory() throws {
        let config = try ConfigLoader.parse("""
            source = "./sample/../entries//2024"
            output = "../../out"
            state_dir = "state/"
            """, file: "f", baseDirectory: "/srv/app/Config")
        #expect(config.source == "/srv/app/Config/entries/2024")
        #expect(config.output == "/srv/out")
        #expect(config.stateDir == "/srv/app/Config/state")
        #expect(ConfigLoader.resolve(path: "../../../..", against: "/a") == "/")
        let flags = config.overriding(source: "mine", stateDir: "/tmp/s", cwd: "/home/me")
        #expect(flags.source == "/home/me/mine")
        #expect(flags.output == "/srv/out")
        #expect(flags.stateDir == "/tmp/s")
    }

    @Test func inlineAndDottedFormsAreAccepted() throws {
        let config = try ConfigLoader.parse("""
            site.title = "Dotted"
            daemon = { debounce_ms = 10, max_delay_ms = 20 }
            feed = [ { name = "a", kind = "job" } ]
            """, file: "f", baseDirectory: "/")
        #expect(config.site.title == "Dotted")
        #expect(config.daemon.debounce == .milliseconds(10))
        #expect(config.feeds == [FeedSpec(name: "a", file: "a.atom", kind: .job, title: "Openings")])
    }

    @Test func theExampleFileParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("Config/feedd.example.toml").path
        let config = try ConfigLoader.load(path: path)
        #expect(config.file == path)
        #expect(config.site.tagAuthority == "example.org,2026")
        #expect(config.site.baseURL == "https://feeds.example.org/")
        #expect(config.output == root.appendingPathComponent("Feeds").path)
        #expect(config.feeds.map(\.name) == ["publications", "openings"])
        #expect(config.feeds.map(\.kind) == [.publication, .job])
        #expect(config.daemon == DaemonSettings())
        #expect(config.limits == Limits())
        // Every key of the schema is shown in the reference file.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ConfigLoader.topLevelKeys + ConfigLoader.siteKeys + ConfigLoader.daemonKeys
            + ConfigLoader.limitsKeys + ConfigLoader.websubKeys + ConfigLoader.feedKeys {
            #expect(text.contains("\n\(key) = ") || text.contains("[\(key)]"), "example lacks \(key)")
        }
        // And in the man page's CONFIGURATION section (roff escapes `_` nowhere, so the names appear as written).
        let man = try String(contentsOf: root.appendingPathComponent("man/feedd.1"), encoding: .utf8)
        let configuration = man.components(separatedBy: ".SH CONFIGURATION").last?.components(separatedBy: ".SH FILES").first ?? ""
        for key in ConfigLoader.topLevelKeys + ConfigLoader.siteKeys + ConfigLoader.daemonKeys
            + ConfigLoader.limitsKeys + ConfigLoader.websubKeys + ConfigLoader.feedKeys {
            #expect(configuration.contains(key), "the man page's CONFIGURATION lacks \(key)")
        }
    }
}

@Suite struct ParseErrors {
    @Test func syntaxErrorHasLineAndColumn() throws {
        let error = try #require(parseError("""
            title = "x"

            [site
            title = "y"
            """))
        #expect(error.line == 3)
        #expect(error.column != nil)
        #expect(error.key == nil)
        #expect(error.description.hasPrefix("feedd.toml:3:"))
        #expect(error.message.hasPrefix("TOML syntax error in table header"))
    }

    @Test func duplicateKeyIsASyntaxErrorOnItsLine() throws {
        let error = try #require(parseError("[site]\ntitle = \"a\"\ntitle = \"b\"\n"))
        #expect(error.line == 3)
    }

    @Test func unknownTopLevelKey() throws {
        let error = try #require(parseError("""
            source = "s"
            # comment
            sourse = "t"
            """))
        #expect(error.line == 3)
        #expect(error.key == "sourse")
        #expect(error.message.contains("unknown key"))
        #expect(error.message.contains("did you mean \"source\""))
        #expect(error.description.hasPrefix("feedd.toml:3: sourse: unknown key"))
    }

    @Test func unknownTableIsNamedAtItsHeader() throws {
        let error = try #require(parseError("\n[feeds]\nname = \"x\"\n"))
        #expect(error.line == 2)
        #expect(error.key == "feeds")
        #expect(error.message.contains("did you mean \"feed\""))
    }

    @Test func unknownKeyInSecondFeed() throws {
        let error = try #require(parseError("""
            [[feed]]
            name = "a"
            kind = "job"

            [[feed]]
            name = "b"
            kind = "publication"
            capacity = 3
            """))
        #expect(error.line == 8)
        #expect(error.key == "feed[1].capacity")
        #expect(error.message.contains("in [[feed]]"))
        #expect(error.description == "feedd.toml:8: feed[1].capacity: unknown key in [[feed]]; expected one of: name, file, kind, title, subtitle, cap, formats, group_by, closed_days, significant, archive, archive_size")
    }

    @Test(arguments: [
        "feeds.example.org",            // no scheme
        "ftp://feeds.example.org/",     // not http(s)
        "https:///path",                // no host
        "https://example.org/?x=1",     // query
        "https://example.org/#top",     // fragment
        "https://exa mple.org/",        // space
        "",
    ])
    func badBaseURL(_ url: String) throws {
        let error = try #require(parseError("[site]\ntitle = \"t\"\nbase_url = \"\(url)\"\n"))
        #expect(error.line == 3)
        #expect(error.key == "site.base_url")
        #expect(error.message.contains("http(s) URL"))
    }

    @Test(arguments: [
        "example.org",                  // no date
        "example.org,26",               // short year
        "example.org,2026-13",          // month
        "example.org,2026-02-30",       // day
        "-example.org,2026",            // label starts with hyphen
        "exa_mple.org,2026",            // underscore
        "Example.org,2026",             // uppercase
        "@example.org,2026",            // empty local part
        "example.org,2026,extra",
    ])
    func badTagAuthority(_ authority: String) throws {
        let error = try #require(parseError("[site]\n\n tag_authority = \"\(authority)\" # id prefix\n"))
        #expect(error.line == 3)
        #expect(error.key == "site.tag_authority")
        #expect(error.message.contains("RFC 4151"))
    }

    @Test(arguments: ["example.org,2026", "me@example.org,2026-01-31", "localhost,2000-02-29", "a-b.c9,1999-12"])
    func goodTagAuthority(_ authority: String) {
        #expect(Validation.tagAuthority(authority) == nil)
    }

    @Test func capOutOfRangeAndNotANumber() throws {
        let text = """
            [[feed]]
            name = "a"
            kind = "job"
            cap = 0

            [[feed]]
            name = "b"
            kind = "job"
            cap = "lots"
            """
        let error = try #require(parseError(text, file: "Config/feedd.toml"))
        #expect(error.description == "Config/feedd.toml:4: feed[0].cap: must be a whole number from 1 to 10000, got 0")
        // Both problems are reported, in line order.
        #expect(error.additional.map(\.description) == [
            "Config/feedd.toml:9: feed[1].cap: must be a whole number from 1 to 10000, got \"lots\"",
        ])
        #expect(error.fullDescription.split(separator: "\n").count == 2)
    }

    @Test func wrongTypes() throws {
        var error = try #require(parseError("[daemon]\ndebounce_ms = 1.5\n"))
        #expect(error.line == 2)
        #expect(error.key == "daemon.debounce_ms")
        #expect(error.message == "must be a whole number of milliseconds from 0 to 60000, got 1.5 (a floating-point number)")

        error = try #require(parseError("\n\nsite = \"Example\"\n"))
        #expect(error.line == 3)
        #expect(error.key == "site")
        #expect(error.message.contains("must be a table"))

        error = try #require(parseError("[site]\ntitle = [\"a\", \"b\"]\n"))
        #expect(error.line == 2)
        #expect(error.key == "site.title")
        #expect(error.message.contains("got an array"))

        error = try #require(parseError("[feed]\nname = \"a\"\n"))
        #expect(error.line == 1)
        #expect(error.key == "feed")
        #expect(error.message.contains("[[feed]]"))

        error = try #require(parseError("source = 42\n"))
        #expect(error.key == "source")
        #expect(error.message == "must be a directory path, got 42")
    }

    @Test func duplicateFeedNameNamesTheSecond() throws {
        let error = try #require(parseError("""
            [[feed]]
            name = "news"
            file = "a.atom"
            kind = "job"
            [[feed]]
            kind = "publication"
            file = "b.atom"
            name = "news"
            """))
        #expect(error.line == 8)
        #expect(error.key == "feed[1].name")
        #expect(error.message.contains("duplicate feed name \"news\""))
        #expect(error.message.contains("feed[0] (line 2)"))
    }

    @Test func duplicateNameIsReportedOnceWhenTheFileIsDerived() throws {
        let error = try #require(parseError("[[feed]]\nname = \"a\"\nkind = \"job\"\n[[feed]]\nname = \"a\"\nkind = \"job\"\n"))
        #expect(error.key == "feed[1].name")
        #expect(error.line == 5)
        #expect(error.additional.isEmpty)
    }

    @Test func duplicateFeedFileIgnoresCase() throws {
        let error = try #require(parseError("""
            [[feed]]
            file = "news.atom"
            kind = "job"
            [[feed]]
            name = "other"
            file = "NEWS.atom"
            kind = "publication"
            """))
        #expect(error.line == 6)
        #expect(error.key == "feed[1].file")
    }

    @Test func feedValues() throws {
        var error = try #require(parseError("[[feed]]\nname = \"Pubs\"\nkind = \"job\"\n"))
        #expect(error.key == "feed[0].name")
        #expect(error.line == 2)
        error = try #require(parseError("[[feed]]\nname = \"a\"\nfile = \"sub/a.atom\"\nkind = \"job\"\n"))
        #expect(error.key == "feed[0].file")
        #expect(error.line == 3)
        error = try #require(parseError("[[feed]]\nname = \"a\"\nfile = \"a.xml\"\nkind = \"job\"\n"))
        #expect(error.key == "feed[0].file")
        error = try #require(parseError("[[feed]]\nname = \"a\"\nkind = \"blog\"\n"))
        #expect(error.key == "feed[0].kind")
        #expect(error.line == 3)
        // A missing key is reported at the table's header.
        error = try #require(parseError("\n[[feed]]\nname = \"a\"\n"))
        #expect(error.key == "feed[0].kind")
        #expect(error.line == 2)
        #expect(error.message.contains("is missing"))
        error = try #require(parseError("feed = []\n"))
        #expect(error.key == "feed")
    }

    @Test func daemonRanges() throws {
        var error = try #require(parseError("[daemon]\ndebounce_ms = 500\nmax_delay_ms = 400\n"))
        #expect(error.key == "daemon.max_delay_ms")
        #expect(error.line == 3)
        error = try #require(parseError("[daemon]\ndebounce_ms = 5000\n"))
        #expect(error.key == "daemon.debounce_ms")
        error = try #require(parseError("[daemon]\nrescan_interval_s = 0\n"))
        #expect(error.key == "daemon.rescan_interval_s")
        error = try #require(parseError("[limits]\nmax_file_size = -1\n"))
        #expect(error.key == "limits.max_file_size")
        #expect(error.message.contains("bytes"))
    }

    @Test func siteValues() throws {
        var error = try #require(parseError("[site]\nlang = \"english language\"\n"))
        #expect(error.key == "site.lang")
        error = try #require(parseError("[site]\nauthor_uri = \"example.org/me\"\n"))
        #expect(error.key == "site.author_uri")
        error = try #require(parseError("[site]\ntitle = \"  \"\n"))
        #expect(error.key == "site.title")
        error = try #require(parseError("[site]\ntitle = \"a\\u0007b\"\n"))
        #expect(error.message.contains("control characters"))
    }

    @Test func stateDirMustNotBeTheOutput() throws {
        let error = try #require(parseError("output = \"out\"\nstate_dir = \"./out/\"\n"))
        #expect(error.key == "state_dir")
        #expect(error.line == 2)
    }

    @Test func nulIsRejectedWithItsLine() throws {
        let error = try #require(parseError("a = 1\r\nb = \"x\0y\"\n"))
        #expect(error.line == 2)
    }
}

struct FeedOptionsTests {
    @Test func formatsAndGroupingAreRead() throws {
        let toml = """
        [[feed]]
        name = "openings"
        kind = "job"
        formats = ["rss", "json"]
        group_by = ["country", "team"]
        """
        let config = try ConfigLoader.parse(toml, file: "f.toml", baseDirectory: "/tmp")
        #expect(config.feeds.first?.formats == [.atom, .rss, .json], "Atom is always written")
        #expect(config.feeds.first?.groupBy == [.country, .team])
    }

    @Test func unknownFormatNamesTheLine() {
        let toml = "[[feed]]\nname = \"a\"\nkind = \"job\"\nformats = [\"atom\", \"yaml\"]\n"
        #expect {
            _ = try ConfigLoader.parse(toml, file: "f.toml", baseDirectory: "/tmp")
        } throws: { error in
            "\(error)".contains("f.toml:4") && "\(error)".contains("formats")
        }
    }

    @Test func pageSwitchesAreBooleans() throws {
        let on = try ConfigLoader.parse("[site]\nindex_page = false\nstylesheet = false\n", file: "f.toml", baseDirectory: "/tmp")
        #expect(on.site.indexPage == false && on.site.stylesheet == false)
        #expect(throws: ConfigError.self) { _ = try ConfigLoader.parse("[site]\nindex_page = \"yes\"\n", file: "f.toml", baseDirectory: "/tmp") }
    }
}
