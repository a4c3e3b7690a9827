import Foundation
import Testing
import Synchronization
@testable import FeedDaemon

/// `OrderedWork`: results come back in index order whatever order the
/// threads finish in, every index is worked once, and a consumer that throws
/// stops the hand-out and returns only after the threads are done.
struct OrderedWorkTests {
    struct Stop: Error {}

    @Test(arguments: [0, 1, 64, 65, 1000, 5003])
    func resultsArriveInOrder(count: Int) throws {
        let calls = Atomic<Int>(0)
        var seen: [Int] = []
        try OrderedWork.run(count: count, threads: 3, work: { i in
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
        try OrderedWork.run(count: 1000, threads: 2, work: { i in
            let n = getpriority(which, 0)
            workerNice.withLock { _ = $0.insert(n) }
            return i
        }, consume: { _ in })
        #expect(workerNice.withLock { $0 } == [min(19, mine + OrderedWork.workerNiceness)])
        #expect(getpriority(which, 0) == mine)
    }

    @Test func aThrowingConsumerStopsTheWorkAndJoinsTheThreads() {
        let calls = Atomic<Int>(0)
        let running = Atomic<Int>(0)
        var consumed = 0
        #expect(throws: Stop.self) {
            try OrderedWork.run(count: 100_000, threads: 2, work: { i in
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

    /// Results live in memory handed between the threads by hand (a worker
    /// makes a chunk, the consumer borrows it, the worker frees it): each one
    /// made is released exactly once, and before `run` returns — consumed,
    /// or left over when the consumer throws.
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
            try OrderedWork.run(count: 10_000, threads: 2, work: { i in
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

/// The run's list of changed files is sorted on two cores: the order must be `sorted()`'s.
struct TwoCoreSortTests {
    @Test(arguments: [0, 1, 2, 3, 1000, 20_001])
    func sameOrderAsSorted(count: Int) {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab/-._zé0") + ["\u{301}"]
        let paths = (0..<count).map { i in
            String((0..<Int.random(in: 1...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) + "-\(i)"
        }
        #expect(sortedOnTwoCores(paths, threshold: 2) == paths.sorted())
        #expect(sortedOnTwoCores(paths) == paths.sorted())
    }

    /// ASCII paths sorted by their bytes: long shared prefixes (past the 24
    /// bytes packed into words), one path a prefix of another, every
    /// printable byte, dashes and dots before letters.
    @Test(arguments: [0, 1, 2, 500, 20_001])
    func asciiPathsSortAsStrings(count: Int) throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab/-._~Z09 !")
        let prefixes = ["", "2024-01-01-job-00", "publications/2024/very-long-shared-prefix-", "a"]
        var paths = Set<String>()
        while paths.count < count {
            let tail = String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            paths.insert(prefixes.randomElement(using: &rng)! + tail + (Bool.random(using: &rng) ? ".md" : ""))
        }
        let list = Array(paths)
        #expect(try #require(sortedASCII(list)) == list.sorted())
        #expect(sortedASCII(list + ["é.md"]) == nil)
        #expect(sortedASCII(["é.md"] + list) == nil)  // in either half
        let printable = (0x20...0x7E).map { String(UnicodeScalar(UInt8($0))) }.shuffled()
        #expect(try #require(sortedASCII(printable)) == printable.sorted())
    }
}
