#if canImport(Glibc)
import Glibc
#endif

/// Watches a directory tree with inotify and delivers debounced batches of
/// changed and removed files.
///
/// Every directory of the tree is watched (inotify is not recursive); new
/// subdirectories are watched as they appear, and files already inside them
/// are reported. Hidden files and directories (names starting with `.`) and
/// symbolic links below the root are ignored.
///
/// A file counts as changed when it is closed after writing (`IN_CLOSE_WRITE`)
/// or moved in (`IN_MOVED_TO`), never on creation alone, so a half-written
/// file is not reported before it is complete. Consequently a name that
/// appears without any write (a hard link, `mknod`, a symbolic link) is not
/// reported; the caller's periodic rescan catches it.
///
/// ```swift
/// let watcher = try DirectoryWatcher(root: "/srv/entries")
/// // Watches are in place now: scan, then apply batches.
/// for await batch in watcher.batches { … }
/// ```
///
/// A dedicated thread blocks in `poll(2)` on the inotify descriptor and a
/// wake-up pipe; it never spins and never blocks Swift's cooperative pool.
/// The stream is unbounded, but batches are debounced, so it stays short.
public final class DirectoryWatcher: Sendable {
    /// Timing of the watcher.
    public struct Configuration: Sendable, Equatable {
        /// Quiet time after the last change before a batch is delivered.
        public var debounce: Duration
        /// Longest wait after the first change of a burst.
        public var maxDelay: Duration
        /// How often to look for the root while it is gone.
        public var rootPollInterval: Duration

        public init(
            debounce: Duration = .milliseconds(250),
            maxDelay: Duration = .seconds(2),
            rootPollInterval: Duration = .milliseconds(500)
        ) {
            self.debounce = debounce
            self.maxDelay = maxDelay
            self.rootPollInterval = rootPollInterval
        }
    }

    /// The watched directory, as given (without a trailing `/`).
    public let root: String
    public let configuration: Configuration
    /// Batches in the order the changes happened; iterate it from one task
    /// only. Ends after ``stop()``, when
    /// the iterating task is cancelled, or if `poll(2)` fails (the last batch
    /// then asks for a rescan; fall back to periodic rescans).
    public let batches: AsyncStream<WatchBatch>

    private let wake: WakeSignal

    /// Starts watching `root`. When this returns, every directory of the tree
    /// is watched: scan the tree after this, not before, and no change falls
    /// between scan and watch.
    ///
    /// It lists every directory of the tree on the calling thread (a second or
    /// so for a million entries); from async code, that briefly holds one
    /// thread of the cooperative pool.
    ///
    /// - Throws: ``WatchError`` when inotify or the watcher's thread cannot be
    ///   set up (for example `EMFILE`: too many inotify instances). A missing
    ///   root is not an error: the first batch reports ``WatchReason/rootGone``.
    public convenience init(root: String, configuration: Configuration = Configuration()) throws(WatchError) {
        try self.init(root: root, configuration: configuration, beforeReading: nil)
    }

    /// - Parameter beforeReading: called on the watch thread before each read
    ///   of the inotify descriptor; tests block in it to overflow the queue.
    init(
        root: String,
        configuration: Configuration,
        beforeReading: (@Sendable () -> Void)?
    ) throws(WatchError) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.configuration = configuration

        let wake = try WakeSignal()
        self.wake = wake
        let (stream, continuation) = AsyncStream<WatchBatch>.makeStream(bufferingPolicy: .unbounded)
        self.batches = stream
        continuation.onTermination = { _ in wake.signal() }

        let loop = WatchLoop(
            root: trimmed, configuration: configuration, wake: wake,
            continuation: continuation, beforeReading: beforeReading)
        try loop.prepare()
        try Self.startThread(running: loop)
    }

    deinit {
        wake.signal()
    }

    /// Stops watching: the thread closes the inotify descriptor, delivers
    /// nothing more and ends ``batches`` within milliseconds. Returns at once;
    /// calling it again does nothing.
    public func stop() {
        wake.signal()
    }

    private static func startThread(running loop: WatchLoop) throws(WatchError) {
        let context = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let loop = Unmanaged<WatchLoop>.fromOpaque(context).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<WatchLoop>.fromOpaque(context).release()
            throw WatchError(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
