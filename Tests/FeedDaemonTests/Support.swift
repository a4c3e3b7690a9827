import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Paths the end-to-end tests need: the package root, the built `feedd`, and
/// the shared corpus and judges beside the repository (never copied into it),
/// or under `FEEDD_SHARED` (`make check SHARED=DIR` sets it).
enum E2E {
    /// `<repo>/Tests/FeedDaemonTests/Support.swift` → `<repo>`.
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = ProcessInfo.processInfo.environment["FEEDD_SHARED"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        ?? repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let corpus = shared.appendingPathComponent("corpus/science-page-2024.txt")
    static let judgeFeed = shared.appendingPathComponent("tools/judge-feed")
    static let sampleConfig = repoRoot.appendingPathComponent("Config/feedd.toml")
    static let sampleSource = repoRoot.appendingPathComponent("Config/sample")

    static var hasCorpus: Bool { FileManager.default.isReadableFile(atPath: corpus.path) }

    /// The `feedd` that `swift build` / `swift test` built: beside the test
    /// runner first (the products directory of this very build), else
    /// `<repo>/.build/debug/feedd`.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        if let runner = Bundle.main.executableURL {
            candidates.append(runner.deletingLastPathComponent().appendingPathComponent("feedd"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("feedd"))
        candidates.append(repoRoot.appendingPathComponent(".build/debug/feedd"))
        for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { return url }
        }
        throw MissingBinary(looked: candidates.map(\.path))
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var looked: [String]
        var description: String {
            "the feedd executable is not built; looked in \(looked.joined(separator: ", ")). Run `swift build` (or `swift test`, which builds it) first."
        }
    }

    // MARK: Running feedd

    /// Runs `feedd ARGS` in `cwd`, stdin from /dev/null, stdout and stderr captured, killed after `timeout`.
    static func feedd(_ arguments: [String], cwd: URL, timeout: TimeInterval = 60) throws -> Run {
        try run(binary(), arguments, cwd: cwd, timeout: timeout)
    }

    static func run(_ executable: URL, _ arguments: [String], cwd: URL, timeout: TimeInterval) throws -> Run {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-e2e-capture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: capture) }
        let outURL = capture.appendingPathComponent("stdout")
        let errURL = capture.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = cwd
        var env = ProcessInfo.processInfo.environment
        // Not under systemd: no notifications, timestamps on log lines.
        env["NOTIFY_SOCKET"] = nil
        env["JOURNAL_STREAM"] = nil
        env["WATCHDOG_USEC"] = nil
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if done.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL); done.wait() }
        }
        try out.close()
        try err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? "<stderr is not UTF-8>"
        return Run(arguments: [executable.lastPathComponent] + arguments,
                   status: timedOut ? -1 : process.terminationStatus,
                   normalExit: process.terminationReason == .exit,
                   timedOut: timedOut, stdout: stdout, stderr: stderr)
    }

    // MARK: Checking feeds

    /// libxml2's own parser (`xmllint --noout`): exit 0 and nothing on stderr.
    static func expectWellFormed(_ feed: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try run(URL(fileURLWithPath: "/usr/bin/xmllint"), ["--noout", feed.path], cwd: feed.deletingLastPathComponent(), timeout: 30)
        #expect(r.status == 0 && r.stderr.isEmpty, "xmllint rejects \(feed.lastPathComponent): \(r.stderr)", sourceLocation: sourceLocation)
    }

    /// `../shared/tools/judge-feed FEED…` passes (exit 0). About a second per feed.
    static func expectJudgesPass(_ feeds: [URL], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard FileManager.default.isExecutableFile(atPath: judgeFeed.path) else {
            print("note: \(judgeFeed.path) is missing; judges not run")
            return
        }
        let r = try run(judgeFeed, feeds.map(\.path), cwd: repoRoot, timeout: 300)
        #expect(r.status == 0, "judge-feed failed:\n\(r.stdout)\(r.stderr)", sourceLocation: sourceLocation)
    }

    /// Mode bits, size, mtime with nanoseconds and inode: a rewrite (a rename) changes the inode.
    struct FileState: Equatable {
        var mode: UInt32
        var size: Int64
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
        var inode: UInt64
    }

    static func fileState(_ url: URL) -> FileState? {
        var st = stat()
        guard stat(url.path, &st) == 0 else { return nil }
        return FileState(mode: UInt32(st.st_mode) & 0o7777, size: Int64(st.st_size),
                         mtimeSeconds: Int(st.st_mtim.tv_sec), mtimeNanoseconds: Int(st.st_mtim.tv_nsec),
                         inode: UInt64(st.st_ino))
    }
}

/// One finished `feedd` process.
struct Run: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var normalExit: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String

    var lines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Every stderr line as a JSON object (`--log-format json`); a line that is not one is an error.
    func logLines() throws -> [LogLine] {
        try lines.map { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw NotJSON(line: line)
            }
            return LogLine(fields: object, raw: line)
        }
    }

    /// The item events (`new`, `updated`, `removed`) in log order.
    /// The item events of the log contract (`revised` included: it is one, at `info`).
    func items() throws -> [LogLine] { try logLines().filter { ["new", "updated", "revised", "removed"].contains($0.event) } }
    func rejections() throws -> [LogLine] { try logLines().filter { $0.event == "rejected" } }
    func summary() throws -> LogLine? { try logLines().last { $0.event == "summary" } }

    var description: String {
        "$ \(arguments.joined(separator: " "))\nexit \(status)\(timedOut ? " (timed out)" : "")\n\(stderr)"
    }

    struct NotJSON: Error, CustomStringConvertible {
        var line: String
        var description: String { "log line is not a JSON object: \(line)" }
    }
}

