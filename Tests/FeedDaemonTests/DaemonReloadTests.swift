import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonProcessTests {
    /// SIGHUP re-reads the config file: a bad one is logged and the old one kept.
    @Suite struct Reload {
        static func config(openingsTitle: String, extraSiteKey: String = "") -> String {
            """
            [daemon]
            debounce_ms = 50

            [site]
            title = "Reload Lab"
            base_url = "https://reload.example/"
            tag_authority = "reload.example,2026"
            \(extraSiteKey)

            [[feed]]
            name = "publications"
            file = "publications.atom"
            kind = "publication"
            title = "Reload Lab: papers"

            [[feed]]
            name = "openings"
            file = "openings.atom"
            kind = "job"
            title = "\(openingsTitle)"
            """
        }

        @Test("A broken config on SIGHUP is rejected and the old one kept; a changed feed title is applied")
        func reloads() async throws {
            let scratch = try DaemonScratch()
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "job-one", title: "Job one",
                                                           date: "2024-01-02T00:00:00Z"),
                                    to: scratch.source + "/jobs/job-one.md")
            let configPath = try scratch.writeConfig(Self.config(openingsTitle: "Openings, first title"))
            let daemon = try DaemonProcess(["--config", configPath] + scratch.flags, cwd: scratch.cwd)
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(daemon.log.tail())")
            #expect(DaemonHarness.text(scratch.openings).contains("<title>Openings, first title</title>"))

            // An unknown key: reload-failed, naming it; the daemon keeps running on the old config.
            try scratch.writeConfig(Self.config(openingsTitle: "Openings, never applied", extraSiteKey: "colour = \"blue\""))
            daemon.signal(SIGHUP)
            #expect(await daemon.log.wait(for: "reload-failed", timeout: .seconds(5)), "no reload-failed line\n\(daemon.log.tail())")
            let failure = daemon.log.lines(event: "reload-failed").first
            #expect(failure?.level == "error", "\(String(describing: failure))")
            #expect(failure?.raw.contains("colour") == true, "the error does not name the key: \(String(describing: failure))")
            #expect(daemon.log.lines(event: "reloaded").isEmpty)
            try await Task.sleep(for: .milliseconds(300))
            #expect(daemon.isRunning, "the daemon stopped on a bad config\n\(daemon.log.tail())")

            // Still watching, still with the old config (debounce, feed title).
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "job-two", title: "Job two",
                                                           date: "2024-01-03T00:00:00Z"),
                                    to: scratch.source + "/jobs/job-two.md")
            #expect(await daemon.log.wait(for: "new", source: "jobs/job-two.md", timeout: .seconds(2)),
                    "a change after the failed reload was not processed\n\(daemon.log.tail())")
            let ok = await DaemonHarness.eventually(timeout: .seconds(2)) { DaemonHarness.text(scratch.openings).contains("Job two") }
            #expect(ok)
            let afterFailed = DaemonHarness.text(scratch.openings)
            #expect(afterFailed.contains("<title>Openings, first title</title>"), "\(afterFailed)")
            #expect(!afterFailed.contains("never applied"))

            // A good config with a new openings title: the feed is rewritten with it.
            try scratch.writeConfig(Self.config(openingsTitle: "Openings, second title"))
            daemon.signal(SIGHUP)
            #expect(await daemon.log.wait(for: "reloaded", timeout: .seconds(5)), "no reloaded line\n\(daemon.log.tail())")
            let retitled = await DaemonHarness.eventually(timeout: .seconds(2)) {
                DaemonHarness.text(scratch.openings).contains("<title>Openings, second title</title>")
            }
            #expect(retitled, "openings.atom keeps the old title\n\(DaemonHarness.text(scratch.openings))")
            let openings = DaemonHarness.text(scratch.openings)
            #expect(openings.contains("Job one") && openings.contains("Job two"))
            #expect(DaemonFeedCheck.parses(Data(openings.utf8)))
            // A reload changes no entry: no item events.
            #expect(daemon.log.lines(event: "new").count == 2, "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "updated").isEmpty && daemon.log.lines(event: "removed").isEmpty, "\(daemon.log.tail())")

            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(2))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")
        }
    }
}
