import Dispatch
import Foundation
import FeedConfig
import FeedModel
import FeedStore
import FeedWatch
import Logging
import Synchronization
import SystemdNotify
#if canImport(Glibc)
import Glibc
#endif

/// The long-running monitor: an initial scan, then inotify batches,
/// periodic safety-net rescans, SIGHUP reloads and a graceful SIGTERM, with
/// systemd told about each step.
///
/// Everything the daemon reacts to arrives as a `DaemonEvent` on one stream
/// and is handled in order, so a SIGTERM that arrives during a run is acted
/// on once that run's feeds are written.
public final class Daemon: Sendable {
    /// Reads the configuration again (SIGHUP); throws when it is invalid.
    public typealias ConfigSource = @Sendable () throws -> Configuration

    private let initial: Configuration
    private let reloadConfig: ConfigSource
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let log: LogSink

    public init(configuration: Configuration, reload: @escaping ConfigSource, log: LogSink,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.initial = configuration
        self.reloadConfig = reload
        self.log = log
        self.logger = log.logger()
        self.notifier = SystemdNotifier(environment: environment)
    }

    /// Why the daemon could not start.
    public enum StartError: Error, CustomStringConvertible {
        case state(String)
        case output(String)
        case watch(String)

        public var description: String {
            switch self {
            case let .state(m), let .output(m), let .watch(m): return m
            }
        }
    }

    enum DaemonEvent: Sendable {
        /// The watcher left batches in the mailbox (`BatchMailbox`).
        case batchesWaiting
        case watchEnded
        case signal(Int32)
        case rescanTimer
        case retryTimer
        /// The clock changes a feed now (an opening's closing date, a closed entry's window end).
        case deadline
    }

