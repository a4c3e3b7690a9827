#if canImport(Glibc)
import Glibc
#endif
import Syscall
import FeedModel

/// The watcher's state and its `poll(2)` loop, confined to one thread.
///
/// ``DirectoryWatcher`` builds it, lets ``prepare()`` add the first watches on
/// the caller's thread, then hands it to a dedicated thread that runs
/// ``run()`` and is its only user from then on.
final class WatchLoop {
    private let root: String
    private let configuration: DirectoryWatcher.Configuration
    private let wake: WakeSignal
    private let continuation: AsyncStream<WatchBatch>.Continuation
    /// Tests hold the loop here to let the kernel's queue overflow for real.
    private let beforeReading: (@Sendable () -> Void)?

    /// -1 while the root is gone.
    private var inotifyFD: Int32 = -1
    private var table = WatchTable()
    private var pending = PendingBatch()
    private var debouncer: Debouncer
    private var watchLimitReported = false
    /// When to look for the root again; `nil` while it is watched.
    private var nextRootCheck: ContinuousClock.Instant?
    /// Counts inotify descriptors opened, so that events read from a closed
    /// one are not applied to the next.
    private var generation = 0

    init(
        root: String,
        configuration: DirectoryWatcher.Configuration,
        wake: WakeSignal,
        continuation: AsyncStream<WatchBatch>.Continuation,
        beforeReading: (@Sendable () -> Void)? = nil
    ) {
        self.beforeReading = beforeReading
        self.root = root
        self.configuration = configuration
        self.wake = wake
        self.continuation = continuation
        self.debouncer = Debouncer(quiet: configuration.debounce, maxDelay: configuration.maxDelay)
    }

    deinit {
        closeInotify()
    }

    /// Opens inotify and watches the tree, so that nothing written after the
    /// watcher's initialiser returns is missed.
    ///
    /// A missing root is not an error: the first batch says ``WatchReason/rootGone``
    /// and the loop polls for it.
    func prepare() throws(WatchError) {
        inotifyFD = try Inotify.open().get()
        if !watchTree() {
            rootIsGone(at: .now)
        }
        if !pending.isEmpty {
            // The watch limit, or a directory that could not be watched.
            debouncer.noteChange(at: .now)
        }
    }

    /// Waits for events, the debounce deadline, the root check or the stop
    /// signal, whichever comes first, until stopped.
    func run() {
        defer {
            closeInotify()
            continuation.finish()
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: 64 * 1024, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }

        while true {
            let now = ContinuousClock.now
            if let due = debouncer.deadline, now >= due {
                guard deliver() else { return }
            }
            if let check = nextRootCheck, now >= check {
                lookForRoot(at: now)
            }

            var descriptors = [pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
            if inotifyFD >= 0 {
                descriptors.append(pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0))
            }
            let next = [debouncer.deadline, nextRootCheck].compactMap { $0 }.min()
            let timeout = Self.pollTimeout(until: next, now: .now)
            let ready = retryingEINTR { poll(&descriptors, nfds_t(descriptors.count), timeout) }
            if ready < 0 {
                pending.note(.rescan("watching stopped: poll failed: \(String(cString: strerror(errno)))"))
                _ = deliver()
                return
            }
            if descriptors[0].revents != 0 { return }
            if descriptors.count > 1 && descriptors[1].revents != 0 {
                beforeReading?()
                drain(into: buffer)
            }
        }
    }

