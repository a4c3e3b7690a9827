/// When to deliver a burst: after `quiet` without changes, but no later than
/// `maxDelay` after the burst's first change, so a steady trickle of writes
/// cannot hold the feeds back forever.
struct Debouncer: Sendable {
    let quiet: Duration
    let maxDelay: Duration
    private(set) var firstChange: ContinuousClock.Instant?
    private(set) var lastChange: ContinuousClock.Instant?

    init(quiet: Duration, maxDelay: Duration) {
        self.quiet = quiet
        self.maxDelay = maxDelay
    }

    mutating func noteChange(at now: ContinuousClock.Instant) {
        if firstChange == nil { firstChange = now }
        lastChange = now
    }

    /// When the pending batch is due; `nil` when nothing is pending.
    var deadline: ContinuousClock.Instant? {
        guard let firstChange, let lastChange else { return nil }
        return min(lastChange + quiet, firstChange + maxDelay)
    }

    mutating func reset() {
        firstChange = nil
        lastChange = nil
    }
}
