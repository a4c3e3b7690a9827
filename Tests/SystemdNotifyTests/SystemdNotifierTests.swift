import Glibc
import Testing
@testable import SystemdNotify

@Suite("sd_notify over a real datagram socket")
struct SystemdNotifierTests {
    @Test("each message arrives as the exact bytes sd_notify(3) defines",
          arguments: ["filesystem", "abstract"])
    func messagesArriveVerbatim(kind: String) throws {
        let listener = try kind == "abstract" ? DatagramListener.abstract() : DatagramListener.filesystem()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        #expect(notifier.isEnabled)

        try notifier.ready(status: "Watching 12 entries, 2 feeds").get()
        #expect(listener.receive() == Array("READY=1\nSTATUS=Watching 12 entries, 2 feeds".utf8))

        try notifier.ready().get()
        #expect(listener.receiveText() == "READY=1")

        try notifier.status("Rescanning").get()
        #expect(listener.receiveText() == "STATUS=Rescanning")

        try notifier.reloading(monotonicUsec: 1_234_567_890).get()
        #expect(listener.receiveText() == "RELOADING=1\nMONOTONIC_USEC=1234567890")

        try notifier.stopping().get()
        #expect(listener.receiveText() == "STOPPING=1")

        try notifier.watchdog().get()
        #expect(listener.receiveText() == "WATCHDOG=1")

        #expect(!listener.hasPending())
    }

    @Test func reloadingDefaultsToTheMonotonicClockNow() throws {
        let listener = try DatagramListener.abstract()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        let before = SystemdNotifier.monotonicMicroseconds()
        try notifier.reloading().get()
        let after = SystemdNotifier.monotonicMicroseconds()

        let text = try #require(listener.receiveText())
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let last = try #require(lines.last)
        #expect(last.hasPrefix("MONOTONIC_USEC="))
        let stamp = try #require(UInt64(last.dropFirst("MONOTONIC_USEC=".count)))
        #expect((before...after).contains(stamp))
    }

    @Test func monotonicMicrosecondsMatchesClockGettime() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let expected = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        let measured = SystemdNotifier.monotonicMicroseconds()
        #expect(measured >= expected)
        #expect(measured - expected < 5_000_000)
    }

    @Test func aStatusCannotForgeAnotherAssignment() throws {
        let listener = try DatagramListener.filesystem()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        try notifier.status("bad title\nSTOPPING=1").get()
        #expect(listener.receiveText() == "STATUS=bad title STOPPING=1")
    }

    @Test("without NOTIFY_SOCKET every send is a silent success",
          arguments: [[:], ["NOTIFY_SOCKET": ""]] as [[String: String]])
    func disabledWithoutNotifySocket(environment: [String: String]) {
        let notifier = SystemdNotifier(environment: environment)
        #expect(!notifier.isEnabled)
        #expect(notifier.socketDescription == nil)
        #expect((try? notifier.ready(status: "x").get()) != nil)
        #expect((try? notifier.watchdog().get()) != nil)
        #expect((try? notifier.stopping().get()) != nil)
    }

    @Test func aMissingSocketFailsWithoutCrashing() {
        let path = "/nonexistent/feedd-\(getpid())/notify"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.isEnabled)
        guard case .failure(let error) = notifier.ready() else {
            Issue.record("sending to a missing socket succeeded")
            return
        }
        #expect(error == .systemCall(name: "sendto", errno: ENOENT, socket: path))
        #expect(error.description.contains("sendto"))
        // And the next message fails the same way: nothing was left broken.
        #expect(throws: NotifyError.self) { try notifier.watchdog().get() }
    }

    @Test func anAbstractSocketNobodyListensOnIsRefused() {
        let name = "@feedd-test-nobody-\(UInt64.random(in: 0...UInt64.max))"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name])
        guard case .failure(.systemCall(name: "sendto", errno: let code, socket: name)) = notifier.watchdog() else {
            Issue.record("sending to an unbound abstract socket did not fail in sendto")
            return
        }
        #expect(code == ECONNREFUSED)
    }

    @Test("a NOTIFY_SOCKET that is no unix socket address is reported, not sent to",
          arguments: ["relative/path", "@", "/" + String(repeating: "x", count: 200), "vsock:2:1234"])
    func invalidAddress(text: String) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": text])
        #expect(notifier.isEnabled)
        #expect(throws: NotifyError.invalidSocketAddress(text)) { try notifier.ready().get() }
    }

    @Test func addressLengthCoversExactlyTheName() {
        let abstract = NotifySocketAddress("@abc")
        #expect(abstract?.pathBytes == [0, 97, 98, 99])
        abstract?.withSockAddr { _, length in #expect(length == 2 + 4) }

        let path = NotifySocketAddress("/run/n")
        #expect(path?.pathBytes == Array("/run/n".utf8) + [0])
        path?.withSockAddr { _, length in #expect(length == 2 + 7) }

        // sun_path holds 108 bytes: 107 characters and the NUL, or NUL and 107.
        #expect(NotifySocketAddress("/" + String(repeating: "a", count: 106)) != nil)
        #expect(NotifySocketAddress("/" + String(repeating: "a", count: 107)) == nil)
        #expect(NotifySocketAddress("@" + String(repeating: "a", count: 107)) != nil)
        #expect(NotifySocketAddress("@" + String(repeating: "a", count: 108)) == nil)
    }

    // MARK: Watchdog

    @Test func watchdogIntervalIsHalfOfWatchdogUsec() {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"])
        #expect(notifier.watchdogInterval == .seconds(15))
        #expect(!notifier.isEnabled)

        let odd = SystemdNotifier(environment: ["WATCHDOG_USEC": "3"])
        #expect(odd.watchdogInterval == .microseconds(1))
    }

    @Test func watchdogForOurPid() {
        let ours = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(ours.watchdogInterval == .seconds(1))

        let injected = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "4242"], processID: 4242)
        #expect(injected.watchdogInterval == .seconds(1))
    }

    @Test("no watchdog when it is off, malformed, or meant for another process",
          arguments: [
            [:],
            ["WATCHDOG_USEC": ""],
            ["WATCHDOG_USEC": "0"],
            ["WATCHDOG_USEC": "-5"],
            ["WATCHDOG_USEC": "soon"],
            ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"],
            ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "not-a-pid"],
          ] as [[String: String]])
    func noWatchdog(environment: [String: String]) {
        #expect(SystemdNotifier(environment: environment, processID: 4242).watchdogInterval == nil)
    }

    // MARK: Environment

    @Test func unsetEnvironmentHidesTheSocketFromChildren() throws {
        // The only test that touches the process environment; the others pass
        // dictionaries, so running in parallel does not disturb them.
        setenv("NOTIFY_SOCKET", "@feedd-test-unset", 1)
        setenv("WATCHDOG_USEC", "1000000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        let notifier = SystemdNotifier()
        #expect(notifier.socketDescription == "@feedd-test-unset")
        #expect(notifier.watchdogInterval == .milliseconds(500))

        SystemdNotifier.unsetEnvironment()
        #expect(getenv("NOTIFY_SOCKET") == nil)
        #expect(getenv("WATCHDOG_USEC") == nil)
        #expect(getenv("WATCHDOG_PID") == nil)
        // What the notifier read stays.
        #expect(notifier.socketDescription == "@feedd-test-unset")
    }
}
