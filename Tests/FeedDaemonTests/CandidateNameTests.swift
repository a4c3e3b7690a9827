import Testing
@testable import FeedDaemon

/// Which directory entries the walk reads: a source format's extension in
/// any case, not hidden, not an editor's temp or backup file; ASCII names and
/// others by the same rules.
struct CandidateNameTests {
    @Test(arguments: [
        ("paper.md", true), ("PAPER.MD", true), ("post.markdown", true), ("jobs.json", true), ("page.txt", true),
        ("café.md", true), ("naïve.JSON", true),
        (".hidden.md", false), ("#autosave.md#", false), ("#lock.md", false), ("draft.md~", false), ("brouillon.md~", false),
        ("README", false), ("notes.yaml", false), ("a.md.swp", false), ("x.", false), ("", false), ("ünïcode", false),
    ])
    func name(_ name: String, _ read: Bool) {
        #expect(SourceScanner.isCandidate(name: name) == read, "\(name)")
    }
}
