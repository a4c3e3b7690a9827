import FeedModel

/// Which directory each inotify watch descriptor stands for, and what an
/// event on it means.
///
/// Pure: it decides, ``WatchLoop`` does the system calls.
struct WatchTable: Sendable {
    /// Watch descriptor → directory path relative to the root (`""` is the root).
    private(set) var directories: [Int32: String] = [:]
    /// Watches we removed ourselves; their queued events are stale until the
    /// kernel's final `IN_IGNORED` for them.
    private(set) var retired: Set<Int32> = []

    subscript(wd: Int32) -> String? { directories[wd] }

    var count: Int { directories.count }

    mutating func insert(_ wd: Int32, path: String) {
        retired.remove(wd)
        directories[wd] = path
    }

    /// Drops a watch the kernel has removed (`IN_IGNORED`).
    mutating func forget(_ wd: Int32) {
        directories[wd] = nil
        retired.remove(wd)
    }

    /// Marks the watches of `path` and every directory below it as stale and
    /// returns them, for `inotify_rm_watch`.
    mutating func retireTree(at path: String) -> [Int32] {
        let stale = directories.filter { isWithin($0.value, path) }.map(\.key)
        for wd in stale {
            directories[wd] = nil
            retired.insert(wd)
        }
        return stale
    }

    /// What `event` means for the batch being collected and for the watches.
    func actions(for event: InotifyEvent) -> [WatchAction] {
        let mask = event.mask
        if mask.contains(.queueOverflow) {
            return [.rescan("the inotify event queue overflowed (fs.inotify.max_queued_events), so events were lost")]
        }
        if retired.contains(event.wd) {
            return mask.contains(.ignored) ? [.forget(event.wd)] : []
        }
        guard let directory = directories[event.wd] else {
            // The kernel's last word on a watch we already forgot is harmless.
            return mask.contains(.ignored)
                ? []
                : [.rescan("an event arrived for an unknown inotify watch")]
        }
        let isRoot = directory.isEmpty
        if mask.contains(.ignored) {
            return isRoot ? [.forget(event.wd), .rootGone] : [.forget(event.wd)]
        }
        if !mask.isDisjoint(with: [.deleteSelf, .moveSelf, .unmount]) {
            // Below the root, the parent's IN_DELETE/IN_MOVED_FROM says it, with a name.
            return isRoot ? [.rootGone] : []
        }
        // Which names count is the source tree's rule (`SourceRule`): hidden
        // names never, and of files only sources.
        guard !event.name.isEmpty, !SourceRule.isHidden(event.name) else { return [] }
        let path = isRoot ? event.name : directory + "/" + event.name

        if mask.contains(.isDirectory) {
            if !mask.isDisjoint(with: [.create, .movedTo]) { return [.watchNewDirectory(path)] }
            if !mask.isDisjoint(with: [.delete, .movedFrom]) { return [.removedDirectory(path)] }
            return []
        }
        guard SourceRule.isSource(fileName: event.name) else { return [] }
        if !mask.isDisjoint(with: [.closeWrite, .movedTo]) { return [.changed(path)] }
        if !mask.isDisjoint(with: [.delete, .movedFrom]) { return [.removed(path)] }
        if mask.contains(.create) { return [.created(path)] }
        return []
    }
}

/// One consequence of an inotify event.
enum WatchAction: Sendable, Equatable {
    /// A file name appeared (`IN_CREATE`); not a change until it is closed
    /// after writing, but it tells that the name did not exist before.
    case created(String)
    /// A file was closed after writing, or moved in.
    case changed(String)
    /// A file was deleted or moved out.
    case removed(String)
    /// A directory was deleted or moved out: its subtree is gone, and so are
    /// its watches.
    case removedDirectory(String)
    /// A directory was created or moved in: watch it first, then list it and
    /// report what is already inside.
    case watchNewDirectory(String)
    /// The kernel removed this watch.
    case forget(Int32)
    /// Events were lost.
    case rescan(String)
    /// The root itself was deleted, moved or unmounted.
    case rootGone
}

/// Whether `path` is `directory` or lies below it.
func isWithin(_ path: String, _ directory: String) -> Bool {
    if directory.isEmpty { return true }
    return path == directory || path.hasPrefix(directory + "/")
}
