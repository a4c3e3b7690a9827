/// The batch being collected between two deliveries.
struct PendingBatch: Sendable {
    private(set) var changed: Set<String> = []
    private(set) var removed: Set<String> = []
    private(set) var reasons: [WatchReason] = []
    /// Paths whose first event in this batch was `IN_CREATE`: they did not
    /// exist before, so their removal is not worth reporting (an editor's or
    /// a downloader's temporary file).
    private var createdHere: Set<String> = []
    /// Counts every visible change, so the loop knows when to restart the
    /// quiet period.
    private(set) var revision = 0

    var isEmpty: Bool { changed.isEmpty && removed.isEmpty && reasons.isEmpty }

    var batch: WatchBatch {
        WatchBatch(
            changedPaths: changed,
            removedPaths: removed,
            needsRescan: reasons.contains { if case .rescan = $0 { true } else { false } },
            reasons: reasons
        )
    }

    /// Folds in what one event means for the batch; actions about watches are
    /// ignored here.
    mutating func apply(_ action: WatchAction) {
        switch action {
        case .created(let path):
            if !changed.contains(path) && !removed.contains(path) {
                createdHere.insert(path)
                // A name made by link(2) gets no other event: the batch must be delivered all the same.
                revision += 1
            }
        case .changed(let path):
            changed.insert(path)
            removed.remove(path)
            revision += 1
        case .removed(let path):
            changed.remove(path)
            if createdHere.remove(path) == nil {
                removed.insert(path)
            }
            revision += 1
        case .removedDirectory(let path):
            changed = changed.filter { !isWithin($0, path) }
            createdHere = createdHere.filter { !isWithin($0, path) }
            removed = removed.filter { !isWithin($0, path) }
            removed.insert(path)
            revision += 1
        case .rescan(let why):
            note(.rescan(why))
        case .rootGone:
            note(.rootGone)
        case .watchNewDirectory, .forget:
            break
        }
    }

    /// Names created in this batch and never written or removed since: a
    /// hard link made by `link(2)` (or a file still open for writing).
    var createdOnly: [String] { createdHere.filter { !changed.contains($0) && !removed.contains($0) }.sorted() }

    /// Adds a reason, once.
    mutating func note(_ reason: WatchReason) {
        if !reasons.contains(reason) { reasons.append(reason) }
        revision += 1
    }
}
