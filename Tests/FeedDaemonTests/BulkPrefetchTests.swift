import Foundation
import Testing

extension DaemonProcessTests {
    /// A first run of many files renders the entries its feeds will most
    /// likely show while the state builds its indexes (`NewestEntries`).
    @Suite struct BulkPrefetch {
        @Test("A first run of 1,500 files renders the newest 100 entries ahead, and writes the feeds that two smaller runs of the same files write")
        func prefetchedItemsAreWhatTheFeedsShow() async throws {
            let bulk = try DaemonScratch()
            try Burst.write(0..<1500, into: bulk.source)
            let first = try #require(try await DaemonProcess.runToExit(["--once", "--log-level", "debug"] + bulk.flags,
                                                                        cwd: bulk.cwd, timeout: .seconds(120)))
            #expect(first.status == 0, "\(first.log.tail())")
            // Fifty publications and fifty openings, each rendered before the feeds were.
            #expect(first.log.lines(event: "prefetch").map { $0.fields["rendered"] } == ["100"], "\(first.log.tail())")

            // The same files in two runs of fewer than 1,000: no bulk load, nothing rendered ahead.
            let steps = try DaemonScratch()
            try Burst.write(0..<900, into: steps.source)
            for range in [0..<900, 900..<1500] {
                if range.lowerBound > 0 { try Burst.write(range, into: steps.source) }
                let run = try #require(try await DaemonProcess.runToExit(["--once", "--log-level", "debug"] + steps.flags,
                                                                          cwd: steps.cwd, timeout: .seconds(120)))
                #expect(run.status == 0, "\(run.log.tail())")
                #expect(run.log.lines(event: "prefetch").isEmpty)
            }
            for name in ["publications.atom", "openings.atom"] {
                let a = try #require(DaemonHarness.read(bulk.output + "/" + name))
                #expect(DaemonFeedCheck.entryIDs(a).count == 50)
                #expect(a == DaemonHarness.read(steps.output + "/" + name), "\(name): the bulk run's differs from the two smaller runs'")
            }
        }
    }
}
