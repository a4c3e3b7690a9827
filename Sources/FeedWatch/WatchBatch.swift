/// What changed under the watched root during one burst of activity.
///
/// Paths are relative to the root, with `/` between components, and never
/// name hidden files or anything inside hidden directories.
///
/// Apply a batch in this order:
/// 1. ``removedPaths``: each is a file, or a directory whose whole subtree is
///    gone (treat it as a prefix: `a/b` covers `a/b/c.md`).
/// 2. ``changedPaths``: files written and closed, or moved in. A path may be
///    gone again by the time you read it; treat a missing file as removed.
/// 3. If ``needsRescan``, compare a full scan with what you know, because
///    some events were lost.
public struct WatchBatch: Sendable, Equatable {
    /// Files created, closed after writing, or moved into the tree.
    public var changedPaths: Set<String>
    /// Files deleted or moved out; directories deleted or moved out (prefixes).
    public var removedPaths: Set<String>
    /// Events were lost (queue overflow, unknown watch) or the root came back:
    /// only a full rescan is correct now.
    public var needsRescan: Bool
    /// Why this batch is more than a list of paths, each reason once, in the
    /// order they happened; log each one.
    public var reasons: [WatchReason]

    public init(
        changedPaths: Set<String> = [],
        removedPaths: Set<String> = [],
        needsRescan: Bool = false,
        reasons: [WatchReason] = []
    ) {
        self.changedPaths = changedPaths
        self.removedPaths = removedPaths
        self.needsRescan = needsRescan
        self.reasons = reasons
    }

    /// Whether the batch carries nothing at all.
    public var isEmpty: Bool {
        changedPaths.isEmpty && removedPaths.isEmpty && !needsRescan && reasons.isEmpty
    }
}

/// Something the watcher wants the operator to know about, beyond paths.
public enum WatchReason: Sendable, Hashable, CustomStringConvertible {
    /// Events were lost or the watches were rebuilt; the text says why.
    case rescan(String)
    /// The root directory was deleted, moved or unmounted. The watcher polls
    /// for it and reports ``rescan(_:)`` when it is back; until then, keep the
    /// feeds as they are.
    case rootGone
    /// `inotify_add_watch` hit `fs.inotify.max_user_watches`; the text names the
    /// sysctl to raise. Some directories are unwatched: rescan periodically.
    case watchLimit(String)

    public var description: String {
        switch self {
        case .rescan(let why): return "full rescan needed: \(why)"
        case .rootGone: return "the watched directory is gone; waiting for it to come back"
        case .watchLimit(let message): return message
        }
    }
}
