import Foundation
import Synchronization

/// Work done on threads of their own and consumed in order on the caller's
/// thread while later work is still running: a run's parse feeds its diff
/// and state writes as it goes.
enum OrderedHandOff {
    /// Items per hand-out: small enough that the consumer is never far
    /// behind, large enough that the hand-outs cost nothing.
    static let chunk = 64

    /// How much nicer than the consumer the workers run. With as many
    /// workers as cores the consumer shares a core with one of them; at
    /// equal priority it fell behind and worked off its backlog alone at the
    /// end, the other core idle (bench/README.md has the measurement).
    static let workerNiceness: Int32 = 10

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
        let board = Board<T>(chunks: chunks)
        let finished = DispatchGroup()
        for _ in 0..<min(threads, chunks) {
            finished.enter()
            // Threads of their own (not Dispatch's): their priority is lowered for good.
            Thread {
                defer { finished.leave() }
                lowerPriority(by: workerNiceness)
                while let c = board.nextChunk() {
                    board.post(c, (c * chunk..<min(count, (c + 1) * chunk)).map(work))
                }
            }.start()
        }
        defer {
            board.cancel()
            finished.wait()
            // What was posted and not consumed (after a throw) goes now, not
            // when the last worker's Thread object happens to be released.
            board.clear()
        }
        for c in 0..<chunks {
            for result in board.take(c) { try consume(result) }
        }
    }

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
}

/// The chunks of an `OrderedHandOff` run: handed out to workers in order,
/// posted when done, and taken once each by the consumer.
private final class Board<T: Sendable>: Sendable {
    private let slots: Mutex<[[T]?]>
    private let ready: [DispatchSemaphore]
    private let next = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)

    init(chunks: Int) {
        slots = Mutex([[T]?](repeating: nil, count: chunks))
        ready = (0..<chunks).map { _ in DispatchSemaphore(value: 0) }
    }

    /// The next chunk to work on; nil when all are taken or the run was cancelled.
    func nextChunk() -> Int? {
        guard !cancelled.load(ordering: .relaxed) else { return nil }
        let c = next.add(1, ordering: .relaxed).oldValue
        return c < ready.count ? c : nil
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func post(_ chunk: Int, _ results: [T]) {
        slots.withLock { $0[chunk] = results }
        ready[chunk].signal()
    }

    /// Drops every chunk still posted.
    func clear() {
        slots.withLock { slots in
            for i in slots.indices { slots[i] = nil }
        }
    }

    /// Waits for the chunk, then takes it out.
    func take(_ chunk: Int) -> [T] {
        ready[chunk].wait()
        return slots.withLock { slots in
            let results = slots[chunk] ?? []
            slots[chunk] = nil
            return results
        }
    }
}

/// One piece of work on another thread, waited for once.
final class Background<T: Sendable>: @unchecked Sendable {
    // Written once by the work's thread before `done` is signalled; read after the wait.
    private var value: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async { [self] in
            value = work()
            done.signal()
        }
    }

    /// Blocks until the work is done; call once.
    func wait() -> T? {
        done.wait()
        return value
    }
}
