import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15, "What users must see": what an operator meets setting feedd up.
struct OperatorTests {
    /// Every file and directory under `root`, relative, sorted.
    static func tree(_ root: URL) -> [String] {
        let walker = FileManager.default.enumerator(atPath: root.path)
        return ((walker?.allObjects as? [String]) ?? []).sorted()
    }

    @Test func overlappingDirectoriesAreRefusedBeforeAnythingIsCreated() throws {
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p", title: "P"))
        let before = Self.tree(box.root)
        let cases: [(args: [String], names: [String])] = [
            (["--source", "src", "--output", "out", "--state-dir", "out/state"], ["out/state", "out"]),
            (["--source", "src", "--output", "out", "--state-dir", "out"], ["state_dir", "out"]),
            (["--source", "src", "--output", "src"], ["output", "src"]),
            (["--source", "src", "--output", "src/feeds", "--state-dir", "st"], ["src/feeds", "src"]),
            (["--source", "out/entries", "--output", "out", "--state-dir", "st"], ["out/entries", "out"]),
            (["--source", "src", "--output", "out", "--state-dir", "src/.state"], ["src/.state", "src"]),
        ]
        for c in cases {
            let run = try E2E.feedd(["--once"] + c.args, cwd: box.root)
            #expect(run.status == 78, "\(c.args): \(run)")
            for name in c.names { #expect(run.stderr.contains(name), "\(c.args): the message does not name \(name): \(run.stderr)") }
            #expect(run.lines.count == 1, "one line: \(run.stderr)")
        }
        // A symlink does not hide the overlap.
        #expect(symlink(box.root.appendingPathComponent("src").path, box.root.appendingPathComponent("alias").path) == 0)
        let viaLink = try E2E.feedd(["--once", "--source", "alias", "--output", "src/feeds", "--state-dir", "st"], cwd: box.root)
        #expect(viaLink.status == 78, "\(viaLink)")
        #expect(Self.tree(box.root) == (before + ["alias"]).sorted(), "a refused run created something")
    }

    @Test func aMissingSourceExits66AndCreatesNothing() throws {
        let box = try Sandbox()
        let before = Self.tree(box.root)
        let run = try E2E.feedd(["--once", "--source", "nowhere", "--output", "Feeds", "--state-dir", ".feedd-state"], cwd: box.root)
        #expect(run.status == 66, "\(run)")
        #expect(run.stderr.contains("nowhere"))
        #expect(Self.tree(box.root) == before, "created: \(Set(Self.tree(box.root)).subtracting(before))")
    }

    @Test func theOutputDirectoryIsWorldReadableWhateverTheUmask() throws {
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p", title: "P"))
        let out = box.root.appendingPathComponent("web/feeds")
        // The unit's UMask=0077, set around feedd by the shell.
        let run = try E2E.run(URL(fileURLWithPath: "/bin/sh"),
                              ["-c", "umask 077; exec \"$0\" --once --source src --output web/feeds --state-dir st", try E2E.binary().path],
                              cwd: box.root, timeout: 60)
        #expect(run.status == 0, "\(run)")
        for dir in [box.root.appendingPathComponent("web"), out] {
            let mode = (try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int) ?? 0
            #expect(mode == 0o755, "\(dir.lastPathComponent) is \(String(mode, radix: 8))")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            let mode = (try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(name).path)[.posixPermissions] as? Int) ?? 0
            #expect(mode == 0o644, "\(name) is \(String(mode, radix: 8))")
        }
        // The state stays private.
        let state = (try FileManager.default.attributesOfItem(atPath: box.root.appendingPathComponent("st").path)[.posixPermissions] as? Int) ?? 0
        #expect(state & 0o077 == 0, "the state directory is \(String(state, radix: 8))")
    }

    @Test func frontMatterWarningsAndStricterFields() throws {
        let box = try Sandbox()
        try box.write("publications/typo.md", Fixture.publication(id: "typo", title: "Typo").replacingOccurrences(of: "authors:", with: "autors:"))
        try box.write("publications/link.md", Fixture.publication(id: "link", title: "Link").replacingOccurrences(of: "link: https://example.org/papers/link", with: "link: not a url"))
        try box.write("publications/many.json", #"{"kind": "publication", "title": 42, "date": "someday", "tags": 7}"#)
        let run = try box.once()
        #expect(run.status == 65, "\(run)")
        let warnings = try run.logLines().filter { $0.event == "unknown-key" }
        #expect(warnings.count == 1 && warnings.first?.level == "warning" && warnings.first?.source == "publications/typo.md", "\(run)")
        #expect(warnings.first?.message?.contains("`autors`") == true && warnings.first?.message?.contains("`authors`") == true, "\(run)")
        #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["Typo"], "the entry with a typo is still published")
        let rejected = Dictionary(try run.rejections().map { ($0.source ?? "", $0.message ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(rejected["publications/link.md"]?.hasPrefix("link ") == true, "\(rejected)")
        // Every problem of a file, in one line: title, date and tags.
        let many = rejected["publications/many.json"] ?? ""
        #expect(many.contains("title must be text") && many.contains("\"someday\" is not a date") && many.contains("tags must be a list"), "\(many)")
    }

    @Test func feeddStateReadsBesideARunningDaemonAndNamesProblems() async throws {
        let scratch = try DaemonScratch()
        try DaemonHarness.write(Fixture.publication(id: "good", title: "Good"), to: scratch.source + "/publications/good.md")
        try DaemonHarness.write("---\ntitle: Bad\ndate: next Tuesday\n---\nBody.\n", to: scratch.source + "/publications/bad.md")
        let daemon = try DaemonProcess(scratch.flags, cwd: scratch.cwd)
        defer { daemon.kill() }
        #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "\(daemon.log.tail())")
        let text = try E2E.feedd(["state", "--state-dir", scratch.state, "--source", scratch.source, "--output", scratch.output],
                                 cwd: URL(fileURLWithPath: scratch.cwd))
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("publications/bad.md:3: date \"next Tuesday\" is not a date"), "\(text.stdout)")
        let json = try E2E.feedd(["state", "--log-format", "json", "--state-dir", scratch.state, "--source", scratch.source,
                                  "--output", scratch.output], cwd: URL(fileURLWithPath: scratch.cwd))
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let problems = object?["problems"] as? [[String: Any]]
        #expect(problems?.first?["source"] as? String == "publications/bad.md" && problems?.first?["line"] as? Int == 3, "\(json.stdout)")
        #expect((object?["entries"] as? [[String: Any]])?.first?["id"] as? String == "tag:localhost,2026:publication/good")
        #expect(daemon.isRunning)
    }
}
