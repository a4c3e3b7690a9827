import Glibc
import Synchronization
import Testing
@testable import FeedWatch

/// The watcher on real temporary directories. Serialized: the timing
/// assertions should not compete with each other for two cores.
@Suite("watching a real directory tree", .serialized, .timeLimit(.minutes(1)))
struct DirectoryWatcherTests {
    @Test func aFileWrittenAndClosedIsChanged() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        tree.write("entry.md")
        #expect(await recorder.wait { $0.changed == ["entry.md"] })
        #expect(recorder.removed.isEmpty)
        #expect(recorder.batches.allSatisfy { !$0.needsRescan })
    }

    @Test func anEditorsSaveIsOneChangeOfTheTarget() async throws {
        let tree = try TemporaryTree()
        tree.write("entry.md", "old\n")
        let recorder = try BatchRecorder(root: tree.root, debounce: .milliseconds(200))
        tree.write(".entry.md.swp")          // vim's swap file: hidden
        tree.write("entry.md.tmp-4242", "new\n")
        tree.rename("entry.md.tmp-4242", "entry.md")
        tree.remove(".entry.md.swp")
        #expect(await recorder.wait(timeout: .seconds(10)) { $0.changed.contains("entry.md") })
        await recorder.settle()
        // On a loaded machine the write of the temp file and the rename can
        // fall into two batches; the temp file is then reported too (the
        // pipeline ignores it: not an entry extension). Never anything else.
        #expect(recorder.changed.subtracting(["entry.md.tmp-4242"]) == ["entry.md"])
        #expect(recorder.removed.subtracting(["entry.md.tmp-4242"]).isEmpty)
        #expect(recorder.batches.count <= 2)
    }

    @Test func aDeletedFileIsRemoved() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("jobs")
        tree.write("jobs/old.md")
        let recorder = try BatchRecorder(root: tree.root)
        tree.remove("jobs/old.md")
        #expect(await recorder.wait { $0.removed == ["jobs/old.md"] })
        #expect(recorder.changed.isEmpty)
    }

    @Test func filesInANewDirectoryTreeAreReported() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        // `mkdir -p a/b && cp …`: the file may land before a/b is watched.
        tree.makeDirectories("a/b")
        tree.write("a/b/first.md")
        #expect(await recorder.wait { $0.changed.contains("a/b/first.md") })
        // And the new directory is watched from now on.
        tree.write("a/b/second.md")
        tree.makeDirectories("a/b/c")
        tree.write("a/b/c/third.md")
        #expect(await recorder.wait { $0.changed == ["a/b/first.md", "a/b/second.md", "a/b/c/third.md"] })
    }

    @Test func aDirectoryMovedInIsListed() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("watched")
        tree.makeDirectories("staging/batch/deeper")
        tree.write("staging/batch/one.md")
        tree.write("staging/batch/deeper/two.md")
        let recorder = try BatchRecorder(root: tree.path("watched"))
        tree.rename("staging/batch", "watched/batch")
        #expect(await recorder.wait { $0.changed == ["batch/one.md", "batch/deeper/two.md"] })
        tree.write("watched/batch/deeper/three.md")
        #expect(await recorder.wait { $0.changed.contains("batch/deeper/three.md") })
    }

    @Test func aDirectoryMovedOutIsRemovedAndNoLongerWatched() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("watched/jobs/eu")
        tree.write("watched/jobs/eu/a.md")
        let recorder = try BatchRecorder(root: tree.path("watched"))
        tree.rename("watched/jobs", "elsewhere")
        #expect(await recorder.wait { $0.removed == ["jobs"] })
        tree.write("elsewhere/eu/b.md")
        tree.write("watched/proof.md")
        #expect(await recorder.wait { $0.changed == ["proof.md"] })
        #expect(!recorder.reasons.contains { if case .rescan = $0 { true } else { false } })
    }

    @Test func aDeletedDirectoryIsOneRemovedPrefix() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("jobs/eu")
        tree.write("jobs/a.md")
        tree.write("jobs/eu/b.md")
        let recorder = try BatchRecorder(root: tree.root)
        tree.removeTree("jobs")
        #expect(await recorder.wait { $0.removed == ["jobs"] })
        await recorder.settle()
        #expect(recorder.removed == ["jobs"])
        #expect(!recorder.batches.contains { $0.needsRescan })
    }

    @Test func twentyQuickWritesAreOneBatch() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root, debounce: .milliseconds(250))
        let names = (1...20).map { "entry-\($0).md" }
        for name in names { tree.write(name) }
        #expect(await recorder.wait { $0.changed == Set(names) })
        await recorder.settle()
        #expect(recorder.batches.count == 1)
    }

    @Test func aSteadyTrickleIsDeliveredWithinMaxDelay() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root, debounce: .milliseconds(200), maxDelay: .milliseconds(400))
        let start = ContinuousClock.now
        var index = 0
        while ContinuousClock.now - start < .milliseconds(1_200) {
            index += 1
            tree.write("trickle-\(index).md")
            try await Task.sleep(for: .milliseconds(20))
        }
        // Quiet never came, yet batches did.
        #expect(recorder.batches.count >= 2)
        #expect(await recorder.wait { $0.changed.count == index })
    }

    @Test func aFileDeletedAndRecreatedWithinTheWindowIsChanged() async throws {
        let tree = try TemporaryTree()
        tree.write("entry.md", "first\n")
        let recorder = try BatchRecorder(root: tree.root, debounce: .milliseconds(200))
        tree.remove("entry.md")
        tree.write("entry.md", "second\n")
        #expect(await recorder.wait { $0.changed == ["entry.md"] })
        await recorder.settle()
        #expect(recorder.removed.isEmpty)
        #expect(recorder.batches.count == 1)
    }

    @Test func aCreatedButNotYetClosedFileIsNotReported() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        let fd = open(tree.path("slow.md"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        _ = write(fd, "half", 4)
        await recorder.settle(.milliseconds(200))
        #expect(recorder.batches.isEmpty)
        close(fd)
        #expect(await recorder.wait { $0.changed == ["slow.md"] })
    }

    @Test func hiddenFilesAndDirectoriesAreIgnored() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        tree.makeDirectories(".git/objects")
        tree.write(".git/objects/x")
        tree.write(".hidden.md")
        tree.write("visible.md")
        #expect(await recorder.wait { $0.changed.contains("visible.md") })
        await recorder.settle()
        #expect(recorder.changed == ["visible.md"])
    }

    @Test func theRootDeletedAndRecreatedIsRescanned() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("source/sub")
        tree.write("source/sub/a.md")
        let recorder = try BatchRecorder(root: tree.path("source"))
        tree.removeTree("source")
        #expect(await recorder.wait { $0.reasons.contains(.rootGone) })

        tree.makeDirectories("source/sub")
        #expect(await recorder.wait { $0.batches.contains { $0.needsRescan } })
        // Watching again, subdirectories included.
        tree.write("source/sub/b.md")
        #expect(await recorder.wait { $0.changed.contains("sub/b.md") })
    }

    @Test func aMissingRootIsWaitedFor() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.path("not-yet"))
        #expect(await recorder.wait { $0.reasons == [.rootGone] })
        tree.makeDirectories("not-yet")
        #expect(await recorder.wait { $0.batches.contains { $0.needsRescan } })
        tree.write("not-yet/a.md")
        #expect(await recorder.wait { $0.changed == ["a.md"] })
    }

    @Test func stopEndsTheStream() async throws {
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        recorder.watcher.stop()
        #expect(await recorder.wait { $0.hasEnded })
        recorder.watcher.stop()
        tree.write("after-stop.md")
        await recorder.settle(.milliseconds(150))
        #expect(recorder.batches.isEmpty)
    }

    @Test func stopClosesTheInotifyDescriptor() async throws {
        let before = openInotifyDescriptors()
        let tree = try TemporaryTree()
        let recorder = try BatchRecorder(root: tree.root)
        #expect(openInotifyDescriptors() == before + 1)
        recorder.watcher.stop()
        #expect(await recorder.wait { _ in openInotifyDescriptors() == before })
    }

    @Test func aSymlinkedRootIsFollowedButLinksBelowItAreNot() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("real")
        tree.makeDirectories("outside")
        #expect(symlink(tree.path("real"), tree.path("link")) == 0)
        #expect(symlink(tree.path("outside"), tree.path("real/outside-link")) == 0)
        let recorder = try BatchRecorder(root: tree.path("link"))
        tree.write("outside/not-ours.md")
        tree.write("real/ours.md")
        #expect(await recorder.wait { $0.changed.contains("ours.md") })
        await recorder.settle(.milliseconds(150))
        #expect(recorder.changed == ["ours.md"])
    }

    @Test func aBurstOfTwentyThousandFilesIsEitherReportedOrRescanned() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("burst")
        let recorder = try BatchRecorder(root: tree.root, debounce: .milliseconds(100))
        let names = (1...20_000).map { "burst/entry-\($0).md" }
        for name in names { tree.write(name) }
        tree.write("last.md")
        #expect(await recorder.wait(timeout: .seconds(20)) {
            $0.batches.contains { $0.needsRescan } || $0.changed.count == names.count + 1
        })
        if !recorder.batches.contains(where: { $0.needsRescan }) {
            #expect(recorder.changed == Set(names + ["last.md"]))
        }
        // Watching goes on either way.
        tree.write("burst/after.md")
        #expect(await recorder.wait { $0.changed.contains("burst/after.md") })
    }

    @Test func aRealQueueOverflowRebuildsTheWatchesAndAsksForARescan() async throws {
        let tree = try TemporaryTree()
        tree.makeDirectories("burst")
        let gate = Gate()
        let recorder = try BatchRecorder(root: tree.root, beforeReading: { gate.waitUntilOpen() })
        // The watch thread now stops before its first read, so the kernel's
        // queue (fs.inotify.max_queued_events, 16384 by default) overflows.
        let count = Int(Inotify.maxQueuedEvents() ?? 16_384) + 10
        for index in 1...count { tree.write("burst/entry-\(index).md") }
        // A directory whose IN_CREATE is lost in the overflow.
        tree.makeDirectories("late/inner")
        gate.open()

        #expect(await recorder.wait(timeout: .seconds(20)) { $0.batches.contains { $0.needsRescan } })
        let reason = recorder.reasons.first { if case .rescan = $0 { true } else { false } }
        #expect(reason?.description.contains("overflow") == true)
        // The rebuilt watches cover directories created during the overflow.
        tree.write("late/inner/after.md")
        tree.write("burst/after.md")
        #expect(await recorder.wait { $0.changed.isSuperset(of: ["late/inner/after.md", "burst/after.md"]) })
    }

    @Test func cancellingTheConsumerStopsTheWatcher() async throws {
        let tree = try TemporaryTree()
        let watcher = try DirectoryWatcher(root: tree.root, configuration: .init(debounce: .milliseconds(20)))
        let consumer = Task {
            var count = 0
            for await _ in watcher.batches { count += 1 }
            return count
        }
        tree.write("a.md")
        try await Task.sleep(for: .milliseconds(200))
        consumer.cancel()
        #expect(await consumer.value == 1)
    }
}

/// How many inotify descriptors this process holds.
func openInotifyDescriptors() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: &entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
        if length > 0, String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self).contains("inotify") {
            count += 1
        }
    }
    return count
}

/// A latch the watch thread blocks on until the test opens it.
final class Gate: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }

    func waitUntilOpen() {
        while !isOpen.withLock({ $0 }) { usleep(5_000) }
    }
}