    /// Runs until SIGTERM or SIGINT; returns normally then (exit status 0).
    public func run() async throws(StartError) {
        // Children (none today) must not talk to systemd on our behalf.
        SystemdNotifier.unsetEnvironment()
        var config = initial
        let pipeline = PipelineThread(try makePipeline(config))

        let (events, sink) = AsyncStream<DaemonEvent>.makeStream(bufferingPolicy: .unbounded)
        // SIGTERM and SIGINT also raise a flag, so work queued before them is skipped, not done first.
        let stopRequested = Mutex(false)
        let signals = SignalSources(signals: [SIGHUP, SIGTERM, SIGINT]) { sig in
            if sig != SIGHUP { stopRequested.withLock { $0 = true } }
            sink.yield(.signal(sig))
        }
        let mailbox = BatchMailbox()
        defer { signals.cancel() }

        var watcher = try startWatcher(config, sink: sink, mailbox: mailbox)
        var watchLimited = false
        let timers = Timers(sink: sink)
        defer { timers.cancelAll() }
        let webSub = WebSubQueue(hubs: config.site.hubs, logger: logger)

        // The initial scan: everything on disk now; the watcher already queues what changes during it.
        let health = Health()
        var failures = FailureLog(logger: logger)
        if let report = await runPipeline(pipeline, scope: .full, repeatProblems: true, health: health, failures: &failures, timers: timers, webSub: webSub) {
            logger.info("watching \(config.source) (\(report.filesScanned) files); feeds in \(config.output)",
                        metadata: ["event": "ready", "files": .int(report.filesScanned)])
        } else {
            timers.scheduleRetry(after: failures.backoff)
        }
        notifier.ready(status: await status(pipeline, failures))
        // glibc keeps what a run freed in its arenas (after a 100,000-entry scan
        // ~80 MB with under 3 MB in use); hand it back once the run's report is gone.
        _ = malloc_trim(0)
        let watchdog = startWatchdog(health: health)
        defer { watchdog?.cancel() }
        timers.scheduleRescan(every: rescanInterval(config, watchLimited: watchLimited))

        loop: for await event in events {
            defer { _ = malloc_trim(0) }
            switch event {
            case .batchesWaiting:
                // Everything the watcher reported since the last take, merged into one run.
                guard let batch = mailbox.take() else { continue }
                if stopRequested.withLock({ $0 }) { continue }
                for reason in batch.reasons { log(reason) }
                if batch.reasons.contains(where: { if case .watchLimit = $0 { return true } else { return false } }), !watchLimited {
                    watchLimited = true
                    timers.scheduleRescan(every: rescanInterval(config, watchLimited: true))
                }
                if batch.reasons.contains(.rootGone) && !batch.needsRescan { continue }
                // While runs fail, changes wait for the retry timer: its full
                // rescan finds them, and a busy source tree cannot turn the
                // backoff into a retry per event.
                if failures.pending { continue }
                let scope: Pipeline.Scope = batch.needsRescan ? .full : .paths(changed: batch.changedPaths, removed: batch.removedPaths)
                if batch.isEmpty { continue }
                if await runPipeline(pipeline, scope: scope, repeatProblems: false, health: health, failures: &failures, timers: timers, webSub: webSub) == nil {
                    timers.scheduleRetry(after: failures.backoff)
                }
                notifier.status(await status(pipeline, failures))
            case .rescanTimer, .retryTimer:
                if stopRequested.withLock({ $0 }) { continue }
                if await runPipeline(pipeline, scope: .full, repeatProblems: false, health: health, failures: &failures, timers: timers, webSub: webSub) == nil {
                    timers.scheduleRetry(after: failures.backoff)
                }
                notifier.status(await status(pipeline, failures))
            case .deadline:
                // No file changed: the run only does the clock's work (and finds nothing else to read).
                if stopRequested.withLock({ $0 }) || failures.pending { continue }
                if await runPipeline(pipeline, scope: .paths(changed: [], removed: []), repeatProblems: false, health: health,
                                     failures: &failures, timers: timers, webSub: webSub) == nil {
                    timers.scheduleRetry(after: failures.backoff)
                }
                notifier.status(await status(pipeline, failures))
            case .watchEnded:
                logger.warning("the inotify watcher stopped; falling back to periodic rescans", metadata: ["event": "watch-ended"])
                watchLimited = true
                timers.scheduleRescan(every: rescanInterval(config, watchLimited: true))
            case SIGHUP:
                notifier.reloading()
                logger.info("SIGHUP: reloading the configuration", metadata: ["event": "reload"])
                do {
                    let fresh = try reloadConfig()
                    try AtomicFile.createOutputDirectory(fresh.output)
                    if fresh.stateDir != config.stateDir {
                        try await pipeline.replace { old throws(StartError) in
                            // The new state opens first: when it cannot, the old one goes on.
                            let new = try self.makePipeline(fresh)
                            old.close()
                            return new
                        }
                    } else {
                        await pipeline.perform { $0.settings = PipelineSettings(fresh) }
                    }
                    if fresh.source != config.source || fresh.daemon != config.daemon {
                        watcher.stop()
                        _ = mailbox.take()  // paths of the old tree; the full run below covers the new one
                        watcher = try startWatcher(fresh, sink: sink, mailbox: mailbox)
                    }
                    config = fresh
                    await webSub.setHubs(fresh.site.hubs)
                    timers.scheduleRescan(every: rescanInterval(config, watchLimited: watchLimited))
                    logger.info("configuration reloaded from \(config.file ?? "built-in defaults")", metadata: ["event": "reloaded"])
                    if await runPipeline(pipeline, scope: .full, repeatProblems: true, health: health, failures: &failures, timers: timers, webSub: webSub) == nil {
                        timers.scheduleRetry(after: failures.backoff)
                    }
                } catch let error as ConfigError {
                    logger.error("new configuration rejected, keeping the old one: \(error.fullDescription)",
                                 metadata: ["event": "reload-failed", "message": "\(error.fullDescription)"])
                } catch {
                    logger.error("reload failed, keeping the old configuration: \(error)",
                                 metadata: ["event": "reload-failed", "message": "\(error)"])
                }
                notifier.ready(status: await status(pipeline, failures))
            case SIGTERM, SIGINT:
                notifier.stopping()
                logger.info("\(event.signalName): stopping", metadata: ["event": "stopping"])
                break loop
            case .signal:
                continue
            }
        }
        watcher.stop()
    }

    // MARK: - Pieces

    private func makePipeline(_ config: Configuration) throws(StartError) -> Pipeline {
        do {
            try AtomicFile.createOutputDirectory(config.output)
        } catch {
            throw .output("cannot create output directory \(config.output): \(error.description)")
        }
        let store: StateStore
        do {
            store = try StateStore(directory: config.stateDir)
        } catch {
            throw .state(error.description)
        }
        return Pipeline(settings: PipelineSettings(config), store: store, log: log)
    }

    private func startWatcher(_ config: Configuration, sink: AsyncStream<DaemonEvent>.Continuation,
                              mailbox: BatchMailbox) throws(StartError) -> DirectoryWatcher {
        let watcher: DirectoryWatcher
        do {
            watcher = try DirectoryWatcher(root: config.source, configuration: .init(debounce: config.daemon.debounce, maxDelay: config.daemon.maxDelay))
        } catch {
            throw .watch("cannot watch \(config.source): \(error)")
        }
        Task {
            for await batch in watcher.batches where mailbox.put(batch) { sink.yield(.batchesWaiting) }
            sink.yield(.watchEnded)
        }
        return watcher
    }

