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
    /// Files to read that had problems when last read: if they read clean now, the log says so.
    var wereRejected = Set<String>()
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
        let known: Int
        do { known = try store.fileCount() } catch { throw .state(error.description) }
        changes.firstRun = known == 0
        // The walk (system calls, mostly) runs on another thread while this
        // one reads the state's list of files: neither waits for the other.
        let walk = Background { () -> Result<SourceTree.Snapshot, SourceTree.MissingRoot> in
            do throws(SourceTree.MissingRoot) { return .success(try tree.walk(stamps: known > 0, expecting: known)) } catch { return .failure(error) }
        }
        var stored: [FileRecord] = []
        let read = Result { () throws(StoreError) in try store.forEachFile { stored.append($0) } }
        var snapshot: SourceTree.Snapshot
        switch walk.wait() {
        case let .success(s)?: snapshot = s
        case let .failure(error)?: throw .source(error.description)
        case nil: throw .source("the walk of \(tree.root) did not finish")
        }
        if case let .failure(error) = read { throw .state(error.description) }
        changes.filesScanned = snapshot.count
        changes.scanProblems = snapshot.problems
        changes.changed = snapshot.unstamped
        var linked: [FileIdentity] = []
        for old in stored {
            guard let stamp = snapshot.files.removeValue(forKey: old.path) else {
                changes.deleted.append(old.path)
                if old.stamp.links > 1 { linked.append(old.stamp.identity) }
                continue
            }
            if old.stamp == stamp {
                changes.unchangedProblems += old.problems
            } else {
                changes.changed.append(old.path)
                if !old.problems.isEmpty { changes.wereRejected.insert(old.path) }
                if stamp.links > 1 || old.stamp.links > 1 { linked.append(stamp.identity) }
            }
        }
        // What the state does not list is new.
        for (path, stamp) in snapshot.files {
            changes.changed.append(path)
            if stamp.links > 1 { linked.append(stamp.identity) }
        }
        if !linked.isEmpty {
            // Other names of the same files: what the state knows holds them all (no query per file).
            var names: [FileIdentity: [String]] = [:]
            for old in stored { names[old.stamp.identity, default: []].append(old.path) }
            changes.addNames(of: linked) { names[$0] ?? [] }
        }
        do { try changes.addClaimants(store) } catch { throw .state(error.description) }
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
                        if old?.problems.isEmpty == false { changes.wereRejected.insert(path) }
                        if stamp.links > 1 || (old?.stamp.links ?? 1) > 1 { linked.append(stamp.identity) }
                    }
                } else if let old {
                    gone.insert(path)
                    if old.stamp.links > 1 { linked.append(old.stamp.identity) }
                }
            }
            changes.changed = read
            changes.deleted = Array(gone)
            var names: [FileIdentity: [String]] = [:]
            for identity in Set(linked) { names[identity] = try store.filePaths(of: identity) }
            changes.addNames(of: linked) { names[$0] ?? [] }
            try changes.addClaimants(store)
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
    private mutating func addNames(of files: [FileIdentity], knownNames: (FileIdentity) -> [String]) {
        guard !files.isEmpty else { return }
        var listed = Set(changed)
        let goneNames = Set(deleted)
        for identity in Set(files) {
            for path in knownNames(identity) where !goneNames.contains(path) && listed.insert(path).inserted {
                changed.append(path)
            }
        }
    }

    /// Claims that lost: when a file that owns a key another file also
    /// claims changes or goes, the claimant is read again too, so it can take
    /// the entry over (`DiffStream`). Most states hold no such claim.
    private mutating func addClaimants(_ store: StateStore) throws(StoreError) {
        guard !changed.isEmpty || !deleted.isEmpty, try store.hasClaims() else { return }
        var listed = Set(changed)
        let goneNames = Set(deleted)
        var added = Set<String>()
        for path in try store.claimants(of: changed + deleted) where !goneNames.contains(path) && listed.insert(path).inserted {
            changed.append(path)
            added.insert(path)
        }
        unchangedProblems.removeAll { added.contains($0.source) }
    }

    private mutating func sort() {
        changed.sort()
        deleted.sort()
    }
}
