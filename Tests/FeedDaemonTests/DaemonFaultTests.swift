import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Faults on the way out, against the real binary: the output or the state
/// directory on a full file system (a tmpfs), read-only (a tmpfs remounted
/// `ro`: root ignores file modes) or without permission (feedd run as
/// `nobody` through util-linux's `setpriv`, because root ignores modes too).
///
/// What must hold, for `--once` and for the daemon:
/// - `--once` exits 73 (output) or 74 (state); the previous feeds stay byte
///   for byte (same bytes, same inode); no `.NAME.tmp-PID` is left; the error
///   is logged once and no item is announced;
/// - the daemon logs the failure once (not once per retry or per event),
///   retries with backoff, recovers by itself when space or permission
///   returns (a `recovered` line), and its feeds then equal a fresh
///   `feedd --once`; every change made meanwhile is announced after the
///   recovery (state never records what the feeds do not show).
///
/// Mounting needs root; the permission cases need `setpriv` and a binary that
/// `nobody` can run. Without them the tests are skipped, not faked.
enum FaultRig {
    static let setpriv = "/usr/bin/setpriv"

    /// Root, and a tmpfs can really be mounted and unmounted here.
    static let canMount: Bool = {
        guard geteuid() == 0 else { return false }
        var template = Array("/tmp/feedd-mountprobe-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return false }
        let dir = String(cString: made)
        defer { rmdir(dir) }
        guard (try? sh(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]))?.status == 0 else { return false }
        _ = try? sh(["umount", dir])
        return true
    }()

    /// Root, `setpriv` installed, and `nobody` can run the built feedd.
    static let canDropPrivileges: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv),
              let binary = try? DaemonHarness.binary() else { return false }
        return (try? sh(asNobody([binary, "--help"])))?.status == 0
    }()

    /// `setpriv` to uid `nobody`, gid `nogroup`, no supplementary groups.
    static func asNobody(_ command: [String]) -> [String] {
        [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + command
    }

    /// Runs a command to completion; its status and combined output.
    @discardableResult
    static func sh(_ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : "/usr/bin/env")
        process.arguments = command[0].hasPrefix("/") ? Array(command.dropFirst()) : command
        let outPath = NSTemporaryDirectory() + "feedd-sh-\(UInt64.random(in: 0...UInt64.max))"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        return (process.terminationStatus, DaemonHarness.text(outPath))
    }

    /// Like `sh`, but a failure is an error naming the command.
    static func must(_ command: [String]) throws {
        let r = try sh(command)
        guard r.status == 0 else { throw DaemonHarnessError("\(command.joined(separator: " ")): exit \(r.status): \(r.output)") }
    }

    /// The `.NAME.tmp-PID` files feedd writes before renaming.
    static func tempFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
    }

    /// Bytes and inode of a file: equal means it was neither rewritten nor replaced.
    struct Snapshot: Equatable {
        var bytes: Data?
        var inode: UInt64?
        init(_ path: String) {
            bytes = FileManager.default.contents(atPath: path)
            var st = stat()
            inode = stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
        }
    }

    /// An invented paragraph of about `size` bytes, different for each `seed`.
    static func prose(_ seed: Int, size: Int) -> String {
        let words = ["lattice", "harbour", "quorum", "meridian", "cobalt", "trellis", "sextant", "juniper",
                     "ledger", "pylon", "marram", "vellum", "tundra", "fulcrum", "osprey", "basalt"]
        var text = "Entry \(seed) studies"
        var i = seed
        while text.utf8.count < size {
            i = (i &* 1_103_515_245 &+ 12_345) & 0x7fff_ffff
            text += " " + words[i % words.count]
            if i % 11 == 0 { text += "." }
        }
        return text + "."
    }
}

/// A mounted tmpfs, unmounted (lazily if busy) when released.
final class Tmpfs {
    let path: String
    private var mounted = false

    init(at path: String, size: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FaultRig.must(["mount", "-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", path])
        mounted = true
    }

    /// `mount -o remount,OPTIONS`: `ro`, `rw`, `size=1m`.
    func remount(_ options: String) throws {
        try FaultRig.must(["mount", "-o", "remount,\(options)", path])
    }

