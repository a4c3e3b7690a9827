import Foundation
import Logging
import Synchronization

/// Fixed slots filled by parallel workers, read once they are done.
final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[T?]>

    init(count: Int) { slots = Mutex([T?](repeating: nil, count: count)) }

    func set(_ index: Int, _ value: T) { slots.withLock { $0[index] = value } }

    func values() -> [T] { slots.withLock { $0.compactMap { $0 } } }
}

/// Hands out work indices to parallel workers.
final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Returns the value before the increment.
    func increment() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Logs "parsed N of M files" every few seconds on long scans, so a cold
/// start on a big tree does not look hung.
final class Progress: Sendable {
    private let total: Int
    private let logger: Logger
    private let done = Atomic<Int>(0)
    private let lastReport: Mutex<UInt64>
    private let interval: UInt64 = 2_000_000_000

    init(total: Int, logger: Logger) {
        self.total = total
        self.logger = logger
        lastReport = Mutex(DispatchTime.now().uptimeNanoseconds)
    }

    func tick() {
        let count = done.add(1, ordering: .relaxed).newValue
        // The clock is read every 256 files, not per file (a lock and a clock read each, on every parse thread).
        guard count & 255 == 0, count < total else { return }
        let report: Bool = lastReport.withLock { last in
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - last >= interval else { return false }
            last = now
            return true
        }
        if report {
            logger.info("parsed \(count) of \(total) changed files…", metadata: ["event": "progress", "done": "\(count)", "total": "\(total)"])
        }
    }
}

/// Debug lines with the wall time of each phase of a run (`--log-level debug`):
/// where a slow run spends its time, without a profiler.
struct PhaseClock {
    private let logger: Logger
    private var last = DispatchTime.now().uptimeNanoseconds

    init(logger: Logger) { self.logger = logger }

    mutating func lap(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let ms = Double(now - last) / 1e6
        last = now
        if getenv("FEEDD_PHASES") != nil { FileHandle.standardError.write(Data("phase \(phase): \(String(format: "%.1f", ms)) ms\n".utf8)) }
        logger.debug("phase \(phase): \(String(format: "%.1f", ms)) ms", metadata: ["event": "phase", "phase": "\(phase)"])
    }
}

/// Work done on background threads and consumed in order on the caller's
/// thread while later work is still running: the parse of a run feeds its
/// diff and state writes as it goes.
enum OrderedWork {
    /// Files per hand-out: small enough that the consumer is never far
    /// behind, large enough that the hand-outs cost nothing.
    static let chunk = 64

    /// How much nicer than the consumer the workers run. With as many
    /// workers as cores, the consumer shares a core with one of them; at
    /// equal priority it got half that core, fell behind, and worked off its
    /// backlog alone after the workers were done (a first run of 100,000
    /// files: ~0.2 s with the other core idle). Nicer workers leave it what
    /// it needs to keep up, and take the rest.
    static let workerNiceness: Int32 = 10

    /// Raises this thread's nice value (Linux keeps one per thread) by
    /// `amount`, up to 19. Lowering a priority needs no privilege; a failure
    /// only leaves the thread as it was.
    static func lowerPriority(by amount: Int32) {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        guard errno == 0 else { return }
        _ = setpriority(which, 0, min(19, current + amount))
    }

    /// Runs `work(i)` for every `i` in `0..<count` on `threads` threads and
    /// calls `consume` with the results in index order, on this thread.
    /// When `consume` throws, no new work starts; the threads are joined
    /// before the error is rethrown. A count of one chunk or less runs here.
    static func run<T: Sendable>(count: Int, threads: Int, work: @escaping @Sendable (Int) -> T,
                                 consume: (T) throws -> Void) throws {
        guard count > chunk, threads > 0 else {
            for i in 0..<count { try consume(work(i)) }
            return
        }
        let chunks = (count + chunk - 1) / chunk
        let workers = min(threads, chunks)
        let board = ChunkBoard<T>(chunks: chunks, workers: workers)
        let next = AtomicCounter()
        let finished = DispatchGroup()
        for worker in 0..<workers {
            finished.enter()
            // Threads of their own: the caller may itself be one of
            // Dispatch's (cooperative) workers, which are as many as cores.
            let thread = Thread {
                defer { finished.leave() }
                lowerPriority(by: workerNiceness)
                while !board.isCancelled {
                    // What this thread made and the consumer is done with is freed
                    // here: by the thread that allocated it, without a lock on its arena.
                    board.freeSpent(by: worker)
                    let c = next.increment()
                    if c >= chunks { return }
                    let lo = c * chunk, hi = min(count, (c + 1) * chunk)
                    let results = UnsafeMutablePointer<T>.allocate(capacity: hi - lo)
                    for i in lo..<hi { (results + (i - lo)).initialize(to: work(i)) }
                    board.post(c, Results(base: results, count: hi - lo, worker: worker))
                }
            }
            thread.start()
        }
        defer {
            board.cancel()
            finished.wait()
            // The last chunks (or, after a throw, all not consumed) are freed
            // here, before `run` returns: a worker's thread may hold the board
            // for a while after it is done.
            board.freeRest()
        }
        for c in 0..<chunks {
            let results = board.take(c)
            defer { board.spend(results) }
            // Each result is moved out, lent, and moved back, then the chunk
            // is given back whole. Lent from an array (by for-in or subscript)
            // or a pointer's element, it was copied first: a retain and a
            // release of all it holds.
            for i in 0..<results.count {
                let value = (results.base + i).move()
                let consumed = Result { try consume(value) }
                (results.base + i).initialize(to: consume value)
                try consumed.get()
            }
        }
    }
}

