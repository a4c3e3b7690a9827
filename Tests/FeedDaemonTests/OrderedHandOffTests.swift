import Foundation
import Testing
import Synchronization
@testable import FeedDaemon

/// `OrderedHandOff`: results come back in index order whatever order the
/// threads finish in, every index is worked once, and a consumer that throws
/// stops the hand-out and returns only after the threads are done.
struct OrderedHandOffTests {
    struct Stop: Error {}

    @Test(arguments: [0, 1, 64, 65, 1000, 5003])
    func resultsArriveInOrder(count: Int) throws {
        let calls = Atomic<Int>(0)
        var seen: [Int] = []
        try OrderedHandOff.run(count: count, threads: 3, work: { i in
            calls.add(1, ordering: .relaxed)
            // Uneven work, so later chunks often finish before earlier ones.
            if i % 97 == 0 { usleep(200) }
            return i * 2
        }, consume: { seen.append($0) })
        #expect(seen == (0..<count).map { $0 * 2 })
        #expect(calls.load(ordering: .relaxed) == count)
    }

    /// The workers run nicer than the consumer (see `workerNiceness`); the
    /// consumer's own thread keeps its priority.
    @Test func workersRunNicerThanTheConsumer() throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let mine = getpriority(which, 0)
        let workerNice = Mutex<Set<Int32>>([])
        try OrderedHandOff.run(count: 1000, threads: 2, work: { i in
            let n = getpriority(which, 0)
            workerNice.withLock { _ = $0.insert(n) }
            return i
        }, consume: { _ in })
        #expect(workerNice.withLock { $0 } == [min(19, mine + OrderedHandOff.workerNiceness)])
        #expect(getpriority(which, 0) == mine)
    }

    @Test func aThrowingConsumerStopsTheWorkAndJoinsTheThreads() {
        let calls = Atomic<Int>(0)
        let running = Atomic<Int>(0)
        var consumed = 0
        #expect(throws: Stop.self) {
            try OrderedHandOff.run(count: 100_000, threads: 2, work: { i in
                running.add(1, ordering: .relaxed)
                defer { running.subtract(1, ordering: .relaxed) }
                calls.add(1, ordering: .relaxed)
                usleep(20)
                return i
            }, consume: { i in
                consumed += 1
                if i == 300 { throw Stop() }
            })
        }
        #expect(consumed == 301)
        // Back from `run`: no work is still running, and the rest was never handed out.
        #expect(running.load(ordering: .relaxed) == 0)
        let done = calls.load(ordering: .relaxed)
        #expect(done < 100_000 / 2)
        usleep(50_000)
        #expect(calls.load(ordering: .relaxed) == done)
    }

    /// Each result made is released, and before `run` returns: consumed,
    /// or left over when the consumer throws (a run's outcomes hold whole
    /// files' records; none may outlive it).
    @Test(arguments: [false, true])
    func everyResultIsReleasedOnce(throwing: Bool) {
        final class Live: Sendable { let count = Atomic<Int>(0) }
        final class Counted: Sendable {
            let index: Int
            let live: Live
            init(_ index: Int, _ live: Live) { self.index = index; self.live = live; live.count.add(1, ordering: .relaxed) }
            deinit { live.count.subtract(1, ordering: .relaxed) }
        }
        let live = Live()
        let made = Atomic<Int>(0)
        var consumed = 0
        do {
            try OrderedHandOff.run(count: 10_000, threads: 2, work: { i in
                made.add(1, ordering: .relaxed)
                return Counted(i, live)
            }, consume: { (value: Counted) in
                #expect(value.index == consumed)
                consumed += 1
                if throwing && value.index == 2_500 { throw Stop() }
            })
        } catch {}
        #expect(consumed == (throwing ? 2_501 : 10_000))
        #expect(made.load(ordering: .relaxed) >= consumed)
        #expect(live.count.load(ordering: .relaxed) == 0)
    }
}
