import Glibc
import Testing
@testable import FeedWatch

/// The event → batch logic, fed with synthetic `inotify_event` records.
@Suite("inotify events become batches")
struct EventInterpretationTests {
    /// A table with the root as wd 1 and `jobs` as wd 2.
    var table: WatchTable {
        var table = WatchTable()
        table.insert(1, path: "")
        table.insert(2, path: "jobs")
        table.insert(3, path: "jobs/eu")
        return table
    }

    /// Runs raw records through parse → actions → pending batch.
    func batch(from records: [[UInt8]], table: WatchTable? = nil) -> WatchBatch {
        let table = table ?? self.table
        let bytes = records.flatMap { $0 }
        let events = bytes.withUnsafeBytes { InotifyEvent.parse($0) }
        var pending = PendingBatch()
        for event in events {
            for action in table.actions(for: event) { pending.apply(action) }
        }
        return pending.batch
    }

    @Test func maskValuesMatchTheSystemHeaders() {
        #expect(InotifyMask.closeWrite.rawValue == UInt32(IN_CLOSE_WRITE))
        #expect(InotifyMask.movedFrom.rawValue == UInt32(IN_MOVED_FROM))
        #expect(InotifyMask.movedTo.rawValue == UInt32(IN_MOVED_TO))
        #expect(InotifyMask.create.rawValue == UInt32(IN_CREATE))
        #expect(InotifyMask.delete.rawValue == UInt32(IN_DELETE))
        #expect(InotifyMask.deleteSelf.rawValue == UInt32(IN_DELETE_SELF))
        #expect(InotifyMask.moveSelf.rawValue == UInt32(IN_MOVE_SELF))
        #expect(InotifyMask.unmount.rawValue == UInt32(IN_UNMOUNT))
        #expect(InotifyMask.queueOverflow.rawValue == UInt32(IN_Q_OVERFLOW))
        #expect(InotifyMask.ignored.rawValue == UInt32(IN_IGNORED))
        #expect(InotifyMask.onlyDirectory.rawValue == UInt32(IN_ONLYDIR))
        #expect(InotifyMask.dontFollow.rawValue == UInt32(IN_DONT_FOLLOW))
        #expect(InotifyMask.excludeUnlinked.rawValue == UInt32(IN_EXCL_UNLINK))
        #expect(InotifyMask.isDirectory.rawValue == UInt32(IN_ISDIR))
        #expect(MemoryLayout<inotify_event>.size == InotifyEvent.headerSize)
    }