    /// Milliseconds for `poll(2)` until `deadline`, rounded up so the loop
    /// never wakes just before it and spins; -1 (forever) without one.
    static func pollTimeout(until deadline: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Int32 {
        guard let deadline else { return -1 }
        let remaining = now.duration(to: deadline)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    // MARK: Reading events

    /// Reads until the queue is empty, or until a batch is due: a writer
    /// faster than us must not hold deliveries back past `maxDelay`.
    private func drain(into buffer: UnsafeMutableRawBufferPointer) {
        while inotifyFD >= 0 {
            if let due = debouncer.deadline, ContinuousClock.now >= due { return }
            let count = retryingEINTR { read(inotifyFD, buffer.baseAddress, buffer.count) }
            if count < 0 {
                switch errno {
                case EAGAIN: return
                default:
                    let message = String(cString: strerror(errno))
                    pending.note(.rescan("reading inotify events failed: \(message); watches rebuilt"))
                    debouncer.noteChange(at: .now)
                    rebuildWatches(at: .now)
                    return
                }
            }
            if count == 0 { return }
            let events = InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            let revision = pending.revision
            let readFrom = generation
            for event in events {
                handle(event)
                // The watches were rebuilt or the root went away: the rest of
                // this read is about descriptors that no longer exist.
                if generation != readFrom { break }
            }
            if pending.revision != revision {
                debouncer.noteChange(at: .now)
            }
        }
    }

    private func handle(_ event: InotifyEvent) {
        for action in table.actions(for: event) {
            switch action {
            case .created, .changed, .removed:
                pending.apply(action)
            case .rescan:
                // Lost events may include a new directory's IN_CREATE: without a
                // fresh walk it would stay unwatched.
                pending.apply(action)
                rebuildWatches(at: .now)
                return
            case .removedDirectory(let path):
                pending.apply(action)
                for wd in table.retireTree(at: path) {
                    Inotify.removeWatch(inotifyFD, wd)
                }
            case .watchNewDirectory(let path):
                watchDirectory(path, reportingFiles: true)
            case .forget(let wd):
                table.forget(wd)
            case .rootGone:
                rootIsGone(at: .now)
                return
            }
        }
    }

    // MARK: Watches

    /// Watches the root and every directory below it; `false` when the root
    /// is missing.
    ///
    /// A root that exists but cannot be watched (the watch limit, no
    /// permission) has been reported and counts as present: polling for it
    /// would not help, periodic rescans will.
    private func watchTree() -> Bool {
        table = WatchTable()
        watchDirectory("", reportingFiles: false)
        return table.directories.values.contains("") || DirectoryListing.isDirectory(root)
    }

    /// Adds the watch on `path` first and lists it second, so that a file
    /// created in between is seen by one or the other (`mkdir -p a/b && cp f a/b`).
    ///
    /// A file found by the listing may still be being written; its
    /// `IN_CLOSE_WRITE` then reports it again, later.
    private func watchDirectory(_ path: String, reportingFiles: Bool) {
        let absolute = absolutePath(path)
        let mask: InotifyMask = path.isEmpty ? .rootWatch : .subdirectoryWatch
        switch Inotify.addWatch(inotifyFD, path: absolute, mask: mask) {
        case .success(let wd):
            table.insert(wd, path: path)
        case .failure(let error) where error.errno == ENOSPC:
            reportWatchLimit(at: absolute)
            // Still list it: the files inside are new all the same.
        case .failure(let error) where error.errno == ENOENT || error.errno == ENOTDIR:
            // Gone again, or replaced by a file or a symbolic link.
            return
        case .failure(let error):
            pending.note(.rescan("cannot watch \(path.isEmpty ? root : path): \(error)"))
            return
        }

        guard let items = DirectoryListing.items(at: absolute) else { return }
        for item in items where !SourceRule.isHidden(item.name) {
            let child = path.isEmpty ? item.name : path + "/" + item.name
            if item.isDirectory {
                watchDirectory(child, reportingFiles: reportingFiles)
            } else if reportingFiles && item.isRegularFile && SourceRule.isSource(fileName: item.name) {
                pending.apply(.changed(child))
            }
        }
    }

    private func reportWatchLimit(at path: String) {
        guard !watchLimitReported else { return }
        watchLimitReported = true
        let current = Inotify.maxUserWatches().map { " (now \($0))" } ?? ""
        pending.note(.watchLimit(
            "inotify watch limit reached at \(path): raise fs.inotify.max_user_watches\(current), "
            + "e.g. `sysctl -w fs.inotify.max_user_watches=524288` and a file in /etc/sysctl.d/; "
            + "until then, changes in unwatched directories are only seen by periodic rescans"))
    }

    // MARK: The root

    private func rootIsGone(at now: ContinuousClock.Instant) {
        pending.note(.rootGone)
        debouncer.noteChange(at: now)
        closeInotify()
        table = WatchTable()
        // Look at once: a directory swapped into place is usually back already.
        nextRootCheck = now
    }

    /// Starts over on a fresh inotify descriptor with a full walk, once the
    /// queue or the table can no longer be trusted. Installed before the
    /// batch asking for a rescan goes out, so that the caller's rescan and the
    /// new watches leave no gap.
    private func rebuildWatches(at now: ContinuousClock.Instant) {
        closeInotify()
        table = WatchTable()
        switch Inotify.open() {
        case .success(let fd):
            inotifyFD = fd
            generation += 1
            if !watchTree() { rootIsGone(at: now) }
        case .failure(let error):
            pending.note(.rescan("cannot rebuild the watches: \(error); retrying"))
            nextRootCheck = now + configuration.rootPollInterval
        }
    }

    private func lookForRoot(at now: ContinuousClock.Instant) {
        nextRootCheck = now + configuration.rootPollInterval
        guard DirectoryListing.isDirectory(root) else { return }
        guard case .success(let fd) = Inotify.open() else { return }
        inotifyFD = fd
        generation += 1
        guard watchTree() else {
            closeInotify()
            return
        }
        nextRootCheck = nil
        pending.note(.rescan("the watched directory \(root) is back and watched again"))
        debouncer.noteChange(at: now)
    }

    private func closeInotify() {
        if inotifyFD >= 0 {
            close(inotifyFD)
            inotifyFD = -1
            generation += 1
        }
    }

    // MARK: Delivery

    /// Sends the pending batch, if it holds anything; `false` when nobody
    /// listens any more.
    private func deliver() -> Bool {
        defer {
            pending = PendingBatch()
            debouncer.reset()
        }
        // A new hard link to a file is a change of that name (the file itself was written earlier).
        for path in pending.createdOnly {
            var st = stat()
            if lstat(absolutePath(path), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink > 1 {
                pending.apply(.changed(path))
            }
        }
        guard !pending.isEmpty else { return true }
        if case .terminated = continuation.yield(pending.batch) { return false }
        return true
    }

    private func absolutePath(_ path: String) -> String {
        if path.isEmpty { return root }
        return root == "/" ? "/" + path : root + "/" + path
    }
}
