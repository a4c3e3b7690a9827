import Foundation
import Logging

/// Logs "parsed N of M files" every few seconds on long runs, so a cold
/// start on a big tree does not look hung. Counted on the run's own thread.
struct Progress {
    private let total: Int
    private let logger: Logger
    private var done = 0
    private var lastReport = DispatchTime.now().uptimeNanoseconds
    private static let interval: UInt64 = 2_000_000_000

    init(total: Int, logger: Logger) {
        self.total = total
        self.logger = logger
    }

    mutating func tick() {
        done += 1
        // The clock is read every 256 files, not per file.
        guard done & 255 == 0, done < total else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastReport >= Self.interval else { return }
        lastReport = now
        logger.info("parsed \(done) of \(total) changed files…", metadata: ["event": "progress", "done": .int(done), "total": .int(total)])
    }
}

/// Debug lines with the wall time of each phase of a run (`--log-level
/// debug`, or on stderr with `FEEDD_PHASES=1`): where a slow run spends its
/// time, without a profiler.
struct PhaseClock {
    private let logger: Logger
    private var last = DispatchTime.now().uptimeNanoseconds
    private let toStandardError = getenv("FEEDD_PHASES") != nil

    init(logger: Logger) { self.logger = logger }

    mutating func lap(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let ms = String(format: "%.1f", Double(now - last) / 1e6)
        last = now
        if toStandardError { FileHandle.standardError.write(Data("phase \(phase): \(ms) ms\n".utf8)) }
        logger.debug("phase \(phase): \(ms) ms", metadata: ["event": "phase", "phase": "\(phase)", "ms": .number(Double(ms) ?? 0)])
    }
}
