import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// End-to-end tests of the real `feedd` binary running as a daemon: real temp
/// directories, a real `AF_UNIX`/`SOCK_DGRAM` notify listener, real signals.
///
/// They run one at a time (timing checks such as the watchdog cadence must
/// not compete with a 20,000-file burst), each in its own nested suite in a
/// `Daemon*.swift` file.
///
/// Build first: `swift build --build-tests`, then `swift test --filter Daemon`.
@Suite(.serialized) struct DaemonProcessTests {}

/// A failure of the harness itself (binary missing, a system call failed).
struct DaemonHarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    static func errno(_ call: String) -> DaemonHarnessError {
        DaemonHarnessError("\(call): \(String(cString: strerror(Glibc.errno)))")
    }
}

// MARK: - Locating the binary

enum DaemonHarness {
    /// The package root: the nearest directory above this file holding `Package.swift`.
    static func packageRoot(file: String = #filePath) throws -> URL {
        var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        throw DaemonHarnessError("no Package.swift above \(file)")
    }

    /// `<package root>/.build/debug/feedd`, which `swift build --build-tests` leaves there.
    static func binary() throws -> String {
        let path = try packageRoot().appendingPathComponent(".build/debug/feedd").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw DaemonHarnessError("the feedd binary is missing at \(path): run `swift build --build-tests` before `swift test`")
        }
        return path
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock of `MONOTONIC_USEC=`.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// Polls `condition` every `every` until it holds or `timeout` passes; whether it held.
    static func eventually(timeout: Duration, every: Duration = .milliseconds(20),
                           _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: every)
        }
    }

    /// Writes `text` to `path` in one go, creating the parent directories.
    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A dated Markdown entry with front matter.
    static func markdown(kind: String, id: String, title: String, date: String, body: String = "Body text.") -> String {
        var lines = ["---", "kind: \(kind)", "id: \(id)", "title: \"\(title)\"", "date: \(date)",
                     "link: https://example.org/\(kind)/\(id)"]
        if kind == "job" {
            lines.append("location: \"US, WA, Seattle\"")
        } else {
            lines.append("authors: [A. Author, B. Author]")
        }
        lines += ["---", body, ""]
        return lines.joined(separator: "\n")
    }

    /// The contents of a file, or nil.
    static func read(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    /// The contents of a file as text ("" when missing).
    static func text(_ path: String) -> String {
        read(path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

// MARK: - Scratch directories

/// A fresh temporary tree: `src/`, `out/`, `state/` and an empty `cwd/` (so no
/// `Config/feedd.toml` is picked up), removed when released.
final class DaemonScratch: @unchecked Sendable {
    let root: String
    var source: String { root + "/src" }
    var output: String { root + "/out" }
    var state: String { root + "/state" }
    var cwd: String { root + "/cwd" }
    var publications: String { output + "/publications.atom" }
    var openings: String { output + "/openings.atom" }

    init() throws {
        var template = Array("/tmp/feedd-dtest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw DaemonHarnessError.errno("mkdtemp") }
        root = String(cString: made)
        for dir in [source, cwd] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The usual flags: source, output, state, JSON logs.
    var flags: [String] {
        ["--source", source, "--output", output, "--state-dir", state, "--log-format", "json"]
    }

    /// Writes a config file with absolute paths and the given extra TOML; returns its path.
    @discardableResult
    func writeConfig(_ extra: String, name: String = "feedd.toml") throws -> String {
        let path = root + "/" + name
        let text = """
        source = "\(source)"
        output = "\(output)"
        state_dir = "\(state)"

        \(extra)
        """
        try DaemonHarness.write(text, to: path)
        return path
    }
}

// MARK: - The notify socket

/// A datagram socket standing in for systemd's `NOTIFY_SOCKET`: every message
/// is recorded with its arrival time by a reader thread.
final class DaemonNotifyListener: @unchecked Sendable {
    struct Message: Sendable {
        let text: String
        let at: ContinuousClock.Instant
        var assignments: [String] { text.split(separator: "\n").map(String.init) }
        func value(_ key: String) -> String? {
            assignments.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        func has(_ assignment: String) -> Bool { assignments.contains(assignment) }
    }

    /// The value to put in `NOTIFY_SOCKET`.
    let address: String
    private let fd: Int32
    private let path: String?
    private let lock = NSLock()
    private var received: [Message] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// A filesystem socket at `path`.
    convenience init(path: String) throws { try self.init(address: path) }

    /// An abstract socket `@feedd-test-<random>`.
    static func abstract() throws -> DaemonNotifyListener {
        try DaemonNotifyListener(address: "@feedd-test-\(UInt64.random(in: 0...UInt64.max))")
    }

    private init(address: String) throws {
        self.address = address
        var bytes = Array(address.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        path = isAbstract ? nil : address
        guard bytes.count < 108 else { throw DaemonHarnessError("socket path too long: \(address)") }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonHarnessError.errno("socket") }
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        if isAbstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (isAbstract ? 0 : 1))
        let bound = withUnsafePointer(to: &sun) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = DaemonHarnessError.errno("bind \(address)")
            close(fd)
            throw error
        }
        let thread = Thread { [self] in self.readLoop() }
        thread.name = "notify-listener"
        thread.start()
    }

    private func readLoop() {
        defer { done.signal() }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            if lock.withLock({ stopped }) { return }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 50)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { continue }
            let message = Message(text: String(decoding: buffer[..<count], as: UTF8.self), at: .now)
            lock.withLock { received.append(message) }
        }
    }

    var messages: [Message] { lock.withLock { received } }

    /// The first message at or after index `from` satisfying `match`, waiting up to `timeout`.
    func wait(for timeout: Duration, from: Int = 0, _ match: (Message) -> Bool) async -> (index: Int, message: Message)? {
        var found: (Int, Message)?
        _ = await DaemonHarness.eventually(timeout: timeout) {
            let all = messages
            guard from < all.count else { return false }
            if let i = all[from...].firstIndex(where: match) { found = (i, all[i]) }
            return found != nil
        }
        return found
    }

    /// A readable dump for failure messages.
    var transcript: String {
        let all = messages
        guard let first = all.first?.at else { return "(no datagrams)" }
        return all.map { "+\(first.duration(to: $0.at)) \($0.text.replacingOccurrences(of: "\n", with: " | "))" }
            .joined(separator: "\n")
    }

    func stop() {
        let wasStopped = lock.withLock { () -> Bool in defer { stopped = true }; return stopped }
        guard !wasStopped else { return }
        _ = done.wait(timeout: .now() + 2)
        close(fd)
        if let path { unlink(path) }
    }

    deinit { stop() }
}

// MARK: - The log

/// One line of the daemon's stderr, parsed when it is a JSON object.
struct DaemonLogLine: Sendable, CustomStringConvertible {
    let raw: String
    let fields: [String: String]
    let at: ContinuousClock.Instant

    init(raw: String, at: ContinuousClock.Instant) {
        self.raw = raw
        self.at = at
        var fields: [String: String] = [:]
        if let data = raw.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (key, value) in object { fields[key] = "\(value)" }
        }
        self.fields = fields
    }

    var event: String? { fields["event"] }
    var source: String? { fields["source"] }
    var level: String? { fields["level"] }
    var isJSON: Bool { !fields.isEmpty }
    var description: String { raw }
}

/// Reads a file descriptor line by line on its own thread until EOF.
final class DaemonLogReader: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [DaemonLogLine] = []
    private var ended = false

    init(fd: Int32) {
        let thread = Thread { [self] in self.readLoop(fd) }
        thread.name = "feedd-stderr"
        thread.start()
    }

    private func readLoop(_ fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[..<count]
            var lines: [DaemonLogLine] = []
            let now = ContinuousClock.now
            while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(DaemonLogLine(raw: String(decoding: pending[..<nl], as: UTF8.self), at: now))
                pending.removeSubrange(...nl)
            }
            if !lines.isEmpty { lock.withLock { collected += lines } }
        }
        close(fd)
        let rest = pending.isEmpty ? nil : DaemonLogLine(raw: String(decoding: pending, as: UTF8.self), at: .now)
        lock.withLock {
            if let rest { collected.append(rest) }
            ended = true
        }
    }

    var lines: [DaemonLogLine] { lock.withLock { collected } }
    var atEOF: Bool { lock.withLock { ended } }
    var lastLineAt: ContinuousClock.Instant? { lock.withLock { collected.last?.at } }

    func lines(event: String, source: String? = nil) -> [DaemonLogLine] {
        lines.filter { $0.event == event && (source == nil || $0.source == source) }
    }

    /// Waits until at least `count` lines with `event` (and `source`) were logged, up to `timeout`.
    @discardableResult
    func wait(for event: String, source: String? = nil, count: Int = 1, timeout: Duration) async -> Bool {
        await DaemonHarness.eventually(timeout: timeout) { self.lines(event: event, source: source).count >= count }
    }

    /// Waits until the log has been quiet for `quiet`, up to `timeout`.
    @discardableResult
    func waitQuiet(_ quiet: Duration, timeout: Duration) async -> Bool {
        await DaemonHarness.eventually(timeout: timeout, every: .milliseconds(50)) {
            guard let last = self.lastLineAt else { return true }
            return last.duration(to: .now) >= quiet
        }
    }

    /// The last lines, for failure messages.
    func tail(_ n: Int = 30) -> String {
        lines.suffix(n).map(\.raw).joined(separator: "\n")
    }
}

