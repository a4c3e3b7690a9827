import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonProcessTests {
    /// A burst far beyond the inotify queue: the daemon must still end where a fresh `--once` does.
    @Suite struct Burst {
        static let files = 20_000

        /// Entry `i`: even numbers are publications, odd ones jobs; each has its own minute.
        static func entry(_ i: Int) -> (path: String, text: String) {
            let isJob = i % 2 == 1
            // Dates are a permutation of the file numbers (7919 is prime to 20,000),
            // so the newest 50 of each feed come from every part of the burst.
            let slot = (i * 7919) % files
            let minute = slot % 60, hour = (slot / 60) % 24, day = slot / 1440 + 1
            let date = "2024-\(String(format: "%02d", (day - 1) / 28 + 1))-\(String(format: "%02d", (day - 1) % 28 + 1))T"
                + "\(String(format: "%02d:%02d", hour, minute)):00Z"
            let name = String(format: "entry-%05d", i)
            let kind = isJob ? "job" : "publication"
            return ((isJob ? "jobs/" : "publications/") + name + ".md",
                    DaemonHarness.markdown(kind: kind, id: name, title: "Burst \(kind) \(i)", date: date,
                                           body: "Entry number \(i), written in one burst."))
        }

        /// Writes files `range` with open/write/close, as fast as the test can.
        static func write(_ range: Range<Int>, into source: String) throws {
            for dir in ["publications", "jobs"] where !FileManager.default.fileExists(atPath: source + "/" + dir) {
                guard mkdir(source + "/" + dir, 0o755) == 0 else { throw DaemonHarnessError.errno("mkdir \(dir)") }
            }
            for i in range {
                let (path, text) = entry(i)
                let fd = open(source + "/" + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw DaemonHarnessError.errno("open \(path)") }
                var bytes = text
                let written = bytes.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == text.utf8.count else { throw DaemonHarnessError.errno("write \(path)") }
            }
        }

        /// `fs.inotify.max_queued_events`, the queue length past which events are dropped.
        static var maxQueuedEvents: Int {
            Int(DaemonHarness.text("/proc/sys/fs/inotify/max_queued_events").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 16384
        }

        @Test("20,000 files in one burst end with feeds byte-identical to a fresh --once")
        func burstMatchesOnce() async throws {
            let testStart = ContinuousClock.now
            let scratch = try DaemonScratch()
            let config = try scratch.writeConfig("[daemon]\ndebounce_ms = 50\n")
            let daemon = try DaemonProcess(["--config", config] + scratch.flags, cwd: scratch.cwd)
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready line\n\(daemon.log.tail())")

            // One burst, in three parts. The middle part is written while the
            // daemon is stopped (SIGSTOP, as if descheduled on a busy machine),
            // so its reader cannot keep up: IN_CREATE + IN_CLOSE_WRITE for each
            // file overflow the kernel's queue for certain, whatever the speed of
            // this machine. The last part lands while it rescans.
            let t0 = ContinuousClock.now
            let stopAt = 2_000
            let resumeAt = min(Self.files, stopAt + Self.maxQueuedEvents / 2 + 4_000)
            try Self.write(0..<stopAt, into: scratch.source)
            daemon.signal(SIGSTOP)
            do {
                defer { daemon.signal(SIGCONT) }
                try Self.write(stopAt..<resumeAt, into: scratch.source)
            }
            try Self.write(resumeAt..<Self.files, into: scratch.source)
            let written = t0.duration(to: .now)
            let mustOverflow = 2 * (resumeAt - stopAt) > Self.maxQueuedEvents

            // Every entry announced once; then the log goes quiet and the feeds stop changing.
            let allNew = await daemon.log.wait(for: "new", count: Self.files, timeout: .seconds(60))
            let announced = t0.duration(to: .now)
            #expect(allNew, "\(daemon.log.lines(event: "new").count) of \(Self.files) new lines after 60 s\n\(daemon.log.tail())")
            await daemon.log.waitQuiet(.seconds(1), timeout: .seconds(20))
            var last = (DaemonHarness.read(scratch.publications), DaemonHarness.read(scratch.openings))
            var stableSince = ContinuousClock.now
            _ = await DaemonHarness.eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                let now = (DaemonHarness.read(scratch.publications), DaemonHarness.read(scratch.openings))
                if now != last { last = now; stableSince = .now }
                return stableSince.duration(to: .now) >= .seconds(1)
            }
            let settled = t0.duration(to: .now)

            let newLines = daemon.log.lines(event: "new")
            let sources = Set(newLines.compactMap(\.source))
            #expect(newLines.count == Self.files && sources.count == Self.files,
                    "\(newLines.count) new lines for \(sources.count) distinct sources, expected \(Self.files)")
            #expect(daemon.log.lines(event: "updated").isEmpty && daemon.log.lines(event: "removed").isEmpty)
            #expect(!daemon.log.lines.contains { $0.level == "error" || $0.level == "critical" }, "\(daemon.log.tail())")
            let rescans = daemon.log.lines(event: "rescan")
            if mustOverflow {
                #expect(rescans.count == 1, "expected one rescan line after the queue overflowed\n\(rescans)")
            }
            let summaries = daemon.log.lines(event: "summary")

            // The reference: a fresh --once on the same tree, into an empty output and state.
            let o2 = scratch.root + "/out2", t2 = scratch.root + "/state2"
            let t1 = ContinuousClock.now
            let once = try #require(try await DaemonProcess.runToExit(
                ["--config", config, "--once", "--source", scratch.source, "--output", o2, "--state-dir", t2, "--log-format", "json"],
                cwd: scratch.cwd, timeout: .seconds(120)), "feedd --once did not finish within 120 s")
            let onceTime = t1.duration(to: .now)
            #expect(once.status == 0, "feedd --once exited \(once.status)\n\(once.log.tail())")

            for file in ["publications.atom", "openings.atom"] {
                let mine = try #require(DaemonHarness.read(scratch.output + "/" + file), "daemon wrote no \(file)")
                let reference = try #require(DaemonHarness.read(o2 + "/" + file), "--once wrote no \(file)")
                #expect(mine == reference, "\(file) differs from --once's\n--- daemon:\n\(String(decoding: mine.prefix(3000), as: UTF8.self))\n--- once:\n\(String(decoding: reference.prefix(3000), as: UTF8.self))")
                #expect(DaemonFeedCheck.entryIDs(mine).count == 50, "\(file): not capped at 50 entries")
            }

            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(5))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")

            print("""
            feedd burst: test body took \(testStart.duration(to: .now)) (cleanup of the temp tree follows)
            """)
            print("""
            feedd burst: \(Self.files) files written in \(written); all new lines after \(announced); \
            settled after \(settled); \(rescans.count) rescan line(s)\(rescans.first.map { " (\($0.fields["message"] ?? ""))" } ?? ""); \
            \(summaries.count) summary lines (runs); --once took \(onceTime)
            """)
        }
    }
}
