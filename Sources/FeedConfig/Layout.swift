import Foundation

/// The three directories must not overlap: the state under the web root is
/// served to anyone, feeds inside the source are read back as entries, and
/// entries inside the output are served as if they were feeds. Checked
/// before anything is created, on the paths as the file system resolves
/// them (symbolic links followed as far as the directories exist).
extension Configuration {
    /// The first overlap, as a problem that names both paths and the fix; nil when there is none.
    public func layoutProblem() -> ConfigError? {
        let source = Self.canonical(self.source), output = Self.canonical(self.output), state = Self.canonical(stateDir)
        func inside(_ a: String, _ b: String) -> Bool { a == b || a.hasPrefix(b.hasSuffix("/") ? b : b + "/") }
        let where_ = file ?? "command line"
        if inside(state, output) {
            return ConfigError(file: where_, key: "state_dir",
                               message: "\(stateDir) is \(state == output ? "the same directory as" : "inside") output \(self.output): the web server would serve the state database; put state_dir outside it, e.g. /var/lib/feedd (--state-dir)")
        }
        if inside(output, source) {
            return ConfigError(file: where_, key: "output",
                               message: "\(self.output) is \(output == source ? "the same directory as" : "inside") source \(self.source): feedd would read its own feeds back as entries; put output beside source, not in it (--output)")
        }
        if inside(source, output) {
            return ConfigError(file: where_, key: "source",
                               message: "\(self.source) is inside output \(self.output): the web server would serve the entries; keep source out of output (--source)")
        }
        if inside(state, source) {
            return ConfigError(file: where_, key: "state_dir",
                               message: "\(stateDir) is inside source \(self.source): the state is not an entry; put state_dir outside source, e.g. /var/lib/feedd (--state-dir)")
        }
        return nil
    }

    /// `path` with symbolic links resolved in its longest existing ancestor
    /// (the rest does not exist yet, so it cannot be a link).
    static func canonical(_ path: String) -> String {
        var head = path
        var tail: [String] = []
        while !head.isEmpty && head != "/" {
            if let real = realpath(head, nil) {
                defer { free(real) }
                let resolved = String(cString: real)
                return ([resolved == "/" ? "" : resolved] + tail.reversed()).joined(separator: "/")
            }
            let url = URL(fileURLWithPath: head)
            tail.append(url.lastPathComponent)
            head = url.deletingLastPathComponent().path
        }
        return "/" + tail.reversed().joined(separator: "/")
    }
}
