#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Syscall

/// Tells systemd about the daemon's state over the `sd_notify(3)` datagram
/// protocol: `READY=1`, `STATUS=…`, `RELOADING=1`, `STOPPING=1`, `WATCHDOG=1`.
///
/// Without `NOTIFY_SOCKET` (run by hand, from cron, or `Type=simple`) the
/// notifier is disabled and every send succeeds without doing anything.
///
/// Each message opens its own `SOCK_DGRAM` socket, sends one datagram and
/// closes it. That keeps the notifier a plain value with no descriptor to
/// own or leak, and costs three system calls a few times a minute at most.
///
/// A send never throws and never crashes: it returns a `Result` whose failure
/// the caller logs before going on.
public struct SystemdNotifier: Sendable {
    /// The variables the service manager sets for us, which children must not inherit.
    public static let environmentVariables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]

    private enum Target: Sendable {
        case disabled
        case socket(NotifySocketAddress)
        case invalid(String)
    }

    private let target: Target

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, or `nil` when
    /// the watchdog is off or `WATCHDOG_PID` names another process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    ///
    /// - Parameters:
    ///   - environment: usually the process environment, read before
    ///     ``unsetEnvironment()`` clears it.
    ///   - processID: the pid `WATCHDOG_PID` must match; ours by default.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        processID: pid_t = getpid()
    ) {
        switch environment["NOTIFY_SOCKET"] {
        case nil, "":
            target = .disabled
        case let text?:
            target = NotifySocketAddress(text).map(Target.socket) ?? .invalid(text)
        }
        watchdogInterval = Self.watchdogInterval(environment: environment, processID: processID)
    }

    /// Whether `NOTIFY_SOCKET` was set, so that messages are actually sent.
    public var isEnabled: Bool {
        if case .disabled = target { return false }
        return true
    }

    /// The notify socket as given in `NOTIFY_SOCKET`, if any.
    public var socketDescription: String? {
        switch target {
        case .disabled: return nil
        case .socket(let address): return address.text
        case .invalid(let text): return text
        }
    }

    // MARK: Messages

    /// `READY=1`, with an optional `STATUS=` line: start-up (or a reload) is complete.
    @discardableResult
    public func ready(status: String? = nil) -> Result<Void, NotifyError> {
        send(["READY=1"] + Self.statusLine(status))
    }

    /// `STATUS=…`: a one-line, human-readable state shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Result<Void, NotifyError> {
        send(Self.statusLine(text))
    }

    /// `RELOADING=1` and `MONOTONIC_USEC=`: a configuration reload has begun.
    /// Follow it with ``ready(status:)`` when the reload is done.
    @discardableResult
    public func reloading(monotonicUsec: UInt64 = SystemdNotifier.monotonicMicroseconds()) -> Result<Void, NotifyError> {
        send(["RELOADING=1", "MONOTONIC_USEC=\(monotonicUsec)"])
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Result<Void, NotifyError> {
        send(["STOPPING=1"])
    }

    /// `WATCHDOG=1`: the daemon is alive. Send it every ``watchdogInterval``.
    @discardableResult
    public func watchdog() -> Result<Void, NotifyError> {
        send(["WATCHDOG=1"])
    }

    /// Sends raw `KEY=value` assignments, one per line, as one datagram.
    ///
    /// Newlines inside an assignment would forge further assignments, so the
    /// caller must not pass them; ``status(_:)`` and ``ready(status:)`` replace
    /// them with spaces.
    @discardableResult
    public func send(_ assignments: [String]) -> Result<Void, NotifyError> {
        switch target {
        case .disabled:
            return .success(())
        case .invalid(let text):
            return .failure(.invalidSocketAddress(text))
        case .socket(let address):
            return Self.sendDatagram(Array(assignments.joined(separator: "\n").utf8), to: address)
        }
    }

    // MARK: Environment and clock

    /// Removes `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the
    /// process environment, so that child processes do not talk to systemd in
    /// our name.
    ///
    /// Create the notifier first: it keeps what it read. `unsetenv(3)` is not
    /// safe against a concurrent `getenv(3)`, so call this at start-up, before
    /// other threads run.
    public static func unsetEnvironment() {
        for name in environmentVariables {
            unsetenv(name)
        }
    }

    /// `CLOCK_MONOTONIC` in microseconds, as `MONOTONIC_USEC=` expects.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec) / 1_000
    }

    /// Half of `WATCHDOG_USEC`, as `sd_watchdog_enabled(3)` recommends, when
    /// the watchdog is meant for `processID`.
    static func watchdogInterval(environment: [String: String], processID: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else {
            return nil
        }
        if let pidText = environment["WATCHDOG_PID"], !pidText.isEmpty {
            guard let pid = pid_t(pidText), pid == processID else { return nil }
        }
        return .microseconds(Int64(clamping: usec / 2))
    }

    // MARK: Internals

    private static func statusLine(_ status: String?) -> [String] {
        guard let status else { return [] }
        let oneLine = String(status.map { $0.isNewline || $0 == "\0" ? " " : $0 })
        return ["STATUS=\(oneLine)"]
    }

    private static func sendDatagram(_ message: [UInt8], to address: NotifySocketAddress) -> Result<Void, NotifyError> {
        let fd = retryingEINTR {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        guard fd >= 0 else {
            return .failure(.systemCall(name: "socket", errno: errno, socket: address.text))
        }
        defer { close(fd) }

        // Never block: a manager that does not read its socket (the queue holds
        // net.unix.max_dgram_qlen datagrams, 10 by default) would otherwise hang
        // the event loop, SIGTERM included. A full queue is a failed send (EAGAIN).
        let sent = message.withUnsafeBytes { bytes in
            address.withSockAddr { sockAddress, length in
                retryingEINTR {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sockAddress, length)
                }
            }
        }
        if sent < 0 {
            return .failure(.systemCall(name: "sendto", errno: errno, socket: address.text))
        }
        if sent != message.count {
            return .failure(.shortWrite(sent: sent, expected: message.count, socket: address.text))
        }
        return .success(())
    }
}
