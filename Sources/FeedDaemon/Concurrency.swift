import Foundation
import Logging
import Synchronization

/// Fixed slots filled by parallel workers, read once they are done.
final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[T?]>

    init(count: Int) { slots = Mutex([T?](repeating: nil, count: count)) }

    func set(_ index: Int, _ value: T) { slots.withLock { $0[index] = value } }

    func values() -> [T] { slots.withLock { $0.compactMap { $0 } } }
}

/// Hands out work indices to parallel workers.
final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Returns the value before the increment.
    func increment() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Logs "parsed N of M files" every few seconds on long scans, so a cold
/// start on a big tree does not look hung.
final class Progress: Sendable {
    private let total: Int
    private let logger: Logger
    private let state: Mutex<(done: Int, lastReport: UInt64)>
    private let interval: UInt64 = 2_000_000_000

    init(total: Int, logger: Logger) {
        self.total = total
        self.logger = logger
        state = Mutex((0, DispatchTime.now().uptimeNanoseconds))
    }

    func tick() {
        let report: Int? = state.withLock { s in
            s.done += 1
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - s.lastReport >= interval, s.done < total else { return nil }
            s.lastReport = now
            return s.done
        }
        if let done = report {
            logger.info("parsed \(done) of \(total) changed files…", metadata: ["event": "progress", "done": "\(done)", "total": "\(total)"])
        }
    }
}

/// Debug lines with the wall time of each phase of a run (`--log-level debug`):
/// where a slow run spends its time, without a profiler.
struct PhaseClock {
    private let logger: Logger
    private var last = DispatchTime.now().uptimeNanoseconds

    init(logger: Logger) { self.logger = logger }

    mutating func lap(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let ms = Double(now - last) / 1e6
        last = now
        if getenv("FEEDD_PHASES") != nil { FileHandle.standardError.write(Data("phase \(phase): \(String(format: "%.1f", ms)) ms\n".utf8)) }
        logger.debug("phase \(phase): \(String(format: "%.1f", ms)) ms", metadata: ["event": "phase", "phase": "\(phase)"])
    }
}
