import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonProcessTests {
    /// Files changing under a running daemon: one log line per change, and the feed follows.
    @Suite struct Watch {
        static let debounceConfig = "[daemon]\ndebounce_ms = 50\n"

        /// Waits for `event` on `source`, then a little longer, and checks it was logged exactly once.
        static func expectOne(_ event: String, source: String, in daemon: DaemonProcess,
                              sourceLocation: SourceLocation = #_sourceLocation) async {
            let seen = await daemon.log.wait(for: event, source: source, timeout: .seconds(2))
            #expect(seen, "no \(event) line for \(source) within 2 s\n\(daemon.log.tail())", sourceLocation: sourceLocation)
            guard seen else { return }
            // Give a duplicate (a second batch for the same file) the time to show up.
            try? await Task.sleep(for: .milliseconds(400))
            let count = daemon.log.lines(event: event, source: source).count
            #expect(count == 1, "\(count) \(event) lines for \(source)\n\(daemon.log.tail())", sourceLocation: sourceLocation)
        }

        /// Waits up to 2 s for the feed at `path` to satisfy `condition`.
        static func expectFeed(_ path: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                               _ condition: @escaping (String) -> Bool) async {
            let ok = await DaemonHarness.eventually(timeout: .seconds(2)) { condition(DaemonHarness.text(path)) }
            #expect(ok, "\((path as NSString).lastPathComponent): \(what)\n\(DaemonHarness.text(path))", sourceLocation: sourceLocation)
            #expect(DaemonFeedCheck.parses(DaemonHarness.read(path) ?? Data()), sourceLocation: sourceLocation)
        }

        @Test("Rename into place, write in place, delete, edit, and a new subdirectory: one line each, and the feeds follow")
        func changesUnderARunningDaemon() async throws {
            let scratch = try DaemonScratch()
            let src = scratch.source
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "paper-one", title: "Paper one",
                                                           date: "2024-01-01T00:00:00Z", body: "The first version."),
                                    to: src + "/publications/paper-one.md")
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "job-one", title: "Job one",
                                                           date: "2024-01-02T00:00:00Z"),
                                    to: src + "/jobs/job-one.md")
            let config = try scratch.writeConfig(Self.debounceConfig)
            let daemon = try DaemonProcess(["--config", config] + scratch.flags, cwd: scratch.cwd)
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "new").count == 2)

            // 1. Written under a hidden temp name, then renamed into jobs/.
            let hidden = src + "/.job-two.md.tmp"
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "job-two", title: "Job two (renamed in)",
                                                           date: "2024-02-01T00:00:00Z"), to: hidden)
            try await Task.sleep(for: .milliseconds(200))
            #expect(daemon.log.lines(event: "new").count == 2, "a hidden temp file was announced\n\(daemon.log.tail())")
            guard rename(hidden, src + "/jobs/job-two.md") == 0 else { throw DaemonHarnessError.errno("rename") }
            await Self.expectOne("new", source: "jobs/job-two.md", in: daemon)
            await Self.expectFeed(scratch.openings, "has Job two") { $0.contains("Job two (renamed in)") }

            // 2. Written in place in two parts, with a pause longer than the debounce, then closed.
            let text = DaemonHarness.markdown(kind: "job", id: "job-three", title: "Job three (written in place)",
                                              date: "2024-02-02T00:00:00Z", body: "Written slowly, in two parts.")
            let cut = text.utf8.count / 2
            let fd = open(src + "/jobs/job-three.md", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw DaemonHarnessError.errno("open") }
            let bytes = Array(text.utf8)
            _ = bytes[..<cut].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            try await Task.sleep(for: .milliseconds(300))
            _ = bytes[cut...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
            await Self.expectOne("new", source: "jobs/job-three.md", in: daemon)
            #expect(daemon.log.lines(event: "rejected").isEmpty, "a half-written file was read\n\(daemon.log.tail())")
            await Self.expectFeed(scratch.openings, "has Job three") { $0.contains("Job three (written in place)") }

            // 3. A job file deleted: removed, and it stays in the feed marked closed (closed_days defaults to 7).
            guard unlink(src + "/jobs/job-one.md") == 0 else { throw DaemonHarnessError.errno("unlink") }
            await Self.expectOne("removed", source: "jobs/job-one.md", in: daemon)
            await Self.expectFeed(scratch.openings, "shows Job one as closed") { $0.contains("Closed: Job one") && $0.contains("Job two") }

            // 4. A publication edited in place: updated.
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "paper-one", title: "Paper one",
                                                           date: "2024-01-01T00:00:00Z", body: "The second, edited version."),
                                    to: src + "/publications/paper-one.md")
            await Self.expectOne("updated", source: "publications/paper-one.md", in: daemon)
            await Self.expectFeed(scratch.publications, "has the edited body") { $0.contains("second, edited version") }

            // 5. A new subdirectory with a file already inside, made quickly.
            try FileManager.default.createDirectory(atPath: src + "/jobs/a/b", withIntermediateDirectories: true)
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "job-deep", title: "Job deep down",
                                                           date: "2024-02-03T00:00:00Z"),
                                    to: src + "/jobs/a/b/job-deep.md")
            await Self.expectOne("new", source: "jobs/a/b/job-deep.md", in: daemon)
            await Self.expectFeed(scratch.openings, "has Job deep down") { $0.contains("Job deep down") }

            // Nothing else happened: 5 new (2 initial + 3), 1 updated, 1 removed.
            #expect(daemon.log.lines(event: "new").count == 5, "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "updated").count == 1)
            #expect(daemon.log.lines(event: "removed").count == 1)
            #expect(!daemon.log.lines.contains { $0.level == "error" || $0.level == "critical" }, "\(daemon.log.tail())")

            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(2))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")
        }

        @Test("A second name (a hard link) made under a running daemon is one entry; when the first name goes, the second takes it over")
        func hardLinksUnderARunningDaemon() async throws {
            let scratch = try DaemonScratch()
            let src = scratch.source
            // With an id, the entry keeps it whichever name holds it (without one, its key is the holding name's path).
            try DaemonHarness.write("---\nid: linked\nkind: publication\ntitle: \"Linked paper\"\ndate: 2024-03-01T00:00:00Z\n---\nOne file, two names.\n",
                                    to: src + "/publications/b-first.md")
            let config = try scratch.writeConfig(Self.debounceConfig)
            let daemon = try DaemonProcess(["--config", config] + scratch.flags, cwd: scratch.cwd)
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "new").count == 1)

            // link(2) under a smaller name: no write, no close; the new name takes the entry (a move, not news).
            guard link(src + "/publications/b-first.md", src + "/publications/a-second.md") == 0 else { throw DaemonHarnessError.errno("link") }
            #expect(await daemon.log.wait(for: "hard-link", source: "publications/b-first.md", timeout: .seconds(3)),
                    "no hard-link line\n\(daemon.log.tail())")
            try await Task.sleep(for: .milliseconds(400))
            #expect(daemon.log.lines(event: "new").count == 1, "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "removed").isEmpty, "\(daemon.log.tail())")
            await Self.expectFeed(scratch.publications, "has the paper once") { $0.components(separatedBy: "Linked paper").count == 2 }

            // The name that holds the entry goes: the other one keeps it, nothing is announced.
            guard unlink(src + "/publications/a-second.md") == 0 else { throw DaemonHarnessError.errno("unlink") }
            try await Task.sleep(for: .milliseconds(600))
            #expect(daemon.log.lines(event: "removed").isEmpty, "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "new").count == 1, "\(daemon.log.tail())")
            await Self.expectFeed(scratch.publications, "still has the paper once") { $0.components(separatedBy: "Linked paper").count == 2 }
            #expect(!daemon.log.lines.contains { $0.level == "error" || $0.level == "critical" }, "\(daemon.log.tail())")
        }
    }
}
