import Testing
import FeedModel

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
        #expect(SourceRule.isSource(fileName: name) == read, "\(name)")
        #expect(SourceRule.isSource(path: "dir/sub/" + name) == read, "dir/sub/\(name)")
    }

    /// A path counts when no directory on the way is hidden and its name is a source.
    @Test(arguments: [
        ("a.md", true), ("publications/2024/a.md", true), (".git/a.md", false), ("x/.drafts/a.md", false),
        ("x/.drafts", false), ("x/y.d/a.json", true), ("#tmp#/a.md", true), ("", false),
    ])
    func path(_ path: String, _ read: Bool) {
        #expect(SourceRule.isSource(path: path) == read, "\(path)")
    }
}
