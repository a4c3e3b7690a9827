import Foundation
import Glibc
import Synchronization
@testable import FeedWatch

/// A fresh directory under /tmp, removed when the value goes away.
final class TemporaryTree {
    let root: String

    init() throws {
        var template = Array("/tmp/feedd-watch-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        root = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes with open/write/close, so the watcher sees one IN_CLOSE_WRITE.
    func write(_ relative: String, _ text: String = "entry\n") {
        let fd = open(path(relative), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "open \(relative): \(errno)")
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    func rename(_ from: String, _ to: String) {
        precondition(Glibc.rename(path(from), path(to)) == 0, "rename \(from): \(errno)")
    }

    func remove(_ relative: String) {
        precondition(unlink(path(relative)) == 0, "unlink \(relative): \(errno)")
    }

    func makeDirectories(_ relative: String) {
        precondition((try? FileManager.default.createDirectory(
            atPath: path(relative), withIntermediateDirectories: true)) != nil)
    }

    func removeTree(_ relative: String) {
        precondition((try? FileManager.default.removeItem(atPath: path(relative))) != nil)
    }
}

/// Runs a watcher and records every batch it delivers, so tests can wait for
/// what they expect with a deadline instead of hanging on the stream.
final class BatchRecorder: Sendable {
    let watcher: DirectoryWatcher
    private let state: RecordedState

    private final class RecordedState: Sendable {
        let batches = Mutex<[WatchBatch]>([])
        let ended = Mutex(false)
    }

    init(root: String, debounce: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2),
         rootPollInterval: Duration = .milliseconds(100),
         beforeReading: (@Sendable () -> Void)? = nil) throws {
        watcher = try DirectoryWatcher(root: root, configuration: .init(
            debounce: debounce, maxDelay: maxDelay, rootPollInterval: rootPollInterval),
            beforeReading: beforeReading)
        let state = RecordedState()
        self.state = state
        let stream = watcher.batches
        Task.detached {
            for await batch in stream {
                state.batches.withLock { $0.append(batch) }
            }
            state.ended.withLock { $0 = true }
        }
    }

    deinit {
        watcher.stop()
    }

    var batches: [WatchBatch] { state.batches.withLock { $0 } }
    var hasEnded: Bool { state.ended.withLock { $0 } }

    /// Everything delivered so far, folded the way a caller applies batches.
    var changed: Set<String> { batches.reduce(into: []) { $0.formUnion($1.changedPaths) } }
    var removed: Set<String> { batches.reduce(into: []) { $0.formUnion($1.removedPaths) } }
    var reasons: [WatchReason] { batches.flatMap(\.reasons) }

    /// Waits until `condition` holds, at most `timeout`; returns whether it did.
    @discardableResult
    func wait(timeout: Duration = .seconds(15), until condition: (BatchRecorder) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    /// Lets a debounce period or two pass, for asserting that nothing more comes.
    func settle(_ duration: Duration = .milliseconds(300)) async {
        try? await Task.sleep(for: duration)
    }
}

/// The bytes `read(2)` returns for one `struct inotify_event`.
func inotifyRecord(wd: Int32, mask: UInt32, cookie: UInt32 = 0, name: String = "") -> [UInt8] {
    var nameBytes = Array(name.utf8)
    if !nameBytes.isEmpty {
        // The kernel pads the name with NULs to a multiple of the header's alignment.
        let padded = (nameBytes.count + 1 + 15) / 16 * 16
        nameBytes += [UInt8](repeating: 0, count: padded - nameBytes.count)
    }
    var bytes: [UInt8] = []
    withUnsafeBytes(of: wd) { bytes += $0 }
    withUnsafeBytes(of: mask) { bytes += $0 }
    withUnsafeBytes(of: cookie) { bytes += $0 }
    withUnsafeBytes(of: UInt32(nameBytes.count)) { bytes += $0 }
    return bytes + nameBytes
}
