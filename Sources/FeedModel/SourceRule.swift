/// The three source formats, told apart by the file name's extension (any
/// case): `.md`/`.markdown`, `.json`, `.txt`.
public enum SourceFormat: Sendable, Equatable {
    case markdown, json, listing

    /// The format named by the extension of the path's last component; nil
    /// without one, or for any other extension.
    public init?(path: String) {
        let utf8 = path.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")),
              utf8[dot...].firstIndex(of: UInt8(ascii: "/")) == nil else { return nil }
        let ext = utf8[utf8.index(after: dot)...]
        /// The extension, in any case, is `name` (lower-case ASCII).
        func named(_ name: StaticString) -> Bool {
            guard ext.count == name.utf8CodeUnitCount else { return false }
            var i = 0
            for byte in ext {
                let lower: UInt8 = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if lower != name.utf8Start[i] { return false }
                i += 1
            }
            return true
        }
        if named("md") || named("markdown") {
            self = .markdown
        } else if named("json") {
            self = .json
        } else if named("txt") {
            self = .listing
        } else {
            return nil
        }
    }
}

/// Which names in the source tree feedd reads: the one rule that the walk,
/// the watcher and a run over watched paths share.
///
/// Hidden files and directories (`.git/`, `.x.md.swp`) and editors' temp
/// files (`#x.md#`, `x.md~`) are never read; a file is a source when its
/// extension names a `SourceFormat`.
public enum SourceRule {
    /// A name (of a file or a directory) feedd never looks at or below.
    public static func isHidden(_ name: some StringProtocol) -> Bool {
        name.hasPrefix(".")
    }

    /// Whether a file with this name is a source.
    public static func isSource(fileName name: some StringProtocol) -> Bool {
        !isHidden(name) && !name.hasPrefix("#") && !name.hasSuffix("~") && SourceFormat(path: String(name)) != nil
    }

    /// Whether a path relative to the source root names a source file:
    /// no hidden directory on the way, and a source file name at the end.
    public static func isSource(path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let name = components.last else { return false }
        return !components.dropLast().contains(where: isHidden) && isSource(fileName: name)
    }
}