// MARK: - The process

/// One `feedd` process started from the built binary, its stderr read as it comes.
/// Released or not, it never outlives the test: `kill()` runs on deinit.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let log: DaemonLogReader
    let arguments: [String]

    /// Starts `feedd` with `arguments` in `cwd`. The test runner's own systemd
    /// variables are dropped; `environment` adds ours (`NOTIFY_SOCKET`, `WATCHDOG_USEC`).
    /// `executable` replaces the built feedd (e.g. `setpriv`, with feedd among the arguments).
    init(_ arguments: [String], cwd: String, environment: [String: String] = [:], executable: String? = nil) throws {
        self.arguments = arguments
        process.executableURL = URL(fileURLWithPath: try executable ?? DaemonHarness.binary())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var env = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID"] {
            env[name] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw DaemonHarnessError.errno("pipe") }
        // Only the child's stderr (a dup2 of the write end) may outlive exec.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        process.standardError = FileHandle(fileDescriptor: fds[1], closeOnDealloc: false)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(fds[0])
            close(fds[1])
            throw DaemonHarnessError("cannot start feedd: \(error)")
        }
        close(fds[1])
        log = DaemonLogReader(fd: fds[0])
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func signal(_ sig: Int32) {
        if process.isRunning { Glibc.kill(pid, sig) }
    }

    /// Waits for the exit, up to `timeout`; (status, exited normally) or nil while still running.
    func waitForExit(timeout: Duration) async -> (status: Int32, exited: Bool)? {
        let gone = await DaemonHarness.eventually(timeout: timeout, every: .milliseconds(10)) { !process.isRunning }
        guard gone else { return nil }
        return (process.terminationStatus, process.terminationReason == .exit)
    }

    /// The same, blocking (for `deinit`).
    private func waitBlocking(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
    }

    /// SIGKILL, if still running, and wait for the exit.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        waitBlocking(timeout: .seconds(5))
    }

    /// Runs `feedd` to completion (for `--once`); the exit status, or nil on timeout (then killed).
    static func runToExit(_ arguments: [String], cwd: String, timeout: Duration,
                          executable: String? = nil) async throws -> (status: Int32, log: DaemonLogReader)? {
        let p = try DaemonProcess(executable == nil ? arguments : Array(arguments.dropFirst()), cwd: cwd, executable: executable)
        defer { p.kill() }
        guard let exit = await p.waitForExit(timeout: timeout) else { return nil }
        _ = await DaemonHarness.eventually(timeout: .seconds(2)) { p.log.atEOF }
        return (exit.exited ? exit.status : -exit.status, p.log)
    }

    deinit { kill() }
}

// MARK: - Checking feeds

enum DaemonFeedCheck {
    /// Whether `data` is well-formed XML (Foundation's XMLParser: libxml2 underneath).
    static func parses(_ data: Data) -> Bool {
        XMLParser(data: data).parse()
    }

    /// The entry ids of an Atom feed, in order.
    static func entryIDs(_ data: Data) -> [String] {
        let collector = IDCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        _ = parser.parse()
        return collector.ids
    }

    private final class IDCollector: NSObject, XMLParserDelegate {
        var ids: [String] = []
        var path: [String] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            path.append(name)
            text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if path.suffix(2) == ["entry", "id"] { ids.append(text) }
            path.removeLast()
        }
    }
}
