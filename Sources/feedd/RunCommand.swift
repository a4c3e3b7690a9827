import ArgumentParser
import Foundation
import FeedConfig
import FeedDaemon
import FeedModel
import FeedStore
import Logging

/// `feedd [--once] [--dry-run]`: the pipeline once, or the daemon (the root command's work).
struct RunCommand {
    var common: CommonOptions
    var once: Bool
    var dryRun: Bool

    func run() async throws {
        let log = common.makeLog()
        let logger = log.logger()
        let config: Configuration
        do {
            config = try common.configuration()
        } catch {
            // One line per problem: a log line never holds a newline.
            for problem in error.all {
                logger.critical("invalid configuration: \(problem.description)", metadata: ["event": "config-error", "message": "\(problem.description)"])
            }
            throw ExitStatus.badConfig
        }
        // Checked before anything is created: a run that cannot start leaves no directory behind.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.source, isDirectory: &isDirectory), isDirectory.boolValue else {
            let message = "source directory \(config.source) does not exist or is not a directory; create it or pass --source"
            logger.critical("\(message)", metadata: ["event": "run-failed", "failure": "source", "message": "\(message)"])
            throw ExitStatus.noSource
        }
        if once || dryRun {
            try await runOnce(config: config, log: log)
        } else {
            try await runDaemon(config: config, log: log)
        }
    }

    private func runDaemon(config: Configuration, log: LogSink) async throws {
        let common = self.common
        let logger = log.logger()
        let daemon = Daemon(configuration: config, reload: { try common.configuration() }, log: log)
        do {
            try await daemon.run()
        } catch {
            logger.critical("\(error.description)", metadata: ["event": "start-failed", "message": "\(error.description)"])
            switch error {
            case .state: throw ExitStatus.stateFailure
            case .output: throw ExitStatus.cannotWrite
            case .watch: throw ExitStatus.noSource
            }
        }
    }

    private func runOnce(config: Configuration, log: LogSink) async throws {
        let logger = log.logger()
        // A dry run writes nothing, not even an empty output directory.
        if !dryRun {
            do {
                try AtomicFile.createOutputDirectory(config.output)
            } catch {
                let message = "cannot create output directory \(config.output): \(error.description)"
                logger.critical("\(message)", metadata: ["event": "output-error", "message": "\(message)"])
                throw ExitStatus.cannotWrite
            }
        }
        // A dry run with no state yet works on a throwaway one, so it leaves no state behind.
        var stateDir = config.stateDir
        var scratch: String?
        if dryRun && !FileManager.default.fileExists(atPath: config.stateDir + "/state.sqlite") {
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-dry-run-\(UUID().uuidString)").path
            stateDir = scratch!
        }
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let store: StateStore
        do {
            store = try StateStore(directory: stateDir)
        } catch {
            logger.critical("\(error.description)", metadata: ["event": "state-error", "message": "\(error.description)"])
            throw ExitStatus.stateFailure
        }
        let pipeline = Pipeline(settings: PipelineSettings(config), store: store, log: log)
        do {
            let report = try pipeline.run(.init(dryRun: dryRun, repeatKnownProblems: true))
            pipeline.logSummary(report, dryRun: dryRun)
            // The feeds are out: the hubs hear of them now (a hub that fails changes nothing below).
            if !dryRun {
                await WebSub.publishOnce(WebSub.changedURLs(report, site: config.site), hubs: config.site.hubs, logger: logger)
            }
            // A conflict is a problem in the source like a rejected file: CI must see it every time.
            if !report.rejections.isEmpty || !report.conflicts.isEmpty { throw ExitStatus.rejectedSources }
        } catch let error as PipelineError {
            logger.critical("\(error.description)", metadata: ["event": "run-failed", "message": "\(error.description)"])
            switch error {
            case .source: throw ExitStatus.noSource
            case .output: throw ExitStatus.cannotWrite
            case .state: throw ExitStatus.stateFailure
            }
        }
    }
}