    func unmount() {
        guard mounted else { return }
        mounted = false
        if (try? FaultRig.sh(["umount", path]))?.status != 0 { _ = try? FaultRig.sh(["umount", "-l", path]) }
    }

    deinit { unmount() }
}

/// Writes zeros into `path` until the file system says ENOSPC; returns the bytes written.
@discardableResult
func fillUntilFull(_ path: String) throws -> Int {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw DaemonHarnessError.errno("open \(path)") }
    defer { close(fd) }
    let chunk = [UInt8](repeating: 0, count: 4096)
    var total = 0
    while true {
        let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        total += n
    }
    return total
}

/// Which fault, where.
enum Fault: String, CaseIterable, CustomStringConvertible, Sendable {
    case outputFull, outputReadOnly, outputNoPermission
    case stateFull, stateReadOnly, stateNoPermission

    var description: String { rawValue }
    var onState: Bool { [.stateFull, .stateReadOnly, .stateNoPermission].contains(self) }
    var asNobody: Bool { self == .outputNoPermission || self == .stateNoPermission }
    var exitCode: Int32 { onState ? 74 : 73 }
    var isAvailable: Bool { asNobody ? FaultRig.canDropPrivileges : FaultRig.canMount }
}

/// One scratch tree with the fault's file system in place, and the means to
/// break it and mend it.
final class FaultScene {
    let fault: Fault
    let scratch: DaemonScratch
    private var tmpfs: Tmpfs?
    private var filler: String?

    init(_ fault: Fault) throws {
        self.fault = fault
        scratch = try DaemonScratch()
        // mkdtemp makes 0700; `nobody` must reach the tree.
        chmod(scratch.root, 0o755)
        switch fault {
        case .outputFull:
            // Small feeds fit; the feeds of `grow()` do not.
            tmpfs = try Tmpfs(at: scratch.output, size: "64k")
        case .outputReadOnly:
            tmpfs = try Tmpfs(at: scratch.output, size: "1m")
        case .stateFull, .stateReadOnly:
            // An SQLite WAL database with its -shm needs more than 64 KiB
            // before it holds anything: 1 MiB, filled to the last page instead.
            tmpfs = try Tmpfs(at: scratch.state, size: "1m")
        case .outputNoPermission, .stateNoPermission:
            for dir in [scratch.output, scratch.state] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            try FaultRig.must(["chown", "-R", "nobody:nogroup", scratch.output, scratch.state])
        }
    }

    deinit {
        tmpfs?.unmount()
    }

    /// feedd's command line, through `setpriv` when the fault needs a non-root feedd.
    func command(_ args: [String]) throws -> [String] {
        let full = [try DaemonHarness.binary()] + args
        return fault.asNobody ? FaultRig.asNobody(full) : full
    }

    /// Breaks the file system under the output or the state.
    func inject() throws {
        switch fault {
        case .outputFull: break  // the grown feeds do not fit in 64 KiB
        case .outputReadOnly, .stateReadOnly: try tmpfs!.remount("ro")
        case .stateFull:
            filler = scratch.state + "/filler"
            try fillUntilFull(filler!)
        case .outputNoPermission: try FaultRig.must(["chmod", "0555", scratch.output])
        case .stateNoPermission: try FaultRig.must(["chown", "-R", "root:root", scratch.state])
        }
    }

    /// Gives the space or the permission back.
    func mend() throws {
        switch fault {
        case .outputFull: try tmpfs!.remount("size=1m")
        case .outputReadOnly, .stateReadOnly: try tmpfs!.remount("rw")
        case .stateFull: try FileManager.default.removeItem(atPath: filler!)
        case .outputNoPermission: try FaultRig.must(["chmod", "0755", scratch.output])
        case .stateNoPermission: try FaultRig.must(["chown", "-R", "nobody:nogroup", scratch.state])
        }
    }

    // MARK: Source entries

