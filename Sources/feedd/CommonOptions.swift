import ArgumentParser
import Foundation
import FeedConfig
import FeedDaemon
import Logging

/// Options every subcommand shares: where the config, source, output and state are, and how to log.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", discussion: "Default: ./Config/feedd.toml, then /etc/feedd/feedd.toml, else built-in defaults.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Source directory of entries (overrides the config).", valueName: "dir"))
    var source: String?

    @Option(name: .long, help: ArgumentHelp("Directory the feeds are written to (overrides the config).", valueName: "dir"))
    var output: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where feedd keeps its state between runs (overrides the config).", valueName: "dir"))
    var stateDir: String?

    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log lines for people (text) or scripts (json, one object per line).", valueName: "text|json"))
    var logFormat: LogFormat = .text

    @Option(name: .customLong("log-level"), help: ArgumentHelp("Least severe level logged.", valueName: "trace|debug|info|notice|warning|error"))
    var logLevel: Logger.Level = .info

    /// The configuration with command-line overrides applied; relative flag paths are relative to the current directory.
    func configuration() throws(ConfigError) -> Configuration {
        let cwd = FileManager.default.currentDirectoryPath
        let config = try ConfigLoader.locate(explicit: config, cwd: cwd)
            .overriding(source: source, output: output, stateDir: stateDir, cwd: cwd)
        if let problem = config.layoutProblem() { throw problem }
        return config
    }

    /// The log, on stderr, following the log contract; under journald it
    /// leaves timestamps to the journal.
    func makeLog() -> LogSink {
        let env = ProcessInfo.processInfo.environment
        let underJournal = env["JOURNAL_STREAM"].map { !$0.isEmpty } ?? false
        return LogSink(format: logFormat, level: logLevel, timestamps: !underJournal, output: LogOutput(fd: 2))
    }
}

extension LogFormat: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