    @Test func parsesConsecutiveRecordsWithPaddedNames() {
        let bytes = inotifyRecord(wd: 1, mask: 0x8, name: "a.md")
            + inotifyRecord(wd: 2, mask: 0x80, cookie: 7, name: "a-much-longer-file-name.json")
            + inotifyRecord(wd: -1, mask: 0x4000)
        let events = bytes.withUnsafeBytes { InotifyEvent.parse($0) }
        #expect(events == [
            InotifyEvent(wd: 1, mask: .closeWrite, name: "a.md"),
            InotifyEvent(wd: 2, mask: .movedTo, cookie: 7, name: "a-much-longer-file-name.json"),
            InotifyEvent(wd: -1, mask: .queueOverflow),
        ])
    }

    @Test func aTruncatedRecordIsDropped() {
        let bytes = inotifyRecord(wd: 1, mask: 0x8, name: "a.md") + Array(inotifyRecord(wd: 1, mask: 0x8, name: "b.md").prefix(20))
        let events = bytes.withUnsafeBytes { InotifyEvent.parse($0) }
        #expect(events.map(\.name) == ["a.md"])
    }

    @Test func queueOverflowAsksForARescan() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "a.md"),
            inotifyRecord(wd: -1, mask: UInt32(IN_Q_OVERFLOW)),
        ])
        #expect(result.needsRescan)
        #expect(result.changedPaths == ["a.md"])
        guard case .rescan(let why)? = result.reasons.first else {
            Issue.record("no rescan reason: \(result.reasons)")
            return
        }
        #expect(why.contains("overflow"))
    }

    @Test func anEventOnAnUnknownWatchAsksForARescanOnce() {
        let result = batch(from: [
            inotifyRecord(wd: 99, mask: UInt32(IN_CLOSE_WRITE), name: "a.md"),
            inotifyRecord(wd: 98, mask: UInt32(IN_CLOSE_WRITE), name: "b.md"),
        ])
        #expect(result.needsRescan)
        #expect(result.reasons.count == 1)
        #expect(result.changedPaths.isEmpty)
    }

    @Test func theKernelsLastWordOnAForgottenWatchIsHarmless() {
        #expect(batch(from: [inotifyRecord(wd: 99, mask: UInt32(IN_IGNORED))]).isEmpty)
    }

    @Test func onlyCloseAfterWriteOrMoveInIsAChange() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_CREATE), name: "half-written.md"),
            inotifyRecord(wd: 2, mask: UInt32(IN_CLOSE_WRITE), name: "done.md"),
            inotifyRecord(wd: 3, mask: UInt32(IN_MOVED_TO), cookie: 5, name: "moved.md"),
        ])
        #expect(result.changedPaths == ["jobs/done.md", "jobs/eu/moved.md"])
        #expect(result.removedPaths.isEmpty)
        #expect(!result.needsRescan)
    }

    @Test func aTemporaryFileRenamedOverTheTargetIsOneChange() {
        let result = batch(from: [
            inotifyRecord(wd: 2, mask: UInt32(IN_CREATE), name: "entry.md.tmp"),
            inotifyRecord(wd: 2, mask: UInt32(IN_CLOSE_WRITE), name: "entry.md.tmp"),
            inotifyRecord(wd: 2, mask: UInt32(IN_MOVED_FROM), cookie: 9, name: "entry.md.tmp"),
            inotifyRecord(wd: 2, mask: UInt32(IN_MOVED_TO), cookie: 9, name: "entry.md"),
        ])
        #expect(result.changedPaths == ["jobs/entry.md"])
        #expect(result.removedPaths.isEmpty)
    }

    @Test func aFileThatExistedBeforeIsReportedRemoved() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "a.md"),
            inotifyRecord(wd: 1, mask: UInt32(IN_DELETE), name: "a.md"),
        ])
        #expect(result.changedPaths.isEmpty)
        #expect(result.removedPaths == ["a.md"])
    }

    @Test func deletedThenRecreatedIsAChange() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_DELETE), name: "a.md"),
            inotifyRecord(wd: 1, mask: UInt32(IN_CREATE), name: "a.md"),
            inotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "a.md"),
        ])
        #expect(result.changedPaths == ["a.md"])
        #expect(result.removedPaths.isEmpty)
    }

    @Test func hiddenNamesAreIgnored() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: ".entry.md.swp"),
            inotifyRecord(wd: 1, mask: UInt32(IN_CREATE) | UInt32(IN_ISDIR), name: ".git"),
        ])
        #expect(result.isEmpty)
    }

    @Test func aNewDirectoryIsWatchedAndListed() {
        let event = InotifyEvent(wd: 2, mask: [.create, .isDirectory], name: "us")
        #expect(table.actions(for: event) == [.watchNewDirectory("jobs/us")])
        let moved = InotifyEvent(wd: 1, mask: [.movedTo, .isDirectory], cookie: 3, name: "archive")
        #expect(table.actions(for: moved) == [.watchNewDirectory("archive")])
    }

    @Test func aRemovedDirectoryCoversItsSubtree() {
        let result = batch(from: [
            inotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "top.md"),
            inotifyRecord(wd: 3, mask: UInt32(IN_CLOSE_WRITE), name: "a.md"),
            inotifyRecord(wd: 3, mask: UInt32(IN_DELETE), name: "b.md"),
            inotifyRecord(wd: 1, mask: UInt32(IN_MOVED_FROM) | UInt32(IN_ISDIR), cookie: 4, name: "jobs"),
        ])
        #expect(result.changedPaths == ["top.md"])
        #expect(result.removedPaths == ["jobs"])
    }

    @Test func retiringATreeSilencesItsWatches() {
        var table = self.table
        #expect(Set(table.retireTree(at: "jobs")) == [2, 3])
        #expect(table[1] == "")
        #expect(table.actions(for: InotifyEvent(wd: 3, mask: .closeWrite, name: "late.md")) == [])
        #expect(table.actions(for: InotifyEvent(wd: 3, mask: .ignored)) == [.forget(3)])
        table.forget(3)
        #expect(table.retired == [2])
    }

    @Test func theRootGoingAwayIsReported() {
        #expect(table.actions(for: InotifyEvent(wd: 1, mask: .deleteSelf)) == [.rootGone])
        #expect(table.actions(for: InotifyEvent(wd: 1, mask: .moveSelf)) == [.rootGone])
        #expect(table.actions(for: InotifyEvent(wd: 1, mask: .ignored)) == [.forget(1), .rootGone])
        // Below the root, the parent's named event tells it.
        #expect(table.actions(for: InotifyEvent(wd: 2, mask: .deleteSelf)) == [])
        #expect(table.actions(for: InotifyEvent(wd: 2, mask: .ignored)) == [.forget(2)])
    }

    @Test func reasonsAreReportedOnce() {
        var pending = PendingBatch()
        pending.note(.rootGone)
        pending.note(.rootGone)
        pending.apply(.rescan("x"))
        pending.apply(.rescan("x"))
        #expect(pending.batch.reasons == [.rootGone, .rescan("x")])
        #expect(pending.batch.needsRescan)

        var gone = PendingBatch()
        gone.note(.rootGone)
        #expect(!gone.batch.needsRescan)
    }

    // MARK: Timing

    @Test func debounceWaitsForQuietButNotLongerThanMaxDelay() {
        let start = ContinuousClock.now
        var debouncer = Debouncer(quiet: .milliseconds(250), maxDelay: .seconds(2))
        #expect(debouncer.deadline == nil)
        debouncer.noteChange(at: start)
        #expect(debouncer.deadline == start + .milliseconds(250))
        debouncer.noteChange(at: start + .milliseconds(200))
        #expect(debouncer.deadline == start + .milliseconds(450))
        debouncer.noteChange(at: start + .milliseconds(1_900))
        #expect(debouncer.deadline == start + .seconds(2))
        debouncer.reset()
        #expect(debouncer.deadline == nil)
    }

    @Test func pollTimeoutRoundsUp() {
        let now = ContinuousClock.now
        #expect(WatchLoop.pollTimeout(until: nil, now: now) == -1)
        #expect(WatchLoop.pollTimeout(until: now - .milliseconds(5), now: now) == 0)
        #expect(WatchLoop.pollTimeout(until: now + .microseconds(1), now: now) == 1)
        #expect(WatchLoop.pollTimeout(until: now + .milliseconds(250), now: now) == 250)
        #expect(WatchLoop.pollTimeout(until: now + .seconds(3_000_000), now: now) == Int32.max)
    }
}