    /// A few small entries: their feeds fit anywhere.
    func seed() throws -> [String] {
        var paths: [String] = []
        for i in 0..<3 {
            let path = "publications/seed-\(i).md"
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "seed-\(i)", title: "Seed paper \(i)",
                                                           date: "2024-01-0\(i + 1)T00:00:00Z", body: FaultRig.prose(i, size: 200)),
                                    to: scratch.source + "/" + path)
            paths.append(path)
        }
        for i in 0..<2 {
            let path = "jobs/seed-job-\(i).md"
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "seed-job-\(i)", title: "Seed opening \(i)",
                                                           date: "2024-01-0\(i + 1)T00:00:00Z", body: FaultRig.prose(100 + i, size: 200)),
                                    to: scratch.source + "/" + path)
            paths.append(path)
        }
        return paths
    }

    /// Enough entries that the publications feed still fits a 64 KiB file
    /// system but the openings feed, written after it, does not: a writer
    /// that replaces feeds one by one would leave the first one new.
    func grow(from start: Int = 0, publications: Int = 12, jobs: Int = 30) throws -> [String] {
        var paths: [String] = []
        for i in start..<(start + publications) {
            let path = "publications/grown-\(i).md"
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "grown-\(i)", title: "Grown paper \(i)",
                                                           date: "2025-02-\(String(format: "%02d", 1 + i % 28))T\(String(format: "%02d", i % 24)):00:00Z",
                                                           body: FaultRig.prose(1000 + i, size: 700)),
                                    to: scratch.source + "/" + path)
            paths.append(path)
        }
        for i in start..<(start + jobs) {
            let path = "jobs/grown-job-\(i).md"
            try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "grown-job-\(i)", title: "Grown opening \(i)",
                                                           date: "2025-03-\(String(format: "%02d", 1 + i % 28))T\(String(format: "%02d", i % 24)):00:00Z",
                                                           body: FaultRig.prose(2000 + i, size: 1500)),
                                    to: scratch.source + "/" + path)
            paths.append(path)
        }
        return paths
    }

    var feeds: [String] { [scratch.publications, scratch.openings] }
    func snapshot() -> [FaultRig.Snapshot] { feeds.map(FaultRig.Snapshot.init) }

    /// `feedd --once` on the same source into a fresh output and state: what the feeds must be.
    func freshFeeds() async throws -> [Data?] {
        let fresh = try DaemonScratch()
        let r = try await DaemonProcess.runToExit(["--once", "--source", scratch.source, "--output", fresh.output,
                                                   "--state-dir", fresh.state, "--log-format", "json"],
                                                  cwd: fresh.cwd, timeout: .seconds(60))
        #expect(r?.status == 0, "fresh --once failed: \(r?.log.tail() ?? "timed out")")
        return [fresh.publications, fresh.openings].map { FileManager.default.contents(atPath: $0) }
    }

    /// `--once` with the usual flags (as `nobody` when the fault needs it).
    func once() async throws -> (status: Int32, log: DaemonLogReader) {
        let args = try command(["--once"] + scratch.flags)
        let r = try await DaemonProcess.runToExit(args, cwd: scratch.cwd, timeout: .seconds(60), executable: args[0])
        return try #require(r, "feedd --once timed out")
    }
}

extension DaemonScratch {
    /// One opening in the US, so a per-country feed exists.
    static func seedJob(in scratch: DaemonScratch) throws -> String {
        let path = "jobs/us-job.md"
        try DaemonHarness.write(DaemonHarness.markdown(kind: "job", id: "us-job", title: "An opening in Seattle",
                                                       date: "2024-01-01T00:00:00Z"), to: scratch.source + "/" + path)
        return path
    }
}

extension DaemonLogReader {
    /// Lines at level error or critical.
    var errors: [DaemonLogLine] { lines.filter { $0.level == "error" || $0.level == "critical" } }
}

extension DaemonProcessTests {
    @Suite struct Faults {
        static let available = Fault.allCases.filter(\.isAvailable)

