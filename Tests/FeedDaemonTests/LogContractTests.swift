import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: the JSON log is a typed, versioned contract. Real lines of every
/// event feedd can be made to log here are validated against the committed
/// schema (`docs/log.schema.json`) by python-jsonschema
/// (`scripts/check-log.py`); the README's examples are the real binary's lines.
struct LogContractTests {
    static let schema = E2E.repoRoot.appendingPathComponent("docs/log.schema.json")
    static let checker = E2E.repoRoot.appendingPathComponent("scripts/check-log.py")

    /// Events no test here can make happen, and why: the schema still describes them.
    static let notProducedHere: Set<String> = [
        "progress",      // only after several seconds of parsing: the 100,000-file benchmark shows it
        "watch-limit",   // needs inotify's system-wide limits exhausted
        "watch-ended",   // needs the inotify thread to die
        "rescan",        // the rescan timer (10 minutes) or an inotify queue overflow
        "recovered",     // DaemonFaultTests make failures and recoveries on a tmpfs they mount
        "websub-recovered", // WebSubTests.theDaemonRetriesAFailingHubAndSaysWhenItRecovers (a backoff of seconds)
    ]

    /// Validates `lines` against the schema; returns the events seen.
    static func validate(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-log-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let check = try E2E.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", checker.path, schema.path, file.path],
                                cwd: E2E.repoRoot, timeout: 120)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
        let last = check.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let range = last.range(of: "events: ") else { return [] }
        return Set(last[range.upperBound...].split(separator: " ").map(String.init))
    }

    static func schemaEvents() throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: schema)) as? [String: Any]
        let event = (object?["properties"] as? [String: Any])?["event"] as? [String: Any]
        return Set(event?["enum"] as? [String] ?? [])
    }

    @Test func everyLineOfEveryEventMatchesTheSchema() async throws {
        var lines: [String] = []
        let box = try Sandbox()
        func once(_ extra: [String] = []) throws -> Run {
            let run = try box.once(extra)
            lines += run.lines
            return run
        }
        // New, rejected, unknown keys, a conflict, a hard link, an opening closed before it was seen.
        try box.write("publications/a.md", Fixture.publication(id: "paper-a", title: "1984", date: "2024-01-01"))
        try box.write("publications/b.md", Fixture.publication(id: "paper-b", title: "Paper B").replacingOccurrences(of: "authors:", with: "autors:"))
        try box.write("publications/twin.md", Fixture.publication(id: "paper-a", title: "A twin claim"))
        try box.write("publications/broken.md", "---\ntitle: Broken\ndate: next Tuesday\nautors: [X]\n---\nBody.\n")
        try box.write("jobs/old.md", TimelineTests.job(id: "job-old", title: "Long closed", closes: "2020-01-01"))
        try box.write("jobs/open.md", TimelineTests.job(id: "job-open", title: "Open"))
        #expect(link(box.src.appendingPathComponent("publications/b.md").path, box.src.appendingPathComponent("publications/c-link.md").path) == 0)
        let first = try once()
        #expect(first.status == 65, "\(first)")
        // Typed fields (issue 15, item 2): numbers, booleans, every id a tag: URI; a title "1984" stays text.
        let summary = try #require(first.lines.last { $0.contains("\"event\":\"summary\"") })
        #expect(summary.contains("\"seconds\":") && !summary.contains("\"seconds\":\"") && summary.contains("\"dry_run\":false"), "\(summary)")
        for line in try first.logLines() {
            if let id = line.id { #expect(id.hasPrefix("tag:"), "\(line)") }
        }
        #expect(first.lines.contains { $0.contains("\"title\":\"1984\"") }, "a numeric title became a number")
        // Edited, removed, fixed; a dry run; phases at debug level.
        try box.write("publications/a.md", Fixture.publication(id: "paper-a", title: "1984, edited", date: "2024-01-01"))
        try box.remove("jobs/open.md")
        try box.write("publications/broken.md", "---\ntitle: Broken no more\ndate: 2024-02-02\n---\nBody.\n")
        _ = try once(["--log-level", "debug"])
        let dry = try once(["--dry-run"])
        #expect(dry.lines.last?.contains("\"dry_run\":true") == true, "\(dry)")
        // A quiet revision (the first edit under `significant` stores the digests it needs), and entries no feed takes.
        let config = try TimelineTests.config(box, publications: "significant = [\"title\"]")
        let onlyPapers = box.root.appendingPathComponent("papers.toml")
        try Data("[[feed]]\nname = \"publications\"\nkind = \"publication\"\nsignificant = [\"title\"]\n".utf8).write(to: onlyPapers)
        for body in ["Another body.", "Another body, fixed."] {
            try box.write("publications/a.md", Fixture.publication(id: "paper-a", title: "1984, edited", date: "2024-01-01", body: body))
            _ = try once(["--config", config])
        }
        try box.write("jobs/new.md", TimelineTests.job(id: "job-new", title: "New job"))
        _ = try once(["--config", onlyPapers.path])
        // WebSub: a hub that takes the ping, one that refuses it.
        let hub = try StandInHub(), refusing = try StandInHub(answer: "500")
        try box.write("publications/hubbed.md", Fixture.publication(id: "hubbed", title: "Hubbed"))
        _ = try once(["--config", try WebSubTests.config(box, hubs: [hub.url, refusing.url])])
        // Failures before a run: a bad config, a missing source, an unusable output, a locked state.
        let bad = box.root.appendingPathComponent("bad.toml")
        try Data("[[feed]]\nname = \"x\"\nkind = \"nothing\"\ncap = \"lots\"\n".utf8).write(to: bad)
        _ = try once(["--config", bad.path])
        lines += try E2E.feedd(["--once", "--log-format", "json", "--source", box.root.appendingPathComponent("missing").path,
                                "--output", box.out.path, "--state-dir", box.state.path], cwd: box.cwd).lines
        let fileAsOutput = box.root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: fileAsOutput)
        lines += try E2E.feedd(["--once", "--log-format", "json", "--source", box.src.path, "--output", fileAsOutput.appendingPathComponent("out").path,
                                "--state-dir", box.root.appendingPathComponent("state2").path], cwd: box.cwd).lines
        let lock = open(box.state.appendingPathComponent("lock").path, O_RDWR)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        lines += try box.once().lines
        // The daemon: start refused on the locked state, then ready, reload, a refused reload, the source gone, stopping.
        let refused = try E2E.feedd(["--log-format", "json", "--source", box.src.path, "--output", box.out.path, "--state-dir", box.state.path],
                                    cwd: box.cwd, timeout: 20)
        lines += refused.lines
        close(lock)
        let scratch = try DaemonScratch()
        try DaemonHarness.write(Fixture.publication(id: "paper-d", title: "Daemon paper"), to: scratch.source + "/publications/d.md")
        let daemonConfig = try scratch.writeConfig("[daemon]\ndebounce_ms = 50\n")
        let daemon = try DaemonProcess(["--config", daemonConfig, "--log-format", "json"], cwd: scratch.cwd)
        defer { daemon.kill() }
        #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "\(daemon.log.tail())")
        daemon.signal(SIGHUP)
        #expect(await daemon.log.wait(for: "reloaded", timeout: .seconds(5)), "\(daemon.log.tail())")
        try DaemonHarness.write("[[feed]]\nname = 1\n", to: daemonConfig)
        daemon.signal(SIGHUP)
        #expect(await daemon.log.wait(for: "reload-failed", timeout: .seconds(5)), "\(daemon.log.tail())")
        try FileManager.default.removeItem(atPath: scratch.source)
        #expect(await daemon.log.wait(for: "source-gone", timeout: .seconds(5)), "\(daemon.log.tail())")
        daemon.signal(SIGTERM)
        _ = await daemon.waitForExit(timeout: .seconds(5))
        lines += daemon.log.lines.map(\.raw)

        let seen = try Self.validate(lines)
        let expected = try Self.schemaEvents().subtracting(Self.notProducedHere)
        #expect(seen == expected, "not seen: \(expected.subtracting(seen).sorted()); not in the schema: \(seen.subtracting(expected).sorted())")
    }

    @Test func theCheckerRefusesALineThatBreaksTheContract() throws {
        // The schema is not a formality: a string where a number belongs, a bare key as `id`, an unknown event.
        let good = #"{"ts":"2026-12-04T10:00:00Z","level":"info","event":"summary","new":1,"updated":0,"revised":0,"removed":0,"rejected":0,"conflicts":0,"files":1,"parsed":1,"seconds":0.01,"dry_run":false,"log_format":1}"#
        #expect(try Self.validate([good]) == ["summary"])
        for bad in [good.replacingOccurrences(of: #""seconds":0.01"#, with: #""seconds":"0.01""#),
                    good.replacingOccurrences(of: #""dry_run":false"#, with: #""dry_run":"false""#),
                    #"{"level":"warning","event":"conflict","id":"paper-a","key":"paper-a","source":"b.md","winner":"a.md"}"#,
                    #"{"level":"notice","event":"invented","source":"a.md"}"#] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-bad-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data((bad + "\n").utf8).write(to: file)
            let check = try E2E.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.checker.path, Self.schema.path, file.path],
                                    cwd: E2E.repoRoot, timeout: 60)
            #expect(check.status == 1, "accepted: \(bad)\n\(check.stdout)")
        }
    }

    // MARK: The README's examples

    /// The scenario the README's log examples come from: one paper of the
    /// sample, and an opening whose date is not a date.
    static func readmeScenario(format: String) throws -> [String] {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.src.appendingPathComponent("publications"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: E2E.sampleSource.appendingPathComponent("publications/quillfish-2025.md"),
                                         to: box.src.appendingPathComponent("publications/quillfish-2025.md"))
        try box.write("jobs/broken.md", "---\nkind: job\ntitle: Broken\nlocation: PT\ndate: next Tuesday\n---\nBody.\n")
        let run = try E2E.feedd(["--once", "--log-format", format, "--source", box.src.path, "--output", box.out.path,
                                 "--state-dir", box.state.path], cwd: box.cwd)
        return run.lines.map(normalise)
    }

    /// Time stamps and durations, the only parts that change from run to run.
    static func normalise(_ line: String) -> String {
        let rules = [(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, "TS "), (#"(?<="ts":")[^"]+"#, "TS"),
                     (#"\d+(\.\d+)? s$"#, "SECONDS s"), (#"(?<="seconds":)[0-9.]+"#, "SECONDS")]
        var out = line
        for (pattern, template) in rules {
            let regex = try! NSRegularExpression(pattern: pattern)
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }

    /// The lines of the README's fenced block after `<!-- log-example: NAME -->`.
    static func readmeBlock(_ name: String) throws -> [String] {
        let readme = try String(contentsOf: E2E.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let marker = readme.range(of: "<!-- log-example: \(name) -->"),
              let open = readme.range(of: "```", range: marker.upperBound..<readme.endIndex),
              let lineEnd = readme.range(of: "\n", range: open.upperBound..<readme.endIndex),
              let close = readme.range(of: "\n```", range: lineEnd.upperBound..<readme.endIndex) else { return [] }
        return readme[lineEnd.upperBound..<close.lowerBound].split(separator: "\n").map { normalise(String($0)) }
    }

    @Test func theReadmesLogExamplesAreWhatFeeddWrites() throws {
        for format in ["text", "json"] {
            let real = try Self.readmeScenario(format: format)
            let shown = try Self.readmeBlock(format)
            #expect(!shown.isEmpty, "README.md has no <!-- log-example: \(format) --> block")
            #expect(shown == real, "README.md's \(format) example is not what feedd writes; it writes:\n\(real.joined(separator: "\n"))")
        }
    }
}