/// One chunk's results, initialized memory owned by whoever holds it: the
/// worker that made them, the board, the consumer, the board again, and the
/// same worker, which frees it.
private struct Results<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    let count: Int
    let worker: Int

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// The chunks of an `OrderedWork` run: finished ones, each handed over
/// once, and spent ones, waiting for the worker that made them.
private final class ChunkBoard<T: Sendable>: Sendable {
    private let slots: Mutex<[Results<T>?]>
    private let ready: [DispatchSemaphore]
    private let spent: Mutex<[[Results<T>]]>
    private let cancelled = Atomic<Bool>(false)

    init(chunks: Int, workers: Int) {
        slots = Mutex([Results<T>?](repeating: nil, count: chunks))
        ready = (0..<chunks).map { _ in DispatchSemaphore(value: 0) }
        spent = Mutex([[Results<T>]](repeating: [], count: workers))
    }

    /// Frees what no worker did: chunks posted and never taken (after a
    /// throw), and spent ones. Call once the workers are done.
    func freeRest() {
        slots.withLock { slots in
            for case let results? in slots { results.free() }
            slots = []
        }
        spent.withLock { spent in
            for list in spent { for results in list { results.free() } }
            spent = []
        }
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func post(_ chunk: Int, _ results: Results<T>) {
        slots.withLock { $0[chunk] = results }
        ready[chunk].signal()
    }

    /// Waits for the chunk, then takes it out.
    func take(_ chunk: Int) -> Results<T> {
        ready[chunk].wait()
        return slots.withLock { slots in
            defer { slots[chunk] = nil }
            return slots[chunk]!
        }
    }

    /// A consumed chunk, back for its worker to free.
    func spend(_ results: Results<T>) {
        spent.withLock { $0[results.worker].append(results) }
    }

    func freeSpent(by worker: Int) {
        let mine = spent.withLock { spent in
            defer { spent[worker] = [] }
            return spent[worker]
        }
        for results in mine { results.free() }
    }
}

/// One piece of work on a thread of its own, waited for once.
final class Background<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
        let thread = Thread { [self] in
            value = work()
            done.signal()
        }
        thread.start()
    }

    /// Blocks until the work is done; call once.
    func wait() -> T {
        done.wait()
        return value!
    }
}

/// `paths.sorted()`, on two cores when there are many: the upper half is
/// sorted on a thread of its own while this one sorts the lower, then the
/// two are merged. The same order as `sorted()` (paths are distinct).
/// ASCII paths, the usual case, are sorted by their bytes instead
/// (`sortedASCII`).
func sortedOnTwoCores(_ paths: [String], threshold: Int = 20_000) -> [String] {
    if paths.count >= threshold, let ascii = sortedASCII(paths) { return ascii }
    guard paths.count >= threshold, ProcessInfo.processInfo.activeProcessorCount > 1 else { return paths.sorted() }
    let middle = paths.count / 2
    let upperHalf = Array(paths[middle...])
    let upper = Background { upperHalf.sorted() }
    let low = paths[..<middle].sorted()
    return merged(low, upper.wait(), by: <)
}

/// Two sorted arrays as one (of equal elements, `low`'s first).
func merged<T>(_ low: [T], _ high: [T], by before: (T, T) -> Bool) -> [T] {
    var out: [T] = []
    out.reserveCapacity(low.count + high.count)
    var i = 0, j = 0
    while i < low.count && j < high.count {
        if before(high[j], low[i]) {
            out.append(high[j])
            j += 1
        } else {
            out.append(low[i])
            i += 1
        }
    }
    out += low[i...]
    out += high[j...]
    return out
}

/// `paths.sorted()` when every path is ASCII (nil otherwise), where a
/// String's order is its bytes' order: sorted by their first 24 bytes packed
/// into three big-endian words (zeros past a shorter path's end, as no path
/// holds a NUL), the whole strings compared only when those are equal; each
/// half on a core of its own, then merged. On 100,000 paths named by date the
/// phase that sorts them took 32 ms on one core instead of 43 with strings
/// compared on two.
func sortedASCII(_ paths: [String]) -> [String]? {
    typealias Key = (UInt64, UInt64, UInt64, Int32)
    @Sendable func before(_ a: Key, _ b: Key) -> Bool {
        if a.0 != b.0 { return a.0 < b.0 }
        if a.1 != b.1 { return a.1 < b.1 }
        if a.2 != b.2 { return a.2 < b.2 }
        return paths[Int(a.3)] < paths[Int(b.3)]
    }
    /// The sorted keys of `paths[range]`; nil when one is not ASCII.
    @Sendable func sortedKeys(_ range: Range<Int>) -> [Key]? {
        var keys: [Key] = []
        keys.reserveCapacity(range.count)
        for index in range {
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let ascii = paths[index].utf8.withContiguousStorageIfAvailable { b -> Bool in
                withUnsafeMutableBytes(of: &words) { w in
                    for (i, c) in b.enumerated() {
                        if c >= 0x80 { return false }
                        if i < 24 { w[(i / 8) * 8 + 7 - i % 8] = c }  // big-endian within each word
                    }
                    return true
                }
            }
            guard ascii == true else { return nil }
            keys.append((words.0, words.1, words.2, Int32(index)))
        }
        keys.sort(by: before)
        return keys
    }
    guard paths.count >= 1_000, ProcessInfo.processInfo.activeProcessorCount > 1 else {
        return sortedKeys(0..<paths.count)?.map { paths[Int($0.3)] }
    }
    // Each half's keys made and sorted on a core of its own, then merged:
    // on one core this was the only work of the run for ~25 ms.
    let middle = paths.count / 2
    let upper = Background { sortedKeys(middle..<paths.count) }
    let low = sortedKeys(0..<middle)
    guard let high = upper.wait(), let low else { return nil }
    return merged(low, high, by: before).map { paths[Int($0.3)] }
}