    private func rescanInterval(_ config: Configuration, watchLimited: Bool) -> Duration {
        // Without inotify the rescan is all there is: make it frequent.
        watchLimited ? min(config.daemon.rescanInterval, .seconds(30)) : config.daemon.rescanInterval
    }

    /// Runs the pipeline on its thread and logs its outcome; nil when it
    /// failed. After a run that succeeded, the deadline timer is set for the
    /// next moment the clock changes a feed.
    private func runPipeline(_ pipeline: PipelineThread, scope: Pipeline.Scope, repeatProblems: Bool,
                             health: Health, failures: inout FailureLog, timers: Timers, webSub: WebSubQueue) async -> RunReport? {
        health.begin()
        defer { health.end() }
        let outcome = await pipeline.perform { p -> Result<RunReport, PipelineError> in
            do throws(PipelineError) {
                let report = try p.run(.init(dryRun: false, repeatKnownProblems: repeatProblems), scope: scope)
                if !report.events.isEmpty || !report.rejections.isEmpty || !report.closedUnseen.isEmpty || scope == .full && repeatProblems {
                    p.logSummary(report, dryRun: false)
                }
                return .success(report)
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case let .success(report):
            failures.succeeded()
            timers.scheduleDeadline(at: report.nextDeadline)
            let site = await pipeline.perform { $0.settings.site }
            await webSub.publish(WebSub.changedURLs(report, site: site))
            return report
        case let .failure(error):
            failures.failed(error)
            return nil
        }
    }

    private func status(_ pipeline: PipelineThread, _ failures: FailureLog) async -> String {
        if let failing = failures.status { return failing }
        return await pipeline.perform { p in
            guard let s = try? p.summary() else { return "running" }
            return "\(s.live[.publication] ?? 0) publications, \(s.live[.job] ?? 0) openings in \(p.settings.feeds.count) feeds; \(s.files) source files"
        }
    }

    private func log(_ reason: WatchReason) {
        switch reason {
        case let .rescan(why):
            logger.notice("full rescan: \(why)", metadata: ["event": "rescan", "message": "\(why)"])
        case .rootGone:
            logger.warning("the source directory is gone; the feeds stay as they are until it is back", metadata: ["event": "source-gone"])
        case let .watchLimit(message):
            logger.error("\(message); falling back to periodic rescans", metadata: ["event": "watch-limit", "message": "\(message)"])
        }
    }

    /// Sends WATCHDOG=1 at half of WATCHDOG_USEC, but only while the event
    /// loop is not stuck in one run for longer than the watchdog allows.
    private func startWatchdog(health: Health) -> Task<Void, Never>? {
        guard notifier.isEnabled, let interval = notifier.watchdogInterval else { return nil }
        let notifier = self.notifier
        return Task.detached {
            while !Task.isCancelled {
                if health.isResponsive(within: interval * 2) { notifier.watchdog() }
                try? await Task.sleep(for: interval)
            }
        }
    }
}

extension Daemon.DaemonEvent {
    static func ~= (signal: Int32, event: Daemon.DaemonEvent) -> Bool {
        if case let .signal(s) = event { return s == signal }
        return false
    }

    var signalName: String {
        guard case let .signal(s) = self else { return "" }
        switch s {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(s)"
        }
    }
}

/// Whether the event loop is making progress (for the watchdog).
final class Health: Sendable {
    private let busySince = Mutex<UInt64?>(nil)

    func begin() { busySince.withLock { $0 = DispatchTime.now().uptimeNanoseconds } }
    func end() { busySince.withLock { $0 = nil } }

    func isResponsive(within limit: Duration) -> Bool {
        guard let since = busySince.withLock({ $0 }) else { return true }
        let limitNanos = UInt64(limit.components.seconds) * 1_000_000_000 + UInt64(limit.components.attoseconds / 1_000_000_000)
        return DispatchTime.now().uptimeNanoseconds - since < limitNanos
    }
}

/// Logs a failing run once per episode (not once per retry, event or file)
/// and backs off: 1 s, 2 s, 4 s … 60 s; logs `recovered` when a run succeeds again.
///
/// An episode's failures often differ in detail: the feed that hit ENOSPC
/// first depends on which feed changed, SQLite names the statement that hit
/// the full disk. So only a different kind of failure (the source, the
/// output or the state) is logged again within an episode.
struct FailureLog {
    let logger: Logger
    private(set) var pending = false
    private var loggedKinds: Set<String> = []
    private var attempts = 0
    private var since: ContinuousClock.Instant?

    init(logger: Logger) { self.logger = logger }

    var backoff: Duration { .seconds(min(60, 1 << min(max(attempts, 1) - 1, 6))) }

