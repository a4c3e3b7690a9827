import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonProcessTests {
    /// The systemd notification protocol, seen from the socket systemd would bind.
    @Suite struct Notify {
        /// Two entries, so the first scan has something to write.
        static func seed(_ scratch: DaemonScratch) throws {
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "seed-paper", title: "Seed paper",
                                                           date: "2024-05-01T10:00:00Z"),
                                    to: scratch.source + "/publications/seed-paper.md")
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "seed-job", title: "Seed job",
                                                           date: "2024-05-02T10:00:00Z"),
                                    to: scratch.source + "/jobs/seed-job.md")
        }

        @Test("READY after the first scan, WATCHDOG at half of WATCHDOG_USEC, RELOADING around SIGHUP, STOPPING and exit 0 on SIGTERM",
              arguments: [false, true])
        func protocolOverARealSocket(abstract: Bool) async throws {
            let scratch = try DaemonScratch()
            try Self.seed(scratch)
            let listener = abstract ? try DaemonNotifyListener.abstract()
                                    : try DaemonNotifyListener(path: scratch.root + "/notify.sock")
            defer { listener.stop() }
            let started = ContinuousClock.now
            let daemon = try DaemonProcess(scratch.flags, cwd: scratch.cwd,
                                           environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "400000"])
            defer { daemon.kill() }

            // READY=1 with a STATUS= line, once the first scan has written the feeds.
            let ready = try #require(await listener.wait(for: .seconds(15)) { $0.has("READY=1") },
                                     "no READY=1 within 15 s\n\(listener.transcript)\n\(daemon.log.tail())")
            let readyAt = ready.message.at
            let status = try #require(ready.message.value("STATUS"), "READY=1 without STATUS=: \(ready.message.text)")
            #expect(status.contains("1 publications") && status.contains("1 openings"), "STATUS=\(status)")
            #expect(DaemonHarness.text(scratch.publications).contains("Seed paper"), "READY=1 before the first scan wrote the feeds")
            #expect(DaemonHarness.text(scratch.openings).contains("Seed job"))
            #expect(daemon.log.lines(event: "new").count == 2, "\(daemon.log.tail())")
            #expect(!listener.messages[..<ready.index].contains { $0.has("WATCHDOG=1") || $0.has("STOPPING=1") })
            print("feedd (\(abstract ? "abstract" : "path") socket): READY=1 \(started.duration(to: readyAt)) after start")

            // WATCHDOG=1 every ~200 ms: at least 3 within ~1 s.
            try await Task.sleep(for: .milliseconds(1100))
            let pings = listener.messages.filter { $0.has("WATCHDOG=1") }.map(\.at)
            let windowPings = pings.filter { readyAt.duration(to: $0) <= .milliseconds(1100) }
            #expect(windowPings.count >= 3, "\(windowPings.count) WATCHDOG=1 in 1.1 s after READY\n\(listener.transcript)")
            let intervals = zip(pings.dropFirst(), pings).map { $1.duration(to: $0) }
            for interval in intervals {
                #expect(interval >= .milliseconds(100) && interval <= .milliseconds(400),
                        "WATCHDOG=1 interval \(interval), expected ~200 ms\n\(listener.transcript)")
            }

            // SIGHUP: RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC, now), then READY=1.
            let beforeHUP = listener.messages.count
            let hupSentAt = DaemonHarness.monotonicMicroseconds()
            daemon.signal(SIGHUP)
            let reloading = try #require(await listener.wait(for: .seconds(5), from: beforeHUP) { $0.has("RELOADING=1") },
                                         "no RELOADING=1 after SIGHUP\n\(listener.transcript)\n\(daemon.log.tail())")
            let usecText = try #require(reloading.message.value("MONOTONIC_USEC"), "RELOADING=1 without MONOTONIC_USEC=: \(reloading.message.text)")
            let usec = try #require(UInt64(usecText), "MONOTONIC_USEC=\(usecText) is not a number")
            #expect(usec >= hupSentAt && usec <= DaemonHarness.monotonicMicroseconds(),
                    "MONOTONIC_USEC=\(usec) is not CLOCK_MONOTONIC between the SIGHUP (\(hupSentAt)) and now")
            let readyAgain = try #require(await listener.wait(for: .seconds(10), from: reloading.index + 1) { $0.has("READY=1") },
                                          "no READY=1 after RELOADING=1\n\(listener.transcript)")
            #expect(readyAgain.message.value("STATUS") != nil)
            #expect(daemon.log.lines(event: "reloaded").count == 1, "\(daemon.log.tail())")
            #expect(daemon.isRunning)

            // SIGTERM: STOPPING=1 and exit status 0 within 2 s.
            let beforeTERM = listener.messages.count
            let termAt = ContinuousClock.now
            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(2))
            let stopped = termAt.duration(to: .now)
            #expect(exit != nil, "still running 2 s after SIGTERM\n\(daemon.log.tail())")
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")
            let stopping = await listener.wait(for: .seconds(1), from: beforeTERM) { $0.has("STOPPING=1") }
            #expect(stopping != nil, "no STOPPING=1 after SIGTERM\n\(listener.transcript)")
            #expect(daemon.log.lines(event: "stopping").count == 1)
            #expect(daemon.log.lines.allSatisfy { $0.isJSON }, "non-JSON log line:\n\(daemon.log.tail())")
            print("feedd (\(abstract ? "abstract" : "path") socket): SIGTERM → exit in \(stopped)")
        }

        @Test("Without NOTIFY_SOCKET the daemon runs, reloads and stops all the same")
        func withoutNotifySocket() async throws {
            let scratch = try DaemonScratch()
            try Self.seed(scratch)
            // A listener nobody told the daemon about: it must stay silent.
            let listener = try DaemonNotifyListener(path: scratch.root + "/notify.sock")
            defer { listener.stop() }
            let daemon = try DaemonProcess(scratch.flags, cwd: scratch.cwd, environment: ["WATCHDOG_USEC": "400000"])
            defer { daemon.kill() }

            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(15)), "no ready log line\n\(daemon.log.tail())")
            #expect(DaemonHarness.text(scratch.openings).contains("Seed job"))
            daemon.signal(SIGHUP)
            #expect(await daemon.log.wait(for: "reloaded", timeout: .seconds(5)), "\(daemon.log.tail())")
            try await Task.sleep(for: .milliseconds(500))
            #expect(daemon.isRunning)

            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(2))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")
            #expect(listener.messages.isEmpty, "\(listener.transcript)")
            #expect(!daemon.log.lines.contains { $0.level == "error" || $0.level == "critical" }, "\(daemon.log.tail())")
        }
    }
}
