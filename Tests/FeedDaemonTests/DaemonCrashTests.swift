import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonProcessTests {
    /// SIGKILL in the middle of work: the next start finds parseable feeds, sound state, no temp files.
    @Suite struct Crash {
        /// `sqlite3 DB 'PRAGMA integrity_check'`, trimmed; nil when the CLI cannot run.
        static func integrityCheck(_ database: String, cwd: String) async throws -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sqlite3", database, "PRAGMA integrity_check"]
            process.currentDirectoryURL = URL(fileURLWithPath: cwd)
            // A file, not a pipe: nothing to drain, nothing to block on.
            let outPath = cwd + "/sqlite3-\(UInt32.random(in: 0...UInt32.max)).out"
            guard FileManager.default.createFile(atPath: outPath, contents: nil),
                  let out = FileHandle(forWritingAtPath: outPath) else { throw DaemonHarnessError("cannot create \(outPath)") }
            defer { try? out.close(); try? FileManager.default.removeItem(atPath: outPath) }
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let finished = await DaemonHarness.eventually(timeout: .seconds(10)) { !process.isRunning }
            guard finished else { process.terminate(); return nil }
            let text = DaemonHarness.text(outPath)
            return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : "exit \(process.terminationStatus): \(text)"
        }

        static func tempFiles(in directory: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
        }

        @Test("SIGKILL right after some new events: the restart finds parseable feeds, sound state and no temp files")
        func stateSurvivesSIGKILL() async throws {
            let scratch = try DaemonScratch()
            let config = try scratch.writeConfig("[daemon]\ndebounce_ms = 20\nmax_delay_ms = 100\n")
            let args = ["--config", config] + scratch.flags
            let first = try DaemonProcess(args, cwd: scratch.cwd)
            defer { first.kill() }
            #expect(await first.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(first.log.tail())")

            // Files keep arriving in small groups, so runs overlap the kill.
            try FileManager.default.createDirectory(atPath: scratch.source + "/publications", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: scratch.source + "/jobs", withIntermediateDirectories: true)
            var paths: [String] = []
            var i = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while first.log.lines(event: "new").count < 5 && ContinuousClock.now < deadline {
                for _ in 0..<50 {
                    let (path, text) = Burst.entry(i)
                    try DaemonHarness.write(text, to: scratch.source + "/" + path)
                    paths.append(path)
                    i += 1
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let announcedBeforeKill = Set(first.log.lines(event: "new").compactMap(\.source))
            #expect(!announcedBeforeKill.isEmpty, "no new lines before the kill\n\(first.log.tail())")
            // Keep writing while the kill lands.
            for _ in 0..<200 {
                let (path, text) = Burst.entry(i)
                try DaemonHarness.write(text, to: scratch.source + "/" + path)
                paths.append(path)
                i += 1
            }
            first.signal(SIGKILL)
            let killed = await first.waitForExit(timeout: .seconds(5))
            #expect(killed?.exited == false && killed?.status == SIGKILL, "\(String(describing: killed))")
            _ = await DaemonHarness.eventually(timeout: .seconds(2)) { first.log.atEOF }
            let announcedByFirst = Set(first.log.lines(event: "new").compactMap(\.source))

            // What the kill left behind must already be readable.
            for feed in [scratch.publications, scratch.openings] {
                if let data = DaemonHarness.read(feed) {
                    #expect(DaemonFeedCheck.parses(data), "\(feed) does not parse after SIGKILL")
                }
            }

            // Restart: its first scan cleans up and catches up.
            let second = try DaemonProcess(args, cwd: scratch.cwd)
            defer { second.kill() }
            #expect(await second.log.wait(for: "ready", timeout: .seconds(30)), "no ready line after restart\n\(second.log.tail())")
            #expect(Self.tempFiles(in: scratch.output).isEmpty, "temp files left: \(Self.tempFiles(in: scratch.output))")
            for feed in [scratch.publications, scratch.openings] {
                let data = try #require(DaemonHarness.read(feed), "\(feed) missing after restart")
                #expect(DaemonFeedCheck.parses(data), "\(feed) does not parse after restart")
                #expect(!DaemonFeedCheck.entryIDs(data).isEmpty)
            }
            #expect(try await Self.integrityCheck(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "ok")

            // No notice went missing: every file got a new line from one run or the other.
            let announcedBySecond = Set(second.log.lines(event: "new").compactMap(\.source))
            let missing = Set(paths).subtracting(announcedByFirst).subtracting(announcedBySecond)
            #expect(missing.isEmpty, "\(missing.count) entries never announced, e.g. \(missing.sorted().prefix(5))")
            #expect(!second.log.lines.contains { $0.level == "error" || $0.level == "critical" }, "\(second.log.tail())")

            second.signal(SIGTERM)
            let exit = await second.waitForExit(timeout: .seconds(2))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(second.log.tail())")
            #expect(try await Self.integrityCheck(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "ok")
            print("feedd crash: \(paths.count) files, \(announcedBeforeKill.count) announced when the kill was sent, "
                  + "\(announcedByFirst.count) by the first run, \(announcedBySecond.count) by the restart")
        }

        /// `sqlite3 DB 'PRAGMA journal_mode'` (the CLI opens the file as feedd would, recovering a hot journal first).
        static func journalMode(_ database: String, cwd: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sqlite3", database, "PRAGMA journal_mode"]
            process.currentDirectoryURL = URL(fileURLWithPath: cwd)
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test("SIGKILL during a first run of 1,500 files (written behind a rollback journal, not the WAL): the next run finds a sound state in WAL mode, announces every entry and writes the feeds a clean run writes")
        func bulkFirstRunSurvivesSIGKILL() async throws {
            let scratch = try DaemonScratch()
            var paths: [String] = []
            for i in 0..<1500 {
                let (path, text) = Burst.entry(i)
                try DaemonHarness.write(text, to: scratch.source + "/" + path)
                paths.append(path)
            }
            // What a run that is never interrupted writes.
            let cleanOutput = scratch.root + "/clean-out", cleanState = scratch.root + "/clean-state"
            let clean = try #require(try await DaemonProcess.runToExit(["--once", "--source", scratch.source, "--output", cleanOutput,
                                                                         "--state-dir", cleanState, "--log-format", "json"],
                                                                        cwd: scratch.cwd, timeout: .seconds(120)))
            #expect(clean.status == 0, "\(clean.log.tail())")
            let args = ["--once"] + scratch.flags
            var journalsLeft = 0
            // Kill moments: as soon as the run logs its events (feeds renamed, state not yet
            // committed), and at fixed delays into the parse and the writes.
            for delay in [nil, 20, 80, 200] as [Int?] {
                try? FileManager.default.removeItem(atPath: scratch.state)
                try? FileManager.default.removeItem(atPath: scratch.output)
                let run = try DaemonProcess(args, cwd: scratch.cwd)
                if let delay {
                    try await Task.sleep(for: .milliseconds(delay))
                } else {
                    #expect(await run.log.wait(for: "new", timeout: .seconds(120)), "no new line\n\(run.log.tail())")
                }
                run.signal(SIGKILL)
                _ = await run.waitForExit(timeout: .seconds(5))
                _ = await DaemonHarness.eventually(timeout: .seconds(2)) { run.log.atEOF }
                let announcedByFirst = Set(run.log.lines(event: "new").compactMap(\.source))
                if FileManager.default.fileExists(atPath: scratch.state + "/state.sqlite-journal") { journalsLeft += 1 }
                for feed in [scratch.publications, scratch.openings] {
                    if let data = DaemonHarness.read(feed) { #expect(DaemonFeedCheck.parses(data), "\(feed) does not parse after SIGKILL") }
                }

                // The next run recovers the state (an empty one, or the whole first run) and completes it.
                let next = try #require(try await DaemonProcess.runToExit(args, cwd: scratch.cwd, timeout: .seconds(120)))
                #expect(next.status == 0, "kill after \(delay.map { "\($0) ms" } ?? "the first new line"): \(next.log.tail())")
                let announcedByNext = Set(next.log.lines(event: "new").compactMap(\.source))
                let missing = Set(paths).subtracting(announcedByFirst).subtracting(announcedByNext)
                #expect(missing.isEmpty, "\(missing.count) entries never announced, e.g. \(missing.sorted().prefix(5))")
                #expect(try await Self.integrityCheck(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "ok")
                #expect(try Self.journalMode(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "wal")
                for name in ["publications.atom", "openings.atom"] {
                    #expect(DaemonHarness.read(scratch.output + "/" + name) == DaemonHarness.read(cleanOutput + "/" + name),
                            "\(name) differs from a clean run's after a kill at \(delay.map { "\($0) ms" } ?? "the first new line")")
                }
            }
            print("feedd bulk crash: 4 kills, \(journalsLeft) left a hot rollback journal behind")
        }
    }
}
