import FeedModel
import FeedStore

/// What a run must look at: the source files to read and the ones gone, in
/// path order, found by comparing the tree with the files the state knows.
struct SourceChanges: Sendable {
    /// Files new or changed since the state saw them (or named by the watcher), to read.
    var changed: [String] = []
    /// Files the state knows that are gone.
    var deleted: [String] = []
    /// Problems the state remembers of files that did not change (`--once` reports them again).
    var unchangedProblems: [Rejection] = []
    /// Directories or names the walk could not read.
    var scanProblems: [Rejection] = []
    /// Source files looked at.
    var filesScanned = 0
    /// The state knew no file: every entry found is new.
    var firstRun = false

    /// So many files that the state loads them in bulk (`StateStore.bulkLoad`).
    var isBulk: Bool { changed.count + deleted.count > 1000 }

    /// The whole tree against the state's list of files.
    static func full(_ tree: SourceTree, _ store: StateStore) throws(PipelineError) -> SourceChanges {
        var changes = SourceChanges()
        // A state that knows no file has no stamps to compare: the walk lists
        // names only, and every file is read (and stamped as it is read).
        do { changes.firstRun = try !store.knowsFiles() } catch { throw .state(error.description) }
        let snapshot: SourceTree.Snapshot
        do { snapshot = try tree.walk(stamps: !changes.firstRun) } catch { throw .source(error.description) }
        changes.filesScanned = snapshot.count
        changes.scanProblems = snapshot.problems
        changes.changed = snapshot.unstamped
        var unseen = snapshot.files
        var linked: [FileIdentity] = []
        do {
            try store.forEachFile { old in
                guard let stamp = unseen.removeValue(forKey: old.path) else {
                    changes.deleted.append(old.path)
                    if old.stamp.links > 1 { linked.append(old.stamp.identity) }
                    return
                }
                if old.stamp == stamp {
                    changes.unchangedProblems += old.problems
                } else {
                    changes.changed.append(old.path)
                    if stamp.links > 1 || old.stamp.links > 1 { linked.append(stamp.identity) }
                }
            }
            // What the state does not list is new.
            for (path, stamp) in unseen {
                changes.changed.append(path)
                if stamp.links > 1 { linked.append(stamp.identity) }
            }
            try changes.addNames(of: linked, store: store)
        } catch {
            throw .state(error.description)
        }
        changes.sort()
        return changes
    }

    /// Only the paths the watcher reported, relative to the root; a removed
    /// path may be a directory (everything below it goes).
    static func paths(changed: Set<String>, removed: Set<String>, _ tree: SourceTree, _ store: StateStore) throws(PipelineError) -> SourceChanges {
        var changes = SourceChanges()
        do {
            var gone = Set<String>()
            var linked: [FileIdentity] = []
            for path in removed {
                for known in try store.filePaths(under: path) {
                    gone.insert(known)
                    if let old = try store.file(path: known), old.stamp.links > 1 { linked.append(old.stamp.identity) }
                }
            }
            var read: [String] = []
            for path in changed where SourceRule.isSource(path: path) {
                let old = try store.file(path: path)
                if let stamp = tree.stamp(path) {
                    gone.remove(path)
                    if old?.stamp != stamp {
                        read.append(path)
                        if stamp.links > 1 || (old?.stamp.links ?? 1) > 1 { linked.append(stamp.identity) }
                    }
                } else if let old {
                    gone.insert(path)
                    if old.stamp.links > 1 { linked.append(old.stamp.identity) }
                }
            }
            changes.changed = read
            changes.deleted = Array(gone)
            try changes.addNames(of: linked, store: store)
        } catch {
            throw .state(error.description)
        }
        changes.filesScanned = changes.changed.count
        changes.sort()
        return changes
    }

    /// Hard links: when one name of a file changes, appears or goes, every
    /// other name the state knows is read again too, so that the smallest
    /// name keeps (or takes over) the file's entries.
    private mutating func addNames(of files: [FileIdentity], store: StateStore) throws(StoreError) {
        guard !files.isEmpty else { return }
        var listed = Set(changed)
        let goneNames = Set(deleted)
        for identity in Set(files) {
            for path in try store.filePaths(of: identity) where !goneNames.contains(path) && listed.insert(path).inserted {
                changed.append(path)
            }
        }
    }

    private mutating func sort() {
        changed.sort()
        deleted.sort()
    }
}
