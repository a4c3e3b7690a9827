import ArgumentParser

/// feedd's documented exit codes (sysexits.h values where one fits).
enum ExitStatus {
    static let ok = ExitCode(0)
    /// Some source files were rejected, or two files claim one id; every valid entry was still published.
    static let rejectedSources = ExitCode(65)
    /// The source directory does not exist or cannot be read.
    static let noSource = ExitCode(66)
    /// A feed could not be written; the previous file is unchanged.
    static let cannotWrite = ExitCode(73)
    /// The state directory could not be opened, locked or written.
    static let stateFailure = ExitCode(74)
    /// The configuration file is invalid.
    static let badConfig = ExitCode(78)
}
