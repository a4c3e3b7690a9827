import Foundation
/// What an entry announces: a paper or a job opening.
public enum EntryKind: String, Sendable, Codable, CaseIterable, Comparable {
    case publication
    case job

    /// Reads the `kind` field's spellings people actually use.
    public init?(field: String) {
        switch field.trimmed().lowercased() {
        case "publication", "publications", "paper", "papers": self = .publication
        case "job", "jobs", "opening", "openings", "position": self = .job
        default: return nil
        }
    }

    /// The kind implied by a top-level `publications/` or `jobs/` directory.
    public init?(directory: String) {
        switch directory.lowercased() {
        case "publications", "papers": self = .publication
        case "jobs", "openings": self = .job
        default: return nil
        }
    }

    public static func < (lhs: EntryKind, rhs: EntryKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