/// One `--log-format json` line.
struct LogLine: CustomStringConvertible {
    var fields: [String: Any]
    var raw: String

    /// A field as text: strings as they are, numbers in decimal, booleans `true`/`false`.
    subscript(_ key: String) -> String? {
        switch fields[key] {
        case let s as String: return s
        // JSONSerialization gives booleans as NSNumbers of ObjC type `c`.
        case let n as NSNumber: return String(cString: n.objCType) == "c" ? (n.boolValue ? "true" : "false") : n.stringValue
        default: return nil
        }
    }

    var event: String? { self["event"] }
    var kind: String? { self["kind"] }
    var id: String? { self["id"] }
    var title: String? { self["title"] }
    var source: String? { self["source"] }
    var level: String? { self["level"] }
    var message: String? { self["message"] }
    /// `line` is a JSON number.
    var line: Int? { (fields["line"] as? NSNumber)?.intValue }
    var description: String { raw }
}

// MARK: - Reading feeds back

/// An Atom feed read back with Foundation's XMLParser.
struct ParsedFeed {
    struct Entry {
        var id = ""
        var title = ""
        var updated = ""
        var published = ""
        var summary = ""
        var content = ""
    }

    var id = ""
    var title = ""
    var updated = ""
    var entries: [Entry] = []

    var ids: [String] { entries.map(\.id) }

    init(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        let parser = XMLParser(data: data)
        let collector = AtomCollector()
        parser.delegate = collector
        guard parser.parse() else {
            throw ParseFailure(file: url.lastPathComponent, error: parser.parserError.map { "\($0)" } ?? "unknown error")
        }
        self = collector.feed
    }

    fileprivate init() {}

    struct ParseFailure: Error, CustomStringConvertible {
        var file: String
        var error: String
        var description: String { "\(file) does not parse: \(error)" }
    }

    func entry(containing text: String) -> Entry? {
        entries.first { $0.content.contains(text) || $0.summary.contains(text) }
    }
}

private final class AtomCollector: NSObject, XMLParserDelegate {
    var feed = ParsedFeed()
    private var stack: [String] = []
    private var current: ParsedFeed.Entry?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        stack.append(elementName)
        if elementName == "entry" { current = ParsedFeed.Entry() }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
        let parent = stack.last
        if elementName == "entry", let entry = current {
            feed.entries.append(entry)
            current = nil
        } else if parent == "entry" {
            switch elementName {
            case "id": current?.id = text
            case "title": current?.title = text
            case "updated": current?.updated = text
            case "published": current?.published = text
            case "summary": current?.summary = text
            case "content": current?.content = text
            default: break
            }
        } else if parent == "feed" {
            switch elementName {
            case "id": feed.id = text
            case "title": feed.title = text
            case "updated": feed.updated = text
            default: break
            }
        }
        if elementName != "entry" { text = "" }
    }
}

// MARK: - Sandboxes

/// A temp directory per test, removed when the test ends: `src/`, `out/`,
/// `state/` and an empty `cwd/` (so no `Config/feedd.toml` is picked up).
final class Sandbox {
    let root: URL
    var src: URL { root.appendingPathComponent("src") }
    var out: URL { root.appendingPathComponent("out") }
    var state: URL { root.appendingPathComponent("state") }
    var cwd: URL { root.appendingPathComponent("cwd") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-e2e-\(UUID().uuidString)")
        for dir in [src, cwd] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    }

    deinit {
        // Undo anything a test made unwritable, then remove everything.
        _ = chmod(root.path, 0o755)
        try? FileManager.default.removeItem(at: root)
    }

    var publications: URL { out.appendingPathComponent("publications.atom") }
    var openings: URL { out.appendingPathComponent("openings.atom") }
    var feeds: [URL] { [publications, openings] }

    /// `--once --log-format json --source src --output out --state-dir state` plus `extra`.
    func once(_ extra: [String] = []) throws -> Run {
        try E2E.feedd(["--once", "--log-format", "json", "--source", src.path, "--output", out.path, "--state-dir", state.path] + extra,
                      cwd: cwd)
    }

    /// Writes `text` (or raw bytes) at `relative` under `src/`, creating directories.
    func write(_ relative: String, _ text: String) throws {
        try write(relative, bytes: Array(text.utf8))
    }

    func write(_ relative: String, bytes: [UInt8]) throws {
        let url = src.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(at: src.appendingPathComponent(relative))
    }

    func read(_ url: URL) throws -> Data { try Data(contentsOf: url) }
}

// MARK: - Entries written for the tests (invented text)

enum Fixture {
    static func publication(id: String, title: String, date: String = "2025-03-14", body: String? = nil) -> String {
        """
        ---
        id: \(id)
        title: "\(title)"
        date: \(date)
        link: https://example.org/papers/\(id)
        authors: [Ada Example, Bo Example]
        ---
        \(body ?? "An invented abstract for \(title), long enough to be a summary.")

        A second paragraph that only the content shows.

        """
    }

    static func job(id: String, title: String, location: String = "PT, 11, Lisbon", date: String = "2025-04-01") -> String {
        """
        ---
        id: \(id)
        title: "\(title)"
        date: \(date)
        link: https://example.org/jobs/\(id)
        location: "\(location)"
        ---
        We are hiring for \(title). The team builds invented things for the tests of feedd.

        """
    }
}