        @Test("--once on a full, read-only or forbidden output or state: documented exit code, previous feeds byte for byte, no temp file, one error line; then it catches up",
              .enabled(if: FaultRig.canMount || FaultRig.canDropPrivileges), arguments: Fault.allCases)
        func once(_ fault: Fault) async throws {
            guard fault.isAvailable else {
                print("note: \(fault) skipped (needs root, tmpfs and setpriv)")
                return
            }
            let scene = try FaultScene(fault)
            let seeded = try scene.seed()
            let first = try await scene.once()
            #expect(first.status == 0, "\(first.log.tail())")
            #expect(first.log.lines(event: "new").count == seeded.count)
            let before = scene.snapshot()

            try scene.inject()
            let grown = try scene.grow()
            let failed = try await scene.once()
            #expect(failed.status == fault.exitCode, "exit \(failed.status), want \(fault.exitCode)\n\(failed.log.tail())")
            #expect(failed.log.errors.count == 1, "want one error line:\n\(failed.log.errors.map(\.raw).joined(separator: "\n"))")
            #expect(failed.log.errors.first?.fields["message"]?.isEmpty == false, "the error line names no cause: \(failed.log.errors.first?.raw ?? "")")
            #expect(failed.log.lines(event: "new").isEmpty, "announced what no feed shows:\n\(failed.log.tail(5))")
            #expect(scene.snapshot() == before, "a feed changed although the run failed: \(zip(scene.snapshot(), before).map { $0 == $1 ? "same" : "changed" })")
            #expect(FaultRig.tempFiles(in: scene.scratch.output).isEmpty, "temp files left: \(FaultRig.tempFiles(in: scene.scratch.output))")

            // Space or permission back: the next run announces everything the failed one did not publish.
            try scene.mend()
            let caughtUp = try await scene.once()
            #expect(caughtUp.status == 0, "\(caughtUp.log.tail())")
            #expect(Set(caughtUp.log.lines(event: "new").compactMap(\.source)) == Set(grown), "\(caughtUp.log.tail())")
            #expect(scene.feeds.map { FileManager.default.contents(atPath: $0) } == (try await scene.freshFeeds()),
                    "the feeds differ from a fresh --once")
            #expect(FaultRig.tempFiles(in: scene.scratch.output).isEmpty)
        }

        @Test("A first run of 1,500 files whose state does not fit its file system (written behind a rollback journal): exit 74, no feed, one error line; with room, the next run publishes everything",
              .enabled(if: FaultRig.canMount))
        func bulkFirstRunOnAFullState() async throws {
            let scratch = try DaemonScratch()
            // The state of 1,500 entries needs about 600 KiB; 256 KiB runs out during the run.
            let tmpfs = try Tmpfs(at: scratch.state, size: "256k")
            var paths: [String] = []
            for i in 0..<1500 {
                let (path, text) = Burst.entry(i)
                try DaemonHarness.write(text, to: scratch.source + "/" + path)
                paths.append(path)
            }
            let args = ["--once"] + scratch.flags
            let failed = try #require(try await DaemonProcess.runToExit(args, cwd: scratch.cwd, timeout: .seconds(120)))
            #expect(failed.status == Fault.stateFull.exitCode, "exit \(failed.status)\n\(failed.log.tail())")
            #expect(failed.log.errors.count == 1, "want one error line:\n\(failed.log.errors.map(\.raw).joined(separator: "\n"))")
            #expect(failed.log.lines(event: "new").isEmpty, "announced what no feed shows:\n\(failed.log.tail(5))")
            #expect(!FileManager.default.fileExists(atPath: scratch.publications) && !FileManager.default.fileExists(atPath: scratch.openings),
                    "a feed was published although the state could not be written")
            #expect(FaultRig.tempFiles(in: scratch.output).isEmpty, "temp files left: \(FaultRig.tempFiles(in: scratch.output))")