    mutating func failed(_ error: PipelineError) {
        attempts += 1
        pending = true
        if since == nil { since = .now }
        if loggedKinds.insert(error.kind).inserted {
            logger.error("\(error.description); will retry with backoff (1 s doubling to 60 s), logging again only on recovery",
                         metadata: ["event": "run-failed", "message": "\(error.description)", "failure": "\(error.kind)"])
        }
    }

    mutating func succeeded() {
        if pending {
            let seconds = since.map { Int($0.duration(to: .now).components.seconds) } ?? 0
            logger.notice("recovered after \(attempts) failed attempt(s) over \(seconds) s",
                          metadata: ["event": "recovered", "attempts": .int(attempts), "seconds": .int(seconds)])
        }
        pending = false
        loggedKinds = []
        attempts = 0
        since = nil
    }

    /// For systemd's STATUS= line while runs fail.
    var status: String? { pending ? "failing (\(attempts) attempt(s)), retrying" : nil }
}

/// Watch batches the event loop has not taken yet, merged into one.
///
/// A run can take longer than the watcher's debounce (a big tree, a slow
/// disk, a failing disk's retries): forwarding each batch as its own event
/// would queue one run per batch and leave the daemon behind for as long as
/// the edits keep coming. Merged, the loop does one run for everything that
/// changed while it was busy. Merging is a union: the pipeline looks at each
/// changed path on disk, so a path both changed and removed is whatever the
/// disk now says.
final class BatchMailbox: Sendable {
    private let pending = Mutex<WatchBatch?>(nil)

    /// Adds `batch`; true when the loop must be told (nothing was waiting).
    func put(_ batch: WatchBatch) -> Bool {
        pending.withLock { waiting in
            guard var merged = waiting else {
                waiting = batch
                return true
            }
            merged.changedPaths.formUnion(batch.changedPaths)
            merged.removedPaths.formUnion(batch.removedPaths)
            merged.needsRescan = merged.needsRescan || batch.needsRescan
            for reason in batch.reasons where !merged.reasons.contains(reason) { merged.reasons.append(reason) }
            waiting = merged
            return false
        }
    }

    /// Everything waiting, or nil.
    func take() -> WatchBatch? {
        pending.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }
    }
}

/// Periodic rescan and retry timers feeding the event stream.
final class Timers: Sendable {
    private let sink: AsyncStream<Daemon.DaemonEvent>.Continuation
    private let rescan = Mutex<Task<Void, Never>?>(nil)
    private let retry = Mutex<Task<Void, Never>?>(nil)
    private let deadline = Mutex<Task<Void, Never>?>(nil)

    init(sink: AsyncStream<Daemon.DaemonEvent>.Continuation) { self.sink = sink }

    func scheduleRescan(every interval: Duration) {
        let sink = self.sink
        let task = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                sink.yield(.rescanTimer)
            }
        }
        rescan.withLock { $0?.cancel(); $0 = task }
    }

    func scheduleRetry(after delay: Duration) {
        let sink = self.sink
        let task = Task.detached {
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { sink.yield(.retryTimer) }
        }
        retry.withLock { $0?.cancel(); $0 = task }
    }

    /// Fires `.deadline` just after the wall clock reaches `time` (a
    /// Timestamp is whole seconds: the first instant at which it has passed);
    /// nil cancels it. Replaces the one set before.
    func scheduleDeadline(at time: Timestamp?) {
        let sink = self.sink
        let task = time.map { time in
            Task.detached {
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let nanos = (time.seconds - Int64(now.tv_sec)) * 1_000_000_000 - Int64(now.tv_nsec) + 5_000_000
                if nanos > 0 { try? await Task.sleep(for: .nanoseconds(nanos)) }
                if !Task.isCancelled { sink.yield(.deadline) }
            }
        }
        deadline.withLock { $0?.cancel(); $0 = task }
    }

    func cancelAll() {
        rescan.withLock { $0?.cancel() }
        retry.withLock { $0?.cancel() }
        deadline.withLock { $0?.cancel() }
    }
}

/// SIGHUP, SIGTERM and SIGINT delivered as values instead of interrupting the process.
///
/// `@unchecked`: the sources are set once in `init`, and Dispatch sources may be cancelled from any thread.
final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        var made: [any DispatchSourceSignal] = []
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}

extension PipelineSettings {
    /// The settings a configuration asks for.
    public init(_ config: Configuration) {
        self.init(source: config.source, output: config.output, site: config.site, feeds: config.feeds,
                  maxFileSize: config.limits.maxFileSize)
    }
}

/// glibc's `malloc_trim(3)` (declared in <malloc.h>, which Swift's Glibc module does not import):
/// returns freed heap memory to the kernel.
@_silgen_name("malloc_trim")
private func malloc_trim(_ pad: Int) -> Int32
