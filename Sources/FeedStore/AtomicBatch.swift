#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Output files replaced together, as nearly all-or-nothing as POSIX allows.
///
/// `stage` writes each file's new bytes to a temp file beside it (written in
/// full, fsync'd, 0644), and replaces nothing. Only `commit` renames the temp
/// files over their targets, then fsyncs each directory once. Every way a
/// disk says no — ENOSPC on a full file system, EROFS, EACCES, EIO — happens
/// while staging, before any file is replaced: the previous files then stay
/// byte for byte, and `discard` (or `deinit`) removes every temp file.
///
/// A rename that fails halfway through `commit` (it does not allocate space,
/// so in practice only a directory whose permission is taken away in that
/// instant) leaves the files renamed so far new; the caller rolls its state
/// back, so those files only show what the next run announces again.
///
/// Files may be staged from several threads at once (a run writes its files
/// on every core, as it renders them).
public final class AtomicBatch: Sendable {
    public let dryRun: Bool
    private let staged = Mutex(Staging())

    /// The temp files written, in order, and their targets (each staged once).
    private struct Staging {
        var files: [(temp: String, path: String)] = []
        var paths: Set<String> = []
    }

    public init(dryRun: Bool = false) {
        self.dryRun = dryRun
    }

    deinit { discard() }

    /// What `stage` did with a file, and the stamp the file has (the
    /// target's now when unchanged, once the batch commits when written; nil in a dry run).
    public struct Staged: Sendable, Equatable {
        public var outcome: AtomicFile.Outcome
        public var stamp: OutputStamp?
    }

    /// Stages `bytes` for `path`: `.unchanged` (nothing staged) when the file
    /// already holds exactly these bytes, so its mtime stays.
    ///
    /// - Throws: `FileWriteError`; nothing is left of this file's temp.
    @discardableResult
    public func stage(_ bytes: [UInt8], to path: String) throws(FileWriteError) -> Staged {
        if let stamp = AtomicFile.stampIfEqual(path, bytes) { return Staged(outcome: .unchanged, stamp: stamp) }
        if dryRun { return Staged(outcome: .written, stamp: nil) }
        // Staged twice (should not happen): the newer bytes, in the same temp file, win.
        let written: (temp: String, stamp: OutputStamp)
        do {
            written = try AtomicFile.writeTemp(bytes, for: path)
        } catch {
            staged.withLock { staging in
                if staging.paths.remove(path) != nil { staging.files.removeAll { $0.path == path } }
            }
            throw error
        }
        staged.withLock { staging in
            if staging.paths.insert(path).inserted { staging.files.append((written.temp, path)) }
        }
        return Staged(outcome: .written, stamp: written.stamp)
    }

    /// How many files wait for `commit`.
    public var count: Int { staged.withLock { $0.files.count } }

    /// Renames every staged file over its target, in the order staged, then
    /// fsyncs each directory involved.
    ///
    /// - Throws: `FileWriteError` for the first rename that fails; the temp
    ///   files not yet renamed are removed.
    public func commit() throws(FileWriteError) {
        var directories: [String] = []
        defer {
            for directory in directories { AtomicFile.syncDirectory(directory) }
        }
        let files = takeAll()
        for (n, (temp, path)) in files.enumerated() {
            if rename(temp, path) != 0 {
                let failure = FileWriteError(path: path, call: "rename", code: errno)
                for (temp, _) in files[n...] { unlink(temp) }
                throw failure
            }
            let directory = AtomicFile.directory(of: path)
            if !directories.contains(directory) { directories.append(directory) }
        }
    }

    /// Removes every staged temp file; the targets stay as they were.
    public func discard() {
        for (temp, _) in takeAll() { unlink(temp) }
    }

    /// Every staged file, in order; none is staged any more.
    private func takeAll() -> [(temp: String, path: String)] {
        staged.withLock { staging in
            defer { staging = Staging() }
            return staging.files
        }
    }
}