            try tmpfs.remount("size=8m")
            let next = try #require(try await DaemonProcess.runToExit(args, cwd: scratch.cwd, timeout: .seconds(120)))
            #expect(next.status == 0, "\(next.log.tail())")
            #expect(Set(next.log.lines(event: "new").compactMap(\.source)) == Set(paths))
            #expect(try await DaemonProcessTests.Crash.integrityCheck(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "ok")
            #expect(try DaemonProcessTests.Crash.journalMode(scratch.state + "/state.sqlite", cwd: scratch.cwd) == "wal")
        }

        @Test("A crash's temp files are swept for every file feedd writes (any format, category feeds, the page), not others'")
        func staleTempFiles() async throws {
            let scratch = try DaemonScratch()
            let config = try scratch.writeConfig("""
            [[feed]]
            name = "openings"
            file = "openings.atom"
            kind = "job"
            formats = ["atom", "rss", "json"]
            group_by = ["country"]
            """)
            try FileManager.default.createDirectory(atPath: scratch.output, withIntermediateDirectories: true)
            // PID 2^22 + 1 is above the kernel's pid_max: never a live process.
            let dead = 4_194_305
            let debris = [".openings.atom.tmp-\(dead)", ".openings.rss.tmp-\(dead)", ".openings.json.tmp-\(dead)",
                          ".openings-country-us.atom.tmp-\(dead)", ".index.html.tmp-\(dead)", ".feed.xsl.tmp-\(dead)"]
            // Not feedd's, or a live writer's (ours: the test runner's pid).
            let foreign = [".notes.txt.tmp-\(dead)", ".openings.atom.tmp-\(getpid())", ".openings.atom.tmp-abc"]
            for name in debris + foreign { FileManager.default.createFile(atPath: scratch.output + "/" + name, contents: Data("x".utf8)) }
            _ = try DaemonScratch.seedJob(in: scratch)
            let r = try #require(try await DaemonProcess.runToExit(["--once", "--config", config] + scratch.flags, cwd: scratch.cwd, timeout: .seconds(60)))
            #expect(r.status == 0, "\(r.log.tail())")
            let left = Set(FaultRig.tempFiles(in: scratch.output))
            #expect(left == Set(foreign), "left: \(left.sorted())")
        }

        @Test("Daemon whose very first run fails: the failure and the first-run notice are each logged once, not per retry",
              .enabled(if: FaultRig.canMount))
        func firstRunFails() async throws {
            let scene = try FaultScene(.outputReadOnly)
            let scratch = scene.scratch
            let seeded = try scene.seed()
            try scene.inject()
            let config = try scratch.writeConfig("[daemon]\ndebounce_ms = 20\nmax_delay_ms = 100\n")
            let daemon = try DaemonProcess(["--config", config] + scratch.flags, cwd: scratch.cwd)
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "run-failed", timeout: .seconds(20)), "\(daemon.log.tail())")
            try await Task.sleep(for: .seconds(4))  // retries at 1 s and 2 s (and 4 s)
            #expect(daemon.log.lines(event: "first-run").isEmpty, "\(daemon.log.tail())")
            try scene.mend()
            #expect(await daemon.log.wait(for: "recovered", timeout: .seconds(30)), "\(daemon.log.tail())")
            await daemon.log.waitQuiet(.milliseconds(500), timeout: .seconds(10))
            #expect(daemon.log.lines(event: "first-run").count == 1, "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "run-failed").count == 1, "\(daemon.log.tail())")
            #expect(Set(daemon.log.lines(event: "new").compactMap(\.source)) == Set(seeded))
            #expect(daemon.log.lines(event: "new").count == seeded.count, "\(daemon.log.tail())")
        }

        /// A running daemon whose output or state breaks, stays broken while
        /// sources change, then mends.
        @Test("Daemon: a fault is logged once, retried with backoff, and recovered from by itself; nothing announced goes missing",
              .enabled(if: FaultRig.canMount || FaultRig.canDropPrivileges),
              // A running daemon holds its state files open: taking the state
              // directory's permission away changes nothing for it, and Linux
              // refuses to remount read-only a file system with files open for
              // writing (only a kernel error remount does that, which a test
              // cannot cause). `--once` covers both.
              arguments: Fault.allCases.filter { $0 != .stateNoPermission && $0 != .stateReadOnly })
        func daemon(_ fault: Fault) async throws {
            guard fault.isAvailable else {
                print("note: \(fault) skipped (needs root, tmpfs and setpriv)")
                return
            }
            let scene = try FaultScene(fault)
            let scratch = scene.scratch
            let config = try scratch.writeConfig("[daemon]\ndebounce_ms = 20\nmax_delay_ms = 100\n")
            if fault.asNobody { try FaultRig.must(["chmod", "0644", config]) }
            _ = try scene.seed()
            let args = try scene.command(["--config", config] + scratch.flags)
            let daemon = try DaemonProcess(Array(args.dropFirst()), cwd: scratch.cwd, executable: args[0])
            defer { daemon.kill() }
            #expect(await daemon.log.wait(for: "ready", timeout: .seconds(20)), "no ready line\n\(daemon.log.tail())")
            let before = scene.snapshot()
            let announcedBefore = daemon.log.lines.count

            try scene.inject()
            var changed = try scene.grow()
            #expect(await daemon.log.wait(for: "run-failed", timeout: .seconds(10)), "the failure was not logged\n\(daemon.log.tail())")

            // More events while broken: new files, an edit, a deletion, a second burst.
            for wave in 1...3 {
                try await Task.sleep(for: .milliseconds(700))
                changed += try scene.grow(from: 100 * wave, publications: 1, jobs: 1)
            }
            try DaemonHarness.write(DaemonHarness.markdown(kind: "publication", id: "seed-0", title: "Seed paper 0, edited",
                                                           date: "2024-01-01T00:00:00Z", body: FaultRig.prose(0, size: 200)),
                                    to: scratch.source + "/publications/seed-0.md")
            try FileManager.default.removeItem(atPath: scratch.source + "/jobs/seed-job-1.md")
            try await Task.sleep(for: .seconds(2))
            #expect(daemon.isRunning, "the daemon died\n\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "run-failed").count == 1, "want one failure line, not one per retry or event:\n\(daemon.log.errors.map(\.raw).joined(separator: "\n"))")
            #expect(daemon.log.errors.count == 1, "\(daemon.log.errors.map(\.raw).joined(separator: "\n"))")
            let whileBroken = daemon.log.lines.dropFirst(announcedBefore)
            #expect(!whileBroken.contains { ["new", "updated", "removed"].contains($0.event ?? "") },
                    "announced what no feed shows:\n\(daemon.log.tail())")
            #expect(scene.snapshot() == before, "a feed changed although every run failed: \(zip(scene.snapshot(), before).map { $0 == $1 ? "same" : "changed" })")
            #expect(FaultRig.tempFiles(in: scratch.output).isEmpty, "temp files left: \(FaultRig.tempFiles(in: scratch.output))")

            // Mend, and wait for the retry (backoff at most 60 s) to notice.
            try scene.mend()
            #expect(await daemon.log.wait(for: "recovered", timeout: .seconds(75)), "no recovery\n\(daemon.log.tail())")
            let recovered = daemon.log.lines(event: "recovered").first
            let attempts = recovered?.fields["attempts"].flatMap { Int($0) } ?? 0
            #expect(attempts >= 2, "retried \(attempts) time(s): \(recovered?.raw ?? "")")
            await daemon.log.waitQuiet(.milliseconds(500), timeout: .seconds(10))

            // Every change made while broken is announced now; the feeds are what a fresh run makes.
            let announced = Set(daemon.log.lines.dropFirst(announcedBefore).filter { $0.event == "new" }.compactMap(\.source))
            #expect(Set(changed).subtracting(announced).isEmpty, "never announced: \(Set(changed).subtracting(announced).sorted())")
            #expect(daemon.log.lines(event: "updated").compactMap(\.source) == ["publications/seed-0.md"], "\(daemon.log.tail())")
            #expect(daemon.log.lines(event: "removed").compactMap(\.source) == ["jobs/seed-job-1.md"], "\(daemon.log.tail())")
            // What a fresh run shows, plus the deleted opening, marked closed (a fresh run never saw it
            // open; it also dates the edit by its file, where the daemon dates it by when it saw it).
            let ids = scene.feeds.map { DaemonFeedCheck.entryIDs(FileManager.default.contents(atPath: $0) ?? Data()) }
            let fresh = try await scene.freshFeeds().map { DaemonFeedCheck.entryIDs($0 ?? Data()) }
            #expect(ids[0] == fresh[0], "publications differ from a fresh --once")
            #expect(ids[1].filter { !$0.hasSuffix("/seed-job-1") } == fresh[1] && ids[1].count == fresh[1].count + 1,
                    "openings differ from a fresh --once plus the closed one")
            #expect(DaemonHarness.text(scratch.openings).contains("<title>Closed: Seed opening 1</title>"))
            #expect(FaultRig.tempFiles(in: scratch.output).isEmpty)
            #expect(daemon.log.lines(event: "run-failed").count == 1, "\(daemon.log.tail())")

            daemon.signal(SIGTERM)
            let exit = await daemon.waitForExit(timeout: .seconds(5))
            #expect(exit?.exited == true && exit?.status == 0, "exit \(String(describing: exit))\n\(daemon.log.tail())")
        }
    }
}
