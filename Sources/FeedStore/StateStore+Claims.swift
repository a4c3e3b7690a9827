import FeedModel

extension StateStore {
    // MARK: Claims that lost

    /// Whether any claim is recorded (most states have none: a run then skips their bookkeeping).
    public func hasClaims() throws(StoreError) -> Bool {
        var out = false
        try statement("SELECT EXISTS (SELECT 1 FROM claims)").bind().forEach { out = $0.int(0) != 0 }
        return out
    }

    /// Forgets the claims of files read or deleted again (`sources`), then
    /// records `conflicts`, the claims that lost this run.
    public func replaceClaims(of sources: some Sequence<String>, with conflicts: [KeyConflict]) throws(StoreError) {
        let delete = try statement("DELETE FROM claims WHERE source = ?")
        for source in sources { try delete.bind(.text(source)).run() }
        let insert = try statement("INSERT OR REPLACE INTO claims(key, source, line) VALUES(?, ?, ?)")
        for c in conflicts {
            try insert.bind(.text(c.key.rawValue), .text(c.loser), c.line.map { .int(Int64($0)) } ?? .null).run()
        }
    }

    /// Every claim that stands, with the file that holds the key: what
    /// every run reports again until one of the two files changes.
    public func standingConflicts() throws(StoreError) -> [KeyConflict] {
        var out: [KeyConflict] = []
        try statement("""
            SELECT c.key, c.source, c.line, e.source, e.kind FROM claims c JOIN entries e ON e.key = c.key
            ORDER BY c.key, c.source
            """).bind().forEach { row in
            out.append(KeyConflict(key: EntryKey(rawValue: row.text(0)), winner: row.text(3), loser: row.text(1),
                                   line: row.isNull(2) ? nil : Int(row.int(2)), kind: EntryKind(rawValue: row.text(4))))
        }
        return out
    }

    /// Files whose claims lost to entries of `owners`: when an owner
    /// changes or goes, they are read again, so the next claimant can take over.
    public func claimants(of owners: some Sequence<String>) throws(StoreError) -> Set<String> {
        var out = Set<String>()
        let s = try statement("SELECT DISTINCT c.source FROM claims c JOIN entries e ON e.key = c.key WHERE e.source = ?")
        for owner in owners {
            try s.bind(.text(owner)).forEach { out.insert($0.text(0)) }
        }
        return out
    }

    // MARK: The run's clock

    /// The latest time a run assigned (see `DiffStream`): the next run's times come after it.
    public func lastAssigned() throws(StoreError) -> Timestamp? {
        try meta("last_assigned").flatMap(Int64.init).map { Timestamp(seconds: $0) }
    }

    public func setLastAssigned(_ time: Timestamp) throws(StoreError) {
        try setMeta("last_assigned", String(time.seconds))
    }

    /// When the last run happened: closed entries whose window ended since are taken out of the feeds.
    public func lastRun() throws(StoreError) -> Timestamp? {
        try meta("last_run").flatMap(Int64.init).map { Timestamp(seconds: $0) }
    }

    public func setLastRun(_ time: Timestamp) throws(StoreError) {
        try setMeta("last_run", String(time.seconds))
    }
}
