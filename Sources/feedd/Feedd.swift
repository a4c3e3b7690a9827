import ArgumentParser

/// `feedd`: the executable. Argument parsing and exit codes only; the work
/// is in FeedDaemon.
@main
struct Feedd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedd",
        abstract: "Turn a directory of papers and job openings into Atom feeds, and keep them current.",
        discussion: """
        feedd reads Markdown (front matter), JSON and listing-page (.txt) entries from a \
        source directory, compares them with what it saw before (its state directory), \
        writes Atom feeds, and logs one line per new, updated or removed item.

        Without --once it keeps running: it watches the source directory and updates \
        the feeds within a second of a change (run it under systemd; see the README).

        Examples:
          feedd --once                                  # use ./Config/feedd.toml
          feedd --once --source Entries --output Feeds  # no config file
          feedd --once --dry-run                        # what a PR would change
          feedd --once --log-format json 2>&1 | jq .    # events for scripts
          feedd state                                   # what feedd remembers

        Exit status: 0 ok; 65 some source files were rejected (every valid entry was \
        still published); 66 the source directory is missing; 73 a feed could not be \
        written (the previous one is kept); 74 the state directory failed; 78 the \
        configuration is invalid; 64 bad command-line usage.
        """,
        version: FeedVersion.string,
        subcommands: [StateCommand.self]
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Scan, diff, write the feeds, log, and exit (for CI and cron).")
    var once = false

    @Flag(name: .customLong("dry-run"), help: "Do everything but write feeds and state; log the events it would; exit as --once would.")
    var dryRun = false

    func run() async throws {
        try await RunCommand(common: common, once: once, dryRun: dryRun).run()
    }
}

enum FeedVersion {
    static let string = "0.1.0"
}
